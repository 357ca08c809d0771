#include "sinks/tui/frame_exchange.h"

#include <utility>

namespace submitwatch::tui {

void FrameExchange::Publish(std::shared_ptr<const Frame> frame) {
  std::shared_ptr<const Frame> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::exchange(latest_, std::move(frame));
  }
  // `old` may be the last reference: free it outside the lock.
}

void FrameExchange::Fail(absl::Status status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = std::move(status);
  }
  failed_.store(true);
}

std::shared_ptr<const Frame> FrameExchange::Latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

absl::Status FrameExchange::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace submitwatch::tui
