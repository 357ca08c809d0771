// `submitwatch report --format json`: the model's tables as one JSON object,
// {"schema":1,"header":...,"summary":...,"cgroups":[...],"allocations":[...],
// "workqueues":[...],"lost":{...}}, with the capture's field names where the
// two overlap. Ends with a newline.
#ifndef SUBMITWATCH_SINKS_REPORT_REPORT_JSON_H_
#define SUBMITWATCH_SINKS_REPORT_REPORT_JSON_H_

#include <string>

#include "model/model.h"

namespace submitwatch {

// Bumped when a field changes meaning or goes away; adding fields is not a
// schema change.
inline constexpr int kReportJsonSchema = 1;

std::string RenderReportJson(const Model& model);

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_REPORT_REPORT_JSON_H_
