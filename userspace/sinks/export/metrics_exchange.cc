#include "sinks/export/metrics_exchange.h"

#include <utility>

#include "sinks/export/metrics_exposition.h"

namespace submitwatch {

void MetricsExchange::Publish(MetricsSnapshot snapshot) {
  auto next = std::make_shared<const MetricsSnapshot>(std::move(snapshot));
  std::lock_guard<std::mutex> lock(mutex_);
  latest_.swap(next);
  // The previous snapshot is freed outside the lock, by whoever holds it last.
}

MetricsExchange::Scrape MetricsExchange::Render(std::string_view accept) const {
  std::shared_ptr<const MetricsSnapshot> snapshot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot = latest_;
  }
  const ExpositionFormat format = NegotiateExposition(accept);
  return {std::string(ExpositionContentType(format)), RenderMetrics(*snapshot, format)};
}

}  // namespace submitwatch
