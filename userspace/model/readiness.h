// Stats readiness of a (cgroup, disk) pair (docs/DESIGN.md "Stats readiness").
#ifndef SUBMITWATCH_MODEL_READINESS_H_
#define SUBMITWATCH_MODEL_READINESS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/records.h"

namespace submitwatch {

// One byte: it is a field of the model's per-entry and per-row structs.
enum class Readiness : uint8_t {
  kReady,     // charged to its own blkg, online, with per-cpu stats
  kFallback,  // charged to an ancestor's blkg: own stats and limits missing
  kFailed,    // an allocation for it failed in the submit path
  kPending,   // own blkg exists but is not ready yet (deferring kernels)
};

std::string_view ReadinessName(Readiness readiness);
std::optional<Readiness> ParseReadiness(std::string_view name);

// The readiness one blkg row shows on its own. It never says kFailed: that
// needs the allocation records, which the model joins in.
Readiness RowReadiness(const BlkgRecord& row);

// True when the bios of `row` went to the submitting cgroup's own blkg. A
// kernel thread's bios count as their blkg's own: the thread's cgroup says
// nothing about whom the IO was for.
bool IsOwnBlkg(const BlkgRecord& row);

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_READINESS_H_
