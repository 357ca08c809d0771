#include "sinks/report/report_facts.h"

#include <algorithm>

namespace submitwatch {

ReportFacts GatherReportFacts(const Model& model) {
  ReportFacts facts;
  const CaptureHeader* header = model.header();
  const CaptureSummary* summary = model.summary();
  if (header != nullptr) {
    facts.host = header->host;
    facts.kernel = header->kernel;
    facts.tool_version = header->tool_version;
    facts.modes = header->hooks;
    facts.blind_spots = header->blind_spots;
  }
  if (summary != nullptr) {
    facts.duration_ns = summary->duration_ns;
    facts.evicted = summary->evicted;
    facts.peak_map_entries = summary->peak_map_entries;
  } else if (header != nullptr && header->start_monotonic_ns != 0 &&
             model.last_ts_ns() > header->start_monotonic_ns) {
    facts.duration_ns = model.last_ts_ns() - header->start_monotonic_ns;
  } else {
    facts.duration_ns = model.last_ts_ns() - model.first_ts_ns();
  }
  const RecordCounts& counts = model.counts();
  facts.events = summary != nullptr ? summary->events
                                    : counts.Total() - counts.headers - counts.summaries;
  const LostRecord lost = model.Lost();
  facts.lost_by_reason = lost.counts;
  // The summary may also count what the tool itself dropped.
  facts.lost_total = std::max(lost.Total(), summary != nullptr ? summary->lost : 0);
  return facts;
}

}  // namespace submitwatch
