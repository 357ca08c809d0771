// A model and the series `submitwatch serve` would publish from it, at a
// chosen size: `pairs` (cgroup, disk) pairs under container-like cgroup
// paths, `functions` work functions with filled histograms, and a few dozen
// allocation groups. Shared by bench_model (render and publish time) and
// bench_tool exporter (the HTTP scrape and the process's RSS), so both
// measure the same exposition.
#ifndef SUBMITWATCH_BENCH_SYNTHETIC_EXPORTER_H_
#define SUBMITWATCH_BENCH_SYNTHETIC_EXPORTER_H_

#include <cstddef>
#include <cstdint>

#include "model/model.h"
#include "sinks/export/metric_series.h"

namespace submitwatch::bench {

class SyntheticExporter {
 public:
  SyntheticExporter(size_t pairs, size_t functions);

  // One more read of the kernel's maps: every pair and function counted
  // further, as serve's collector would feed them.
  void Advance();
  // What serve publishes after a snapshot.
  MetricsSnapshot Publish();

  const Model& model() const { return model_; }

 private:
  size_t pairs_;
  size_t functions_;
  uint64_t snapshot_ = 0;
  Model model_;
  MetricSeries series_;
  MetricsSnapshot tool_;
};

}  // namespace submitwatch::bench

#endif  // SUBMITWATCH_BENCH_SYNTHETIC_EXPORTER_H_
