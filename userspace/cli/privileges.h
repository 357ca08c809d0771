// Whether this process may load and attach tracing BPF programs, checked
// before trying so the error names what is missing.
#ifndef SUBMITWATCH_CLI_PRIVILEGES_H_
#define SUBMITWATCH_CLI_PRIVILEGES_H_

#include "absl/status/status.h"

namespace submitwatch {

absl::Status CheckTracingPrivileges();

// Once the programs are attached and the workload (if any) is started, the
// tool needs only its file descriptors: keep CAP_BPF and CAP_PERFMON (map
// reads on kernels that still check them), CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH (naming cgroups, renaming the capture into place), and
// drop every other capability from the effective, permitted, inheritable,
// ambient and bounding sets. With --user-stacks (keep_ptrace) also
// CAP_SYS_PTRACE: /proc/PID/maps and the files a process maps are readable
// only with ptrace access to it, which a process of another user, or with
// capabilities the tool no longer has, otherwise refuses.
absl::Status DropCapabilitiesAfterAttach(bool keep_ptrace = false);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_PRIVILEGES_H_
