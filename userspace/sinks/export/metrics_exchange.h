// The latest MetricsSnapshot, handed from the thread that builds it (serve's
// collector thread, after each snapshot) to the one that answers scrapes
// (the HTTP server's). Publishing and taking are a pointer swap under a
// lock; a scrape renders outside it, from a snapshot no one changes.
#ifndef SUBMITWATCH_SINKS_EXPORT_METRICS_EXCHANGE_H_
#define SUBMITWATCH_SINKS_EXPORT_METRICS_EXCHANGE_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sinks/export/metric_series.h"

namespace submitwatch {

class MetricsExchange {
 public:
  void Publish(MetricsSnapshot snapshot);

  struct Scrape {
    std::string content_type;
    std::string body;
  };
  // The latest snapshot in the format an HTTP Accept header asks for.
  Scrape Render(std::string_view accept) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const MetricsSnapshot> latest_ = std::make_shared<const MetricsSnapshot>();
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_EXPORT_METRICS_EXCHANGE_H_
