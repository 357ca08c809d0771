// `submitwatch serve`'s /metrics: one snapshot of the exported series as the
// Prometheus text format 0.0.4 or OpenMetrics text 1.0.0, whichever the
// scraper's Accept header prefers. Tables in, text out; the metric names,
// types and help texts are defined here once (the man page lists them and
// tests/packaging/man_test.sh checks it against the output).
#ifndef SUBMITWATCH_SINKS_EXPORT_METRICS_EXPOSITION_H_
#define SUBMITWATCH_SINKS_EXPORT_METRICS_EXPOSITION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/records.h"
#include "model/tables.h"
#include "sinks/export/metric_series.h"

namespace submitwatch {

enum class ExpositionFormat {
  kPrometheusText,  // text/plain; version=0.0.4
  kOpenMetrics,     // application/openmetrics-text; version=1.0.0
};

// The format an HTTP Accept header asks for: the acceptable media range with
// the highest q (the first among equals); the Prometheus text format when
// the header is empty or names neither.
ExpositionFormat NegotiateExposition(std::string_view accept);
// The Content-Type of a response in `format`.
std::string_view ExpositionContentType(ExpositionFormat format);

std::string RenderMetrics(const MetricsSnapshot& snapshot, ExpositionFormat format);

// A label value as both formats spell it between double quotes: backslash,
// double quote and newline escaped, and any byte sequence that is not UTF-8
// replaced by U+FFFD (cgroup names are whatever the kernel accepted).
std::string EscapeLabelValue(std::string_view value);

// The metric families in the order RenderMetrics writes them: their names
// as sampled in the Prometheus text format.
std::vector<std::string> MetricFamilyNames();

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_EXPORT_METRICS_EXPOSITION_H_
