#include "sinks/tui/text_view.h"

#include "absl/strings/str_cat.h"
#include "model/names.h"
#include "sinks/tui/header_view.h"
#include "sinks/tui/keymap.h"

namespace submitwatch::tui {
namespace {

constexpr int kKeysWidth = 14;

}  // namespace

TextView DetailView(const Frame& frame, PaneId pane, const std::string& key) {
  switch (pane) {
    case PaneId::kCgroups:
      for (const CgroupView& view : frame.cgroups) {
        if (RowKey(view.row) == key) return CgroupDetail(frame, view);
      }
      break;
    case PaneId::kAllocations:
      for (const AllocRow& row : frame.allocs) {
        if (RowKey(row) == key) return AllocationDetail(frame, row);
      }
      break;
    case PaneId::kWorkqueues:
      for (const WqRow& row : frame.workqueues) {
        if (RowKey(row) == key) return WorkqueueDetail(row);
      }
      break;
  }
  TextView gone;
  gone.title = std::string(PaneTitle(pane));
  gone.lines.push_back(
      {"This row is gone from the table (counters were cleared). Esc goes back.", Style::kWarn});
  return gone;
}

TextView HelpView(const Frame& frame) {
  TextView view;
  view.title = "Help: submitwatch top";
  view.lines.push_back({"Keys", Style::kTitle});
  for (const Binding& b : TableBindings()) {
    std::string keys(b.keys_text);
    keys.resize(std::max<size_t>(keys.size(), kKeysWidth), ' ');
    view.lines.push_back(
        {absl::StrCat("  ", keys, " ", std::string(b.help)), Style::kNormal, kKeysWidth + 1});
  }
  view.lines.push_back({"  In these views: Up/Down/PgUp/PgDn/Home/End scroll, Esc or q goes back."});
  view.lines.push_back({""});
  view.lines.push_back({"Marks (readable without colour)", Style::kTitle});
  view.lines.push_back({absl::StrCat("  ", std::string(names::kUnsafeMark),
                                     "  an UNSAFE allocation (may sleep on IO or "
                                     "pcpu_alloc_mutex while submitting IO), or a cgroup "
                                     "whose stats are missing (failed, fallback)"),
                        Style::kBad});
  view.lines.push_back({absl::StrCat("  ", std::string(names::kPercpuMark),
                                     "  a work function whose workers allocate per-cpu memory"),
                        Style::kMarked});
  view.lines.push_back({"  ~  a cell cut to fit; widen the terminal, or press Enter for the "
                        "row's details. Narrow terminals hide the least important columns."});
  view.lines.push_back({""});
  view.lines.push_back({"Attach modes and what they cannot see", Style::kTitle});
  if (!frame.header || frame.header->hooks.empty()) {
    view.lines.push_back({"  (no capture header yet)"});
  } else {
    for (const HookMode& hook : frame.header->hooks) {
      view.lines.push_back({absl::StrCat("  ", hook.hook, "=", hook.mode, ": ", hook.detail)});
    }
  }
  if (frame.header && !frame.header->cgroup_hierarchy.empty()) {
    view.lines.push_back({absl::StrCat("  cgroups: ", frame.header->cgroup_hierarchy)});
  }
  view.lines.push_back({""});
  view.lines.push_back({"Header", Style::kTitle});
  view.lines.push_back({"  events/s: ring-buffer events per second (replay: allocation "
                        "records per second of capture time). BPF cost: the tool's own "
                        "programs' run time per hooked event and as a share of one CPU, "
                        "from the kernel's BPF run-time statistics (live only)."});
  return view;
}

}  // namespace submitwatch::tui
