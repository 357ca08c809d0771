// `submitwatch check`: what the model saw, as findings, a pass/fail verdict
// and an exit status for kernel CI. Pure: a Model in, values out; the command
// only feeds the model (live or from a capture) and prints.
#ifndef SUBMITWATCH_SINKS_CHECK_CHECK_VERDICT_H_
#define SUBMITWATCH_SINKS_CHECK_CHECK_VERDICT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/model.h"

namespace submitwatch {

// Exit statuses of `check`. A matched finding wins over a failed workload:
// the finding is what check is for, and stderr names both.
inline constexpr int kCheckExitClean = 0;     // nothing matched --fail-on
inline constexpr int kCheckExitFindings = 1;  // a finding matched --fail-on
inline constexpr int kCheckExitSetup = 2;     // usage, privileges, BPF, capture errors
inline constexpr int kCheckExitWorkload = 3;  // CMD exited non-zero (or was killed)

enum class FindingKind {
  kUnsafe,    // an UNSAFE allocation in the submit path
  kFailed,    // a (cgroup, disk) pair whose allocation failed in the submit path
  kFallback,  // a pair whose bios were charged to an ancestor's blkg
  kPending,   // a pair whose own blkg never became ready
};
inline constexpr FindingKind kAllFindingKinds[] = {FindingKind::kUnsafe, FindingKind::kFailed,
                                                   FindingKind::kFallback, FindingKind::kPending};

// "unsafe", "failed", "fallback", "pending": the --fail-on words.
std::string_view FindingKindName(FindingKind kind);

// The set of finding kinds that fail the check.
class FailOn {
 public:
  // unsafe and failed: what can deadlock or silently lose a cgroup's stats.
  static FailOn Default();
  static FailOn Any();
  // Each value is a word or a comma-separated list of words (unsafe, failed,
  // fallback, pending, any); repeated options add up. An empty list gives
  // Default(). Unknown words are InvalidArgument naming the valid ones.
  static absl::StatusOr<FailOn> Parse(const std::vector<std::string>& values);

  bool Has(FindingKind kind) const { return (bits_ & Bit(kind)) != 0; }
  void Add(FindingKind kind) { bits_ |= Bit(kind); }
  // The kinds in kAllFindingKinds order, comma-separated: "unsafe,failed".
  std::string ToString() const;
  friend bool operator==(const FailOn&, const FailOn&) = default;

 private:
  static uint32_t Bit(FindingKind kind) { return 1u << static_cast<int>(kind); }
  uint32_t bits_ = 0;
};

struct Finding {
  FindingKind kind = FindingKind::kUnsafe;
  // kUnsafe: allocation records; the others: (cgroup, disk) pairs.
  uint64_t count = 0;
  bool fails = false;  // kind is in --fail-on
};

struct CheckResult {
  // Every allocation row in the submit path (any verdict but outside),
  // UNSAFE first: the table shows safe ones too, so a run that saw the
  // allocations it expected says so.
  std::vector<AllocRow> submit_allocs;
  // Pairs in the failed, fallback and pending states, problems first.
  std::vector<CgroupRow> problem_cgroups;
  // One per kind seen (count > 0), in kAllFindingKinds order.
  std::vector<Finding> findings;
  FailOn fail_on;
  int workload_exit = -1;  // the summary's; -1 when there was no CMD
  uint64_t lost = 0;       // events lost: the verdict may be incomplete

  bool fails() const;
  bool workload_failed() const { return workload_exit > 0; }
};

CheckResult EvaluateCheck(const Model& model, FailOn fail_on);
int CheckExitCode(const CheckResult& result);

// The tables and the verdict line, for standard output:
//   check: clean (fail-on: unsafe,failed)
//   check: passed: 2 fallback (fail-on: unsafe,failed)
//   check: FAIL: 3 UNSAFE allocations; also 1 fallback (fail-on: unsafe,failed)
std::string RenderCheckText(const CheckResult& result);
// Just the verdict line, without a newline.
std::string CheckVerdictLine(const CheckResult& result);

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_CHECK_CHECK_VERDICT_H_
