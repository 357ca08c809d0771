#include "cli_runner.h"

#include <sys/wait.h>

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace submitwatch::testing {

CliResult RunCli(const std::string& args) {
  CliResult r;
  FILE* p = popen(absl::StrCat(SUBMITWATCH_BINARY, " ", args, " 2>&1 </dev/null").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace submitwatch::testing
