#include "model/readiness.h"

#include "model/name_match.h"
#include "model/names.h"

namespace submitwatch {

std::string_view ReadinessName(Readiness readiness) {
  switch (readiness) {
    case Readiness::kReady: return names::kReadyReady;
    case Readiness::kFallback: return names::kReadyFallback;
    case Readiness::kFailed: return names::kReadyFailed;
    case Readiness::kPending: return names::kReadyPending;
  }
  return names::kReadyPending;
}

std::optional<Readiness> ParseReadiness(std::string_view name) {
  for (Readiness r : {Readiness::kReady, Readiness::kFallback,
                      Readiness::kFailed, Readiness::kPending}) {
    if (NameMatches(name, ReadinessName(r))) return r;
  }
  return std::nullopt;
}

bool IsOwnBlkg(const BlkgRecord& row) {
  return row.kthread || row.blkg_cgroup_id == row.cgroup_id;
}

Readiness RowReadiness(const BlkgRecord& row) {
  // Tracepoint mode cannot tell for whom a kernel thread submitted, so its
  // bios never show as charged elsewhere.
  if (!IsOwnBlkg(row)) return Readiness::kFallback;
  return row.online && row.has_stats ? Readiness::kReady : Readiness::kPending;
}

}  // namespace submitwatch
