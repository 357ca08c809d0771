#include "cli/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace submitwatch {
namespace {

// Not in older <linux/capability.h> (added in 5.8).
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool HasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return data[cap / 32].effective & (1u << (cap % 32));
}

}  // namespace

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
