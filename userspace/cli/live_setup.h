// Everything a live command needs before its first event: privileges, kernel
// symbols, the io cgroup hierarchy, the BPF session, and the capture header
// that describes them. Shared by record (and later top/check).
#ifndef SUBMITWATCH_CLI_LIVE_SETUP_H_
#define SUBMITWATCH_CLI_LIVE_SETUP_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "loader/bpf_session.h"
#include "model/records.h"
#include "symbols/cgroup_paths.h"
#include "symbols/disk_names.h"
#include "symbols/kernel_symbols.h"
#include "symbols/user_symbols.h"

namespace submitwatch {

struct LiveSetup {
  KernelSymbols symbols;
  std::unique_ptr<CgroupPaths> cgroups;
  DiskNames disks;
  std::unique_ptr<BpfSession> session;
  CaptureHeader header;
  // --user-stacks only.
  std::unique_ptr<UserSymbolizer> user_symbols;
};

absl::StatusOr<std::unique_ptr<LiveSetup>> SetUpLive(LoaderOptions options);

// uname(2) fields for headers.
std::string HostName();
std::string KernelRelease();

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_LIVE_SETUP_H_
