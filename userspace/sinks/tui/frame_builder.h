// Turns the model into frames on the feeding thread, and works out what one
// frame alone cannot say: per-second rates, from the previous frame.
#ifndef SUBMITWATCH_SINKS_TUI_FRAME_BUILDER_H_
#define SUBMITWATCH_SINKS_TUI_FRAME_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "model/model.h"
#include "sinks/tui/frame.h"

namespace submitwatch::tui {

class FrameBuilder {
 public:
  // `now_ns` and `start_ns` are on the feed's clock (see Frame::now_ns).
  std::shared_ptr<const Frame> Build(const Model& model, uint64_t now_ns, uint64_t start_ns,
                                     const FeedStatus& status);
  // After Model::Clear(): counts restart, so no rate spans the clear.
  void Reset();

 private:
  // The previous frame's view of the row now at `index`, or nullptr.
  const CgroupView* PreviousView(const CgroupRow& row, size_t index);

  uint64_t sequence_ = 0;
  uint64_t clears_ = 0;
  bool after_reset_ = false;
  uint64_t prev_now_ns_ = 0;  // 0: no previous frame
  uint64_t prev_events_ = 0;
  std::optional<double> events_per_s_;
  // The model's table as the last frame had it (reused by the model where
  // unchanged).
  std::shared_ptr<const SharedCgroupRows> cgroup_rows_;
  // The last frame, whose views hold each row's counts and rates as they
  // were (its rows never change): a row mostly keeps its place from one
  // frame to the next, so its previous view is found by index; by RowId
  // only when rows moved. Null after Reset().
  std::shared_ptr<const Frame> previous_;
  absl::flat_hash_map<uint64_t, uint32_t> previous_index_;  // RowId -> index
  bool indexed_ = false;
};

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_FRAME_BUILDER_H_
