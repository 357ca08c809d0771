#include "cli/kernel_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/unique_fd.h"
#include "common/errno_text.h"

namespace submitwatch {

absl::Status ErrnoError(const std::string& what) {
  const int error_number = errno;
  return WithErrno(absl::InternalError(absl::StrCat(what, ": ", ErrnoText(error_number))),
                   error_number);
}

absl::Status WriteKernelFile(const std::string& path, const std::string& text) {
  const UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(absl::StrCat("open ", path));
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return ErrnoError(
        absl::StrCat("write '", absl::StripTrailingAsciiWhitespace(text), "' to ", path));
  }
  return absl::OkStatus();
}

std::string ReadKernelFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace submitwatch
