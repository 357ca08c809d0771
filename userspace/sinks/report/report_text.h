// `submitwatch report --format text`: a short header and the model's three
// tables as aligned plain text, readable without colour.
#ifndef SUBMITWATCH_SINKS_REPORT_REPORT_TEXT_H_
#define SUBMITWATCH_SINKS_REPORT_REPORT_TEXT_H_

#include <string>

#include "model/model.h"

namespace submitwatch {

std::string RenderReportText(const Model& model);

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_REPORT_REPORT_TEXT_H_
