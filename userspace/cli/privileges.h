// Whether this process may load and attach tracing BPF programs, checked
// before trying so the error names what is missing.
#ifndef SUBMITWATCH_CLI_PRIVILEGES_H_
#define SUBMITWATCH_CLI_PRIVILEGES_H_

#include "absl/status/status.h"

namespace submitwatch {

absl::Status CheckTracingPrivileges();

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_PRIVILEGES_H_
