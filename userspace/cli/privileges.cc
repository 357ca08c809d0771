#include "cli/privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

// Not in older <linux/capability.h> (added in 5.8).
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool HasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return data[cap / 32].effective & (1u << (cap % 32));
}

}  // namespace

bool HasEffectiveCapability(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return syscall(SYS_capget, &header, data) == 0 && HasCap(data, cap);
}

absl::Status DropCapabilitiesAfterAttach(KeptCapabilities extra) {
  std::vector<int> keep = {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, kCapPerfmon, kCapBpf};
  if (extra.ptrace) keep.push_back(CAP_SYS_PTRACE);
  if (extra.ipc_lock) keep.push_back(CAP_IPC_LOCK);
  // The bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
  for (int cap = 0; cap <= 63; ++cap) {
    if (std::find(keep.begin(), keep.end(), cap) != keep.end()) continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return absl::InternalError(absl::StrCat("cannot drop capability ", cap,
                                              " from the bounding set: ", ErrnoText(errno)));
    }
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return absl::InternalError(absl::StrCat("capget: ", ErrnoText(errno)));
  }
  __user_cap_data_struct kept[2] = {};
  for (int cap : keep) {
    const uint32_t bit = 1u << (cap % 32);
    kept[cap / 32].permitted |= data[cap / 32].permitted & bit;
    kept[cap / 32].effective |= data[cap / 32].effective & bit;
  }
  for (int i = 0; i < 2; ++i) {
    data[i].permitted = kept[i].permitted;
    data[i].effective = kept[i].effective;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) {
    return absl::InternalError(absl::StrCat("cannot drop capabilities: ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

absl::Status CheckTracingPrivileges() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return absl::OkStatus();  // let the kernel say
  if (HasCap(data, CAP_SYS_ADMIN)) return absl::OkStatus();
  std::vector<std::string> missing;
  if (!HasCap(data, kCapBpf)) missing.push_back("CAP_BPF");
  if (!HasCap(data, kCapPerfmon)) missing.push_back("CAP_PERFMON");
  if (missing.empty()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "tracing needs root or ", absl::StrJoin(missing, " and "),
      " (missing: ", absl::StrJoin(missing, ", "),
      "); run with sudo. `report` and `--help` need no privileges"));
}

}  // namespace submitwatch
