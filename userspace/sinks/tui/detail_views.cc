// The details behind a table row: everything the row's narrow cells leave
// out, and for an allocation its distinct kernel stacks.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/names.h"
#include "model/units.h"
#include "model/verdict.h"
#include "sinks/tui/text_view.h"

namespace submitwatch::tui {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

constexpr size_t kLabelWidth = 15;

TextLine Field(std::string_view label, std::string value, Style style = Style::kNormal) {
  std::string text = Str(label);
  text.resize(std::max(text.size(), kLabelWidth), ' ');
  return {absl::StrCat("  ", text, " ", value), style, static_cast<int>(kLabelWidth) + 1};
}

// One line per non-empty bucket: "  [1.0us, 2.0us)  12  ########".
void AddHistogram(TextView& view, std::string_view title, const std::vector<uint64_t>& log2) {
  uint64_t most = 0;
  for (uint64_t n : log2) most = std::max(most, n);
  view.lines.push_back({Str(title), Style::kTitle});
  if (most == 0) {
    view.lines.push_back({absl::StrCat("  ", Str(names::kEmptyTable))});
    return;
  }
  constexpr int kBarWidth = 30;
  for (size_t i = 0; i < log2.size() && i < 63; ++i) {
    if (log2[i] == 0) continue;
    const std::string range =
        absl::StrCat("[", FormatDuration(1ull << i), ", ", FormatDuration(1ull << (i + 1)), ")");
    const int bar = static_cast<int>((log2[i] * kBarWidth + most - 1) / most);
    view.lines.push_back(
        {absl::StrFormat("  %-20s %10d %s", range, log2[i], std::string(bar, '#'))});
  }
}

}  // namespace

TextView AllocationDetail(const Frame& frame, const AllocRow& row) {
  const bool unsafe = row.verdict == Verdict::kUnsafe;
  TextView view;
  view.title = absl::StrCat("Kernel stacks of ", row.site, " (", Str(VerdictName(row.verdict)),
                            ", ", row.cgroup, ", ", row.comm, ")");
  // A few dense lines, so that the first stack shows on a 24-line terminal.
  view.lines.push_back(Field(names::kColSite,
                             absl::StrCat(row.site_offset.empty() ? row.site : row.site_offset,
                                          "  ", Str(AllocatorName(row.allocator)))));
  view.lines.push_back(Field(names::kColVerdict,
                             absl::StrCat(unsafe ? Str(names::kUnsafeMark) : "",
                                          Str(VerdictName(row.verdict)), "  ",
                                          Str(names::kColContext), " ", row.context_text, "  ",
                                          Str(names::kColGfp), " ", GfpCell(row)),
                             unsafe ? Style::kBad : Style::kNormal));
  std::vector<std::string> pids;
  for (uint32_t pid : row.pids) pids.push_back(absl::StrCat(pid));
  view.lines.push_back(Field(
      names::kColCount,
      absl::StrCat(CountCell(row), "  ", Str(names::kColBytes), " ", FormatBytes(row.bytes), "  ",
                   Str(names::kColComm), " ", row.comm, " (pid ", absl::StrJoin(pids, " "),
                   ")  ", Str(names::kColFirstSeen), " ", SinceStart(frame, row.first_ns), "  ",
                   Str(names::kColLastSeen), " ", SinceStart(frame, row.last_ns))));
  uint64_t with_stack = row.other_stacks;
  for (const StackCount& s : row.stacks) with_stack += s.count;
  if (row.stacks.empty()) {
    view.lines.push_back({""});
    view.lines.push_back({"No kernel stack was recorded for this row.", Style::kWarn});
  }
  for (size_t i = 0; i < row.stacks.size(); ++i) {
    const StackCount& s = row.stacks[i];
    view.lines.push_back({""});
    view.lines.push_back(
        {absl::StrFormat("Stack %d of %d: %d of %d records (%.0f%%)", i + 1, row.stacks.size(),
                         s.count, with_stack,
                         with_stack == 0 ? 0.0 : 100.0 * s.count / with_stack),
         Style::kTitle});
    if (s.frames) {
      for (const std::string& f : *s.frames) view.lines.push_back({absl::StrCat("    ", f)});
    }
    // The user part continues the kernel part downwards (both innermost
    // first): from the syscall's caller to main.
    if (s.user) {
      const std::string& fallback = s.user->fallback;
      std::string heading = absl::StrCat("  ", Str(names::kLabelUserStack));
      if (!fallback.empty()) absl::StrAppend(&heading, " (", fallback, ")");
      view.lines.push_back({heading, fallback.empty() ? Style::kTitle : Style::kWarn});
      for (const std::string& f : *s.user->frames) view.lines.push_back({absl::StrCat("    ", f)});
    }
  }
  if (row.other_stacks != 0) {
    view.lines.push_back({""});
    view.lines.push_back({absl::StrCat(row.other_stacks,
                                       " records had other stacks, not kept (the first ",
                                       row.stacks.size(), " distinct stacks are)"),
                          Style::kDim});
  }
  return view;
}

