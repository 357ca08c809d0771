#include "cli/forked_helper.h"

#include <fcntl.h>
#include <unistd.h>

#include "cli/unique_fd.h"

namespace submitwatch {

void CloseFrom(int first) {
  if (close_range(static_cast<unsigned>(first), ~0u, 0) == 0) return;
  for (int fd = first; fd < 4096; ++fd) close(fd);
}

void RedirectStdio(bool keep_stderr) {
  UniqueFd null(open("/dev/null", O_RDWR));
  if (!null.valid()) return;
  dup2(null.get(), STDIN_FILENO);
  dup2(null.get(), STDOUT_FILENO);
  if (!keep_stderr) dup2(null.get(), STDERR_FILENO);
  // Opened as one of the three (it was closed): that one stays open.
  if (null.get() <= STDERR_FILENO) null.release();
}

}  // namespace submitwatch
