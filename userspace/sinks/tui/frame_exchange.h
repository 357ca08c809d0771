// The one place the feeding thread (collector or replay) and the UI thread
// meet. The feeder publishes whole frames; the UI takes the latest under a
// lock held only to copy a pointer, so a slow terminal never holds up event
// consumption. Requests from the UI (clear, stop) are flags the feeder polls.
#ifndef SUBMITWATCH_SINKS_TUI_FRAME_EXCHANGE_H_
#define SUBMITWATCH_SINKS_TUI_FRAME_EXCHANGE_H_

#include <atomic>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "sinks/tui/frame.h"

namespace submitwatch::tui {

class FrameExchange {
 public:
  FrameExchange() : latest_(std::make_shared<const Frame>()) {}
  FrameExchange(const FrameExchange&) = delete;
  FrameExchange& operator=(const FrameExchange&) = delete;

  // Feeder side.
  void Publish(std::shared_ptr<const Frame> frame);
  // A fatal feed error: the UI stops and the command reports it.
  void Fail(absl::Status status);
  bool TakeClearRequest() { return clear_requested_.exchange(false); }
  bool stop_requested() const { return stop_requested_.load(); }

  // UI side.
  std::shared_ptr<const Frame> Latest() const;
  void RequestClear() { clear_requested_.store(true); }
  void RequestStop() { stop_requested_.store(true); }
  bool failed() const { return failed_.load(); }
  absl::Status error() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Frame> latest_;  // guarded by mu_
  absl::Status error_;                   // guarded by mu_
  std::atomic<bool> clear_requested_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> failed_{false};
};

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_FRAME_EXCHANGE_H_
