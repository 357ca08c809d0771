#include "cli/live_setup.h"

#include <malloc.h>
#include <sys/utsname.h>

#include "absl/time/clock.h"
#include "cli/privileges.h"
#include "collector/collector.h"
#include "loader/hook_table.h"
#include "symbols/bcc_symbols.h"
#include "version.h"

namespace submitwatch {

std::string HostName() {
  utsname u;
  return uname(&u) == 0 ? u.nodename : "unknown";
}

std::string KernelRelease() {
  utsname u;
  return uname(&u) == 0 ? u.release : "unknown";
}

absl::StatusOr<std::unique_ptr<LiveSetup>> SetUpLive(LoaderOptions options) {
  // First: without libbcc the option cannot be honoured, and that is said
  // before anything is loaded or asked of the kernel.
  std::unique_ptr<BccLibrary> bcc;
  if (options.user_stacks) {
    absl::StatusOr<std::unique_ptr<BccLibrary>> loaded =
        BccLibrary::Load(BccLibrary::LibbccPath());
    if (!loaded.ok()) return loaded.status();
    bcc = *std::move(loaded);
  }
  if (absl::Status s = CheckTracingPrivileges(); !s.ok()) return s;
  auto live = std::make_unique<LiveSetup>();
  if (bcc) {
    live->user_symbols =
        std::make_unique<UserSymbolizer>(std::move(bcc), UserSymbolizer::Options{});
  }
  absl::StatusOr<KernelSymbols> symbols = KernelSymbols::Load();
  if (!symbols.ok()) return symbols.status();
  live->symbols = *std::move(symbols);
  absl::StatusOr<CgroupHierarchy> hierarchy = FindIoHierarchy();
  if (!hierarchy.ok()) return hierarchy.status();
  live->cgroups = std::make_unique<CgroupPaths>(*hierarchy);

  options.submit_ranges = live->symbols.FunctionRanges(SubmitPathFunctions());
  options.symbols = &live->symbols;
  absl::StatusOr<std::unique_ptr<BpfSession>> session = BpfSession::Open(options);
  if (!session.ok()) return session.status();
  live->session = *std::move(session);

  CaptureHeader& h = live->header;
  h.tool_version = SUBMITWATCH_VERSION;
  h.host = HostName();
  h.kernel = KernelRelease();
  h.start_unix_ns = absl::GetCurrentTimeNanos();
  h.start_monotonic_ns = Collector::MonotonicNowNs();
  h.cgroup_hierarchy = hierarchy->Describe();
  h.all_allocs = options.all_allocs;
  h.user_stacks = options.user_stacks;
  h.hooks = live->session->hooks();
  h.blind_spots = live->session->BlindSpots();
  // Parsing kallsyms and the kernel's BTF peaked at tens of MiB, free now:
  // hand the pages back so what stays resident is what the session holds.
  malloc_trim(0);
  return live;
}

}  // namespace submitwatch
