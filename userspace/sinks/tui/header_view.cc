#include "sinks/tui/header_view.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/names.h"
#include "model/units.h"
#include "sinks/tui/layout.h"

namespace submitwatch::tui {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

void Add(ScreenLine& line, std::string text, Style style = Style::kNormal) {
  line.spans.push_back({Printable(text), style});
}

void Labelled(ScreenLine& line, std::string_view label, std::string value,
              Style style = Style::kNormal) {
  Add(line, absl::StrCat("  ", Str(label), " "), Style::kDim);
  Add(line, std::move(value), style);
}

std::string SpeedText(double speed) {
  if (speed == 0) return "max";
  return absl::StrFormat("x%g", speed);
}

std::string StripParentheses(std::string_view text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '(' || c == '[') ++depth;
    if (depth == 0) out.push_back(c);
    if ((c == ')' || c == ']') && depth > 0) --depth;
  }
  // "stack (x) missed" leaves a double blank.
  std::string squeezed;
  for (char c : out) {
    if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
    if ((c == ';' || c == ',') && !squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
    squeezed.push_back(c);
  }
  while (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
  return squeezed;
}

std::string CostText(const FeedStatus& status) {
  if (!status.bpf_cost) return status.bpf_cost_note;
  const BpfCost& cost = *status.bpf_cost;
  if (cost.events == 0) return "0 events";
  return absl::StrFormat("%.0fns/event, %.2f%% of a CPU", cost.ns_per_event,
                         cost.cpu_share * 100);
}

}  // namespace

std::vector<std::string> AbbreviatedBlindSpots(const CaptureHeader& header) {
  std::vector<std::string> spots;
  if (!header.blind_spots.empty()) {
    for (const std::string& spot : header.blind_spots) spots.push_back(StripParentheses(spot));
    return spots;
  }
  for (const HookMode& hook : header.hooks) {
    if (hook.detail.empty() || hook.detail == "none") continue;
    spots.push_back(absl::StrCat(hook.hook, ": ", StripParentheses(hook.detail)));
  }
  return spots;
}

std::vector<ScreenLine> HeaderLines(const Frame& frame, bool paused, int width) {
  std::vector<ScreenLine> lines(2);
  const FeedStatus& status = frame.status;

  ScreenLine& first = lines[0];
  Add(first, "submitwatch top", Style::kTitle);
  Add(first, "  ");
  if (status.live) {
    Add(first, Str(names::kLabelLive), Style::kGood);
  } else {
    Add(first, absl::StrCat(Str(names::kLabelReplay), " ", SpeedText(status.speed)));
    if (status.end_of_capture) {
      Add(first, " ");
      Add(first, Str(names::kEndOfCapture), Style::kWarn);
    }
  }
  if (paused) {
    Add(first, " ");
    Add(first, Str(names::kLabelPaused), Style::kWarn);
  }
  const uint64_t up =
      frame.start_ns != 0 && frame.now_ns > frame.start_ns ? frame.now_ns - frame.start_ns : 0;
  Labelled(first, names::kLabelUptime, FormatDuration(up));
  if (frame.header) {
    Labelled(first, names::kLabelHost, frame.header->host);
    Labelled(first, names::kLabelKernel, frame.header->kernel);
  }


  ScreenLine& second = lines[1];
  Add(second, Str(names::kLabelEventsPerSec), Style::kDim);
  Add(second, " ");
  Add(second, frame.events_per_s ? absl::StrFormat("%.1f", *frame.events_per_s)
                                 : Str(names::kNoValue));
  Labelled(second, names::kLabelEvents, absl::StrCat(status.events));
  std::string lost = absl::StrCat(frame.lost);
  if (!frame.lost_by_reason.empty() && frame.lost != 0) {
    std::vector<std::string> reasons;
    for (const auto& [reason, n] : frame.lost_by_reason) {
      if (n != 0) reasons.push_back(absl::StrCat(reason, "=", n));
    }
    absl::StrAppend(&lost, " (", absl::StrJoin(reasons, " "), ")");
  }
  Labelled(second, names::kLabelLost, lost, frame.lost != 0 ? Style::kBad : Style::kNormal);
  Labelled(second, names::kLabelBpfCost, CostText(status));
  if (!status.note.empty()) {
    Add(second, "  ");
    Add(second, status.note, Style::kWarn);
  }
  if (!status.source.empty()) {
    Labelled(second, names::kLabelFile, status.source.substr(status.source.rfind('/') + 1));
  }

  // Hooks grouped by mode, wrapped over at most kModeLines lines: a
  // tracepoint-only host lists six hooks under one mode.
  std::string modes = absl::StrCat(Str(names::kLabelModes), ":");
  if (!frame.header || frame.header->hooks.empty()) {
    absl::StrAppend(&modes, " ", Str(names::kNoValue));
  } else {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const HookMode& hook : frame.header->hooks) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& g) { return g.first == hook.mode; });
      if (it == groups.end()) it = groups.insert(groups.end(), {hook.mode, {}});
      it->second.push_back(hook.hook);
    }
    for (const auto& [mode, hooks] : groups) {
      absl::StrAppend(&modes, " ", mode, ": ", absl::StrJoin(hooks, " "), ";");
    }
    modes.pop_back();
  }
  std::vector<std::string> wrapped = Wrap(Printable(modes), width, 2);
  if (wrapped.size() > kModeLines) {
    wrapped.resize(kModeLines);
    wrapped.back() = Truncate(wrapped.back() + " ...", width);
  }
  for (std::string& text : wrapped) {
    ScreenLine line;
    Add(line, std::move(text));
    lines.push_back(std::move(line));
  }

  ScreenLine fourth;
  Add(fourth, absl::StrCat(Str(names::kLabelCannotSee), ": "), Style::kDim);
  const std::vector<std::string> spots =
      frame.header ? AbbreviatedBlindSpots(*frame.header) : std::vector<std::string>{};
  Add(fourth, spots.empty() ? Str(names::kNoValue) : absl::StrJoin(spots, "; "), Style::kDim);
  lines.push_back(std::move(fourth));
  return lines;
}

}  // namespace submitwatch::tui