TextView CgroupDetail(const Frame& frame, const CgroupView& cgroup) {
  const CgroupRow& row = cgroup.row;
  TextView view;
  const std::string disk =
      row.disk.empty() ? absl::StrCat(row.dev_major, ":", row.dev_minor) : row.disk;
  view.title = absl::StrCat("Cgroup ", row.cgroup, row.kthread ? Str(names::kKthreadSuffix) : "",
                            " on ", disk);
  view.lines.push_back(Field(names::kColState, Str(ReadinessName(row.state)),
                             row.state == Readiness::kReady ? Style::kGood : Style::kWarn));
  view.lines.push_back(Field(names::kColBios, absl::StrCat(row.bios, "  (own blkg ", row.own_bios,
                                                          ", elsewhere ", row.elsewhere_bios,
                                                          ")")));
  view.lines.push_back(Field(names::kColBytes,
                             absl::StrCat(FormatBytes(row.bytes), "  (own blkg ",
                                          FormatBytes(row.own_bytes), ", elsewhere ",
                                          FormatBytes(row.elsewhere_bytes), ")")));
  view.lines.push_back(Field(names::kColBiosPerSec, FormatRate(cgroup.bios_per_s())));
  view.lines.push_back(Field(names::kColBytesPerSec, FormatByteRate(cgroup.bytes_per_s())));
  view.lines.push_back(Field(names::kColChargedTo,
                             row.charged_to.empty() ? Str(names::kNoValue) : row.charged_to,
                             row.charged_to.empty() ? Style::kNormal : Style::kWarn));
  view.lines.push_back(Field("FAILED_ALLOCS", absl::StrCat(row.failed_allocs),
                             row.failed_allocs != 0 ? Style::kBad : Style::kNormal));
  view.lines.push_back(Field("FIRST_IO", SinceStart(frame, row.first_io_ns)));
  view.lines.push_back(Field("READY_AT", row.ready_ns != 0 ? SinceStart(frame, row.ready_ns)
                                                           : Str(names::kNoValue)));
  view.lines.push_back(Field(names::kColTimeToReady,
                             row.state == Readiness::kReady ? FormatDuration(row.time_to_ready_ns)
                                                            : Str(names::kNoValue)));
  view.lines.push_back(Field("CGROUP_ID", absl::StrCat(row.cgroup_id)));
  view.lines.push_back(Field("DEVICE", absl::StrCat(row.dev_major, ":", row.dev_minor)));
  view.lines.push_back({""});
  view.lines.push_back({"Times are since the session's start. A cgroup whose bios are charged "
                        "to an ancestor's blkg has no stats or limits of its own until its "
                        "blkg is ready.",
                        Style::kDim});
  return view;
}

TextView WorkqueueDetail(const WqRow& row) {
  TextView view;
  view.title = absl::StrCat("Work function ", row.function);
  view.lines.push_back(Field(names::kColQueued, absl::StrCat(row.queued)));
  view.lines.push_back(Field("ACTIVATED", absl::StrCat(row.activated)));
  view.lines.push_back(Field(names::kColExecuted, absl::StrCat(row.executed)));
  view.lines.push_back(Field("LATENCY", absl::StrCat("p50 ", FormatDuration(row.latency_p50_ns),
                                                     "  p99 ", FormatDuration(row.latency_p99_ns),
                                                     "  max ", FormatDuration(row.latency_max_ns))));
  view.lines.push_back(Field("RUN_TIME", absl::StrCat("p50 ", FormatDuration(row.runtime_p50_ns),
                                                      "  p99 ", FormatDuration(row.runtime_p99_ns),
                                                      "  max ", FormatDuration(row.runtime_max_ns))));
  view.lines.push_back(Field(names::kColPercpu, Str(row.allocates_percpu ? names::kYes : names::kNo),
                             row.allocates_percpu ? Style::kMarked : Style::kNormal));
  view.lines.push_back({""});
  AddHistogram(view, "Queue to start latency", row.latency_log2);
  view.lines.push_back({""});
  AddHistogram(view, "Run time", row.runtime_log2);
  return view;
}

}  // namespace submitwatch::tui
