#include "sinks/check/check_verdict.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "model/names.h"
#include "sinks/report/text_table.h"

namespace submitwatch {
namespace {

using Align = TextTable::Align;

// The nouns of the verdict line; used nowhere else.
constexpr std::string_view kAllocationNoun = "allocation";
constexpr std::string_view kPairNoun = "cgroup/disk pair";

std::string Str(std::string_view s) { return std::string(s); }

std::string Plural(uint64_t n, std::string_view noun) {
  return absl::StrCat(Str(noun), n == 1 ? "" : "s");
}

// "3 UNSAFE allocations", "1 failed cgroup/disk pair".
std::string FindingText(const Finding& f) {
  if (f.kind == FindingKind::kUnsafe) {
    return absl::StrCat(f.count, " ", Str(VerdictName(Verdict::kUnsafe)), " ",
                        Plural(f.count, kAllocationNoun));
  }
  return absl::StrCat(f.count, " ", Str(FindingKindName(f.kind)), " ", Plural(f.count, kPairNoun));
}

std::optional<FindingKind> FindingOfState(Readiness state) {
  switch (state) {
    case Readiness::kFailed:
      return FindingKind::kFailed;
    case Readiness::kFallback:
      return FindingKind::kFallback;
    case Readiness::kPending:
      return FindingKind::kPending;
    case Readiness::kReady:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string GfpCell(const AllocRow& row) {
  if (row.effective_gfp_raw == row.gfp_raw) return row.gfp;
  return absl::StrCat(row.gfp, Str(names::kEffectiveGfpPrefix), row.effective_gfp,
                      Str(names::kEffectiveGfpSuffix));
}

std::string AllocTable(const CheckResult& result) {
  TextTable table({{names::kColVerdict},
                   {names::kColSite},
                   {names::kColAllocator},
                   {names::kColContext},
                   {names::kColGfp},
                   {names::kColCount, Align::kRight},
                   {names::kColCgroup},
                   {names::kColComm}});
  for (const AllocRow& row : result.submit_allocs) {
    std::string verdict = Str(VerdictName(row.verdict));
    if (row.verdict == Verdict::kUnsafe) verdict = absl::StrCat(Str(names::kUnsafeMark), verdict);
    std::string count = absl::StrCat(row.count);
    if (row.failed != 0) absl::StrAppend(&count, " (", row.failed, Str(names::kFailedSuffix), ")");
    table.AddRow({verdict, row.site, Str(AllocatorName(row.allocator)), row.context_text,
                  GfpCell(row), count, row.cgroup, row.comm});
  }
  return absl::StrCat(Str(names::kTitleAllocations), "\n",
                      table.empty() ? absl::StrCat(Str(names::kEmptyTable), "\n") : table.Render());
}

std::string CgroupTable(const CheckResult& result) {
  TextTable table({{names::kColCgroup},
                   {names::kColDisk},
                   {names::kColState},
                   {names::kColBios, Align::kRight},
                   {names::kColElsewhere, Align::kRight},
                   {names::kColChargedTo},
                   {names::kColFailedAllocs, Align::kRight}});
  for (const CgroupRow& row : result.problem_cgroups) {
    std::string cgroup = row.cgroup;
    if (row.kthread) absl::StrAppend(&cgroup, Str(names::kKthreadSuffix));
    std::string disk = row.disk;
    if (disk.empty()) disk = absl::StrCat(row.dev_major, ":", row.dev_minor);
    table.AddRow({cgroup, disk, Str(ReadinessName(row.state)), absl::StrCat(row.bios),
                  absl::StrCat(row.elsewhere_bios),
                  row.charged_to.empty() ? Str(names::kNoValue) : row.charged_to,
                  absl::StrCat(row.failed_allocs)});
  }
  return absl::StrCat(Str(names::kTitleCheckCgroups), "\n",
                      table.empty() ? absl::StrCat(Str(names::kEmptyTable), "\n") : table.Render());
}

}  // namespace

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kUnsafe:
      return names::kFailOnUnsafe;
    case FindingKind::kFailed:
      return names::kReadyFailed;
    case FindingKind::kFallback:
      return names::kReadyFallback;
    case FindingKind::kPending:
      return names::kReadyPending;
  }
  return names::kNoValue;
}

FailOn FailOn::Default() {
  FailOn f;
  f.Add(FindingKind::kUnsafe);
  f.Add(FindingKind::kFailed);
  return f;
}

FailOn FailOn::Any() {
  FailOn f;
  for (FindingKind kind : kAllFindingKinds) f.Add(kind);
  return f;
}

absl::StatusOr<FailOn> FailOn::Parse(const std::vector<std::string>& values) {
  if (values.empty()) return Default();
  FailOn f;
  for (const std::string& value : values) {
    for (absl::string_view word : absl::StrSplit(value, ',')) {
      const std::string w = absl::AsciiStrToLower(absl::StripAsciiWhitespace(word));
      if (w == names::kFailOnAny) {
        f = Any();
        continue;
      }
      bool known = false;
      for (FindingKind kind : kAllFindingKinds) {
        if (w == FindingKindName(kind)) {
          f.Add(kind);
          known = true;
        }
      }
      if (!known) {
        std::vector<std::string> valid;
        for (FindingKind kind : kAllFindingKinds) valid.push_back(Str(FindingKindName(kind)));
        valid.push_back(Str(names::kFailOnAny));
        return absl::InvalidArgumentError(
            absl::StrCat("--fail-on: '", w, "' is not one of ", absl::StrJoin(valid, ", ")));
      }
    }
  }
  return f;
}

std::string FailOn::ToString() const {
  std::vector<std::string> words;
  for (FindingKind kind : kAllFindingKinds) {
    if (Has(kind)) words.push_back(Str(FindingKindName(kind)));
  }
  return words.empty() ? Str(names::kNoValue) : absl::StrJoin(words, ",");
}

bool CheckResult::fails() const {
  for (const Finding& f : findings) {
    if (f.fails) return true;
  }
  return false;
}

CheckResult EvaluateCheck(const Model& model, FailOn fail_on) {
  CheckResult result;
  result.fail_on = fail_on;
  uint64_t counts[std::size(kAllFindingKinds)] = {};
  for (AllocRow& row : model.AllocRows()) {
    if (row.verdict == Verdict::kOutside) continue;
    if (row.verdict == Verdict::kUnsafe)
      counts[static_cast<int>(FindingKind::kUnsafe)] += row.count;
    result.submit_allocs.push_back(std::move(row));
  }
  for (CgroupRow& row : model.CgroupRows()) {
    const std::optional<FindingKind> kind = FindingOfState(row.state);
    if (!kind) continue;
    ++counts[static_cast<int>(*kind)];
    result.problem_cgroups.push_back(std::move(row));
  }
  for (FindingKind kind : kAllFindingKinds) {
    const uint64_t n = counts[static_cast<int>(kind)];
    if (n != 0) result.findings.push_back({kind, n, fail_on.Has(kind)});
  }
  if (const CaptureSummary* summary = model.summary()) {
    result.workload_exit = summary->workload_exit;
    result.lost = summary->lost;
  }
  result.lost = std::max(result.lost, model.Lost().Total());
  return result;
}

int CheckExitCode(const CheckResult& result) {
  if (result.fails()) return kCheckExitFindings;
  if (result.workload_failed()) return kCheckExitWorkload;
  return kCheckExitClean;
}

std::string CheckVerdictLine(const CheckResult& result) {
  std::vector<std::string> failing;
  std::vector<std::string> other;
  for (const Finding& f : result.findings) {
    (f.fails ? failing : other).push_back(FindingText(f));
  }
  std::string line = "check: ";
  if (!failing.empty()) {
    absl::StrAppend(&line, Str(names::kCheckFail), ": ", absl::StrJoin(failing, ", "));
    if (!other.empty()) absl::StrAppend(&line, "; also ", absl::StrJoin(other, ", "));
  } else if (!other.empty()) {
    absl::StrAppend(&line, Str(names::kCheckPassed), ": ", absl::StrJoin(other, ", "));
  } else {
    absl::StrAppend(&line, Str(names::kCheckClean));
  }
  absl::StrAppend(&line, " (fail-on: ", result.fail_on.ToString(), ")");
  return line;
}

std::string RenderCheckText(const CheckResult& result) {
  return absl::StrCat(AllocTable(result), "\n", CgroupTable(result), "\n", CheckVerdictLine(result),
                      "\n");
}

}  // namespace submitwatch
