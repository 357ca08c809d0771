// The kernel's types (BTF): what CO-RE relocates against and what tells the
// loader which functions and tracepoints exist.
#ifndef SUBMITWATCH_LOADER_KERNEL_BTF_H_
#define SUBMITWATCH_LOADER_KERNEL_BTF_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

struct btf;

namespace submitwatch {

using BtfPtr = std::unique_ptr<btf, void (*)(btf*)>;

// From `path` when given (--btf: a vmlinux or raw BTF), else the running
// kernel's own (/sys/kernel/btf/vmlinux).
absl::StatusOr<BtfPtr> LoadKernelBtf(const std::string& path);

// Parameters of tracepoint `name`'s btf_trace_<name> typedef, including the
// leading void * (-1 when the typedef is not a pointer to a prototype);
// nullopt when the kernel has no such tracepoint.
std::optional<int> TracepointArgs(const btf* vmlinux_btf, const std::string& name);

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_KERNEL_BTF_H_
