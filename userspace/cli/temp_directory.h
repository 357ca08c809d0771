// Where demo puts what it makes and does not keep: $TMPDIR, else /tmp.
#ifndef SUBMITWATCH_CLI_TEMP_DIRECTORY_H_
#define SUBMITWATCH_CLI_TEMP_DIRECTORY_H_

#include <cstdlib>
#include <string>

namespace submitwatch {

inline std::string TempDirectory() {
  const char* tmp = getenv("TMPDIR");
  return tmp != nullptr && *tmp ? tmp : "/tmp";
}

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_TEMP_DIRECTORY_H_
