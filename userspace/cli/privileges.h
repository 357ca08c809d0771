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
// ambient and bounding sets, except those `extra` asks for.
struct KeptCapabilities {
  // CAP_SYS_PTRACE, with --user-stacks: /proc/PID/maps and the files a
  // process maps are readable only with ptrace access to it, which a process
  // of another user, or with capabilities the tool no longer has, otherwise
  // refuses.
  bool ptrace = false;
  // CAP_IPC_LOCK, which memory locked with MCL_FUTURE needs for every later
  // mapping when RLIMIT_MEMLOCK could not be raised (PrepareForPressure).
  bool ipc_lock = false;
};
absl::Status DropCapabilitiesAfterAttach(KeptCapabilities extra = {});

// Whether `cap` is in this thread's effective set.
bool HasEffectiveCapability(int cap);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_PRIVILEGES_H_
