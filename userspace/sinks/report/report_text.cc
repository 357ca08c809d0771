#include "sinks/report/report_text.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/names.h"
#include "model/units.h"
#include "sinks/report/report_facts.h"
#include "sinks/report/text_table.h"

namespace submitwatch {
namespace {

using Align = TextTable::Align;

std::string Str(std::string_view s) { return std::string(s); }

std::string Labelled(std::string_view label, std::string_view value) {
  return absl::StrFormat("%s: %s", label, PrintableText(value));
}

std::string RenderHeader(const Model& model) {
  const ReportFacts facts = GatherReportFacts(model);
  std::vector<std::string> first;
  if (!facts.host.empty()) first.push_back(Labelled(names::kLabelHost, facts.host));
  if (!facts.kernel.empty()) first.push_back(Labelled(names::kLabelKernel, facts.kernel));
  if (!facts.tool_version.empty()) {
    first.push_back(Labelled(names::kLabelVersion, facts.tool_version));
  }
  std::string out;
  if (!first.empty()) absl::StrAppend(&out, absl::StrJoin(first, "  "), "\n");
  if (!facts.modes.empty()) {
    std::vector<std::string> modes;
    for (const HookMode& hook : facts.modes) {
      modes.push_back(absl::StrCat(hook.hook, "=", hook.mode));
    }
    absl::StrAppend(&out, Labelled(names::kLabelModes, absl::StrJoin(modes, " ")), "\n");
  }
  std::string lost = absl::StrCat(facts.lost_total);
  if (!facts.lost_by_reason.empty()) {
    std::vector<std::string> reasons;
    for (const auto& [reason, n] : facts.lost_by_reason) {
      reasons.push_back(absl::StrCat(reason, "=", n));
    }
    absl::StrAppend(&lost, " (", absl::StrJoin(reasons, " "), ")");
  }
  absl::StrAppend(&out, Labelled(names::kLabelDuration, FormatDuration(facts.duration_ns)),
                  "  ", Labelled(names::kLabelEvents, absl::StrCat(facts.events)), "  ",
                  Labelled(names::kLabelLost, lost), "\n");
  uint64_t evicted = 0;
  for (const auto& [reason, n] : facts.evicted) evicted += n;
  if (evicted > 0) {
    std::vector<std::string> reasons;
    for (const auto& [reason, n] : facts.evicted) reasons.push_back(absl::StrCat(reason, "=", n));
    absl::StrAppend(&out,
                    Labelled(names::kLabelEvicted, absl::StrCat(evicted, " map entries of removed "
                                                                "cgroups/disks (",
                                                                absl::StrJoin(reasons, " "), ")")),
                    "  ", Labelled(names::kLabelPeakEntries, absl::StrCat(facts.peak_map_entries)),
                    "\n");
  }
  if (!facts.blind_spots.empty()) {
    absl::StrAppend(&out, Labelled(names::kLabelBlindSpots,
                                   absl::StrJoin(facts.blind_spots, "; ")),
                    "\n");
  }
  return out;
}

std::string Section(std::string_view title, const TextTable& table) {
  return absl::StrCat("\n", Str(title), "\n",
                      table.empty() ? absl::StrCat(Str(names::kEmptyTable), "\n")
                                    : table.Render());
}

std::string CgroupCell(const CgroupRow& row) {
  return row.kthread ? absl::StrCat(row.cgroup, Str(names::kKthreadSuffix)) : row.cgroup;
}

std::string RenderCgroups(const Model& model) {
  TextTable table({{names::kColCgroup}, {names::kColDisk}, {names::kColState},
                   {names::kColBios, Align::kRight}, {names::kColBytes, Align::kRight},
                   {names::kColElsewhere, Align::kRight}, {names::kColChargedTo},
                   {names::kColTimeToReady, Align::kRight}});
  for (const CgroupRow& row : model.CgroupRows()) {
    std::string disk = row.disk;
    if (disk.empty()) disk = absl::StrCat(row.dev_major, ":", row.dev_minor);
    table.AddRow({CgroupCell(row), disk, Str(ReadinessName(row.state)),
                  absl::StrCat(row.bios), FormatBytes(row.bytes),
                  absl::StrCat(row.elsewhere_bios),
                  row.charged_to.empty() ? Str(names::kNoValue) : row.charged_to,
                  row.state == Readiness::kReady ? FormatDuration(row.time_to_ready_ns)
                                                 : Str(names::kNoValue)});
  }
  return Section(names::kTitleCgroups, table);
}

std::string GfpCell(const AllocRow& row) {
  if (row.effective_gfp_raw == row.gfp_raw) return row.gfp;
  return absl::StrCat(row.gfp, Str(names::kEffectiveGfpPrefix), row.effective_gfp,
                      Str(names::kEffectiveGfpSuffix));
}

// Takes the rows, to let them go before the table is laid out.
std::string RenderAllocations(std::vector<AllocRow> rows) {
  TextTable table({{names::kColVerdict}, {names::kColSite}, {names::kColAllocator},
                   {names::kColContext}, {names::kColGfp},
                   {names::kColCount, Align::kRight}, {names::kColBytes, Align::kRight},
                   {names::kColCgroup}, {names::kColComm}});
  for (AllocRow& row : rows) {
    std::string verdict = Str(VerdictName(row.verdict));
    if (row.verdict == Verdict::kUnsafe) verdict = absl::StrCat(Str(names::kUnsafeMark), verdict);
    std::string count = absl::StrCat(row.count);
    if (row.failed != 0) {
      absl::StrAppend(&count, " (", row.failed, Str(names::kFailedSuffix), ")");
    }
    // Moved, not copied: the rows are this function's, and a report of many
    // short-lived cgroups has hundreds of thousands.
    std::vector<std::string> cells;
    cells.reserve(9);
    cells.push_back(std::move(verdict));
    cells.push_back(std::move(row.site));
    cells.emplace_back(AllocatorName(row.allocator));
    cells.push_back(std::move(row.context_text));
    cells.push_back(GfpCell(row));
    cells.push_back(std::move(count));
    cells.push_back(FormatBytes(row.bytes));
    cells.push_back(std::move(row.cgroup));
    cells.push_back(std::move(row.comm));
    table.AddRow(std::move(cells));
  }
  std::vector<AllocRow>().swap(rows);
  return Section(names::kTitleAllocations, table);
}

// "  user stack:" or "  user stack (no_symbols):", above the user frames.
std::string UserStackHeading(const UserStackPart& user) {
  if (user.fallback.empty()) return absl::StrCat("  ", Str(names::kLabelUserStack), ":");
  return absl::StrCat("  ", Str(names::kLabelUserStack), " (", user.fallback, "):");
}

// Every distinct stack of every row, kernel part then user part, both
// innermost first, so the user part continues the kernel part downwards.
// Only for captures taken with --user-stacks: the text report of others is
// unchanged (their stacks are in the JSON report and the folded export).
std::string RenderStacks(const Model& model, const std::vector<AllocRow>& rows) {
  bool any_user = model.header() != nullptr && model.header()->user_stacks;
  for (const AllocRow& row : rows) {
    for (const StackCount& s : row.stacks) any_user = any_user || s.user != nullptr;
  }
  if (!any_user) return "";
  std::string out = absl::StrCat("\n", Str(names::kTitleStacks), "\n");
  for (const AllocRow& row : rows) {
    if (row.stacks.empty()) continue;
    uint64_t with_stack = row.other_stacks;
    for (const StackCount& s : row.stacks) with_stack += s.count;
    const bool unsafe = row.verdict == Verdict::kUnsafe;
    absl::StrAppend(&out, unsafe ? Str(names::kUnsafeMark) : "", Str(VerdictName(row.verdict)),
                    " ", row.site, "  ", Str(names::kColCgroup), " ", PrintableText(row.cgroup),
                    "  ", Str(names::kColComm), " ", PrintableText(row.comm), "\n");
    for (size_t i = 0; i < row.stacks.size(); ++i) {
      const StackCount& s = row.stacks[i];
      absl::StrAppend(&out, absl::StrFormat("  stack %d of %d: %d of %d records\n", i + 1,
                                            row.stacks.size(), s.count, with_stack));
      for (const std::string& f : *s.frames) absl::StrAppend(&out, "    ", PrintableText(f), "\n");
      if (s.user == nullptr) continue;
      absl::StrAppend(&out, UserStackHeading(*s.user), "\n");
      for (const std::string& f : *s.user->frames) {
        absl::StrAppend(&out, "    ", PrintableText(f), "\n");
      }
    }
    if (row.other_stacks != 0) {
      absl::StrAppend(&out, "  ", row.other_stacks, " records had other stacks, not kept\n");
    }
  }
  return out;
}

std::string RenderWorkqueues(const Model& model) {
  TextTable table({{names::kColFunction}, {names::kColQueued, Align::kRight},
                   {names::kColExecuted, Align::kRight}, {names::kColLatP50, Align::kRight},
                   {names::kColLatP99, Align::kRight}, {names::kColLatMax, Align::kRight},
                   {names::kColRunP99, Align::kRight}, {names::kColPercpu}});
  // A histogram with no samples has no percentile worth printing as "0ns".
  const auto duration = [](uint64_t ns) {
    return ns == 0 ? Str(names::kNoValue) : FormatDuration(ns);
  };
  for (const WqRow& row : model.WqRows()) {
    table.AddRow({row.function, absl::StrCat(row.queued), absl::StrCat(row.executed),
                  duration(row.latency_p50_ns), duration(row.latency_p99_ns),
                  duration(row.latency_max_ns), duration(row.runtime_p99_ns),
                  Str(row.allocates_percpu ? names::kYes : names::kNo)});
  }
  return Section(names::kTitleWorkqueues, table);
}

}  // namespace

std::string RenderReportText(const Model& model) {
  // Built once for both sections (sorting a large capture's rows was a
  // tenth of its report), and gone before the cgroup table is built.
  std::vector<AllocRow> allocs = model.AllocRows();
  const std::string stacks = RenderStacks(model, allocs);
  const std::string allocations = RenderAllocations(std::move(allocs));
  // One concatenation, sized once: appending to a growing report copied it.
  return absl::StrCat(RenderHeader(model), RenderCgroups(model), allocations, stacks,
                      RenderWorkqueues(model));
}

}  // namespace submitwatch
