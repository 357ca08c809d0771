// The facts both report formats print in their header, worked out once from
// the model so text and JSON cannot disagree.
#ifndef SUBMITWATCH_SINKS_REPORT_REPORT_FACTS_H_
#define SUBMITWATCH_SINKS_REPORT_REPORT_FACTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/model.h"

namespace submitwatch {

struct ReportFacts {
  std::string host;
  std::string kernel;
  std::string tool_version;
  std::vector<HookMode> modes;
  std::vector<std::string> blind_spots;
  // The capture's own duration, or else the span of the records seen.
  uint64_t duration_ns = 0;
  // Ring-buffer events per the summary, or else the data records seen.
  uint64_t events = 0;
  uint64_t lost_total = 0;
  std::map<std::string, uint64_t> lost_by_reason;
  // Map entries of removed cgroups/disks deleted while recording.
  std::map<std::string, uint64_t> evicted;
  uint64_t peak_map_entries = 0;
};

ReportFacts GatherReportFacts(const Model& model);

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_REPORT_REPORT_FACTS_H_
