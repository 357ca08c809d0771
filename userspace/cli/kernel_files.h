// One-shot reads and writes of the kernel's small files (cgroupfs, sysfs),
// where one write(2) is one command, for demo's scratch resources.
#ifndef SUBMITWATCH_CLI_KERNEL_FILES_H_
#define SUBMITWATCH_CLI_KERNEL_FILES_H_

#include <string>

#include "absl/status/status.h"

namespace submitwatch {

// `text` in one write; the error names the path and what was written.
absl::Status WriteKernelFile(const std::string& path, const std::string& text);
// The whole file; "" when it cannot be read (a detached device, a removed
// cgroup).
std::string ReadKernelFile(const std::string& path);

// An error for a failed system call: "what: <errno text>", carrying errno.
absl::Status ErrnoError(const std::string& what);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_KERNEL_FILES_H_
