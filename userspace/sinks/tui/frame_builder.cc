#include "sinks/tui/frame_builder.h"

#include <utility>

namespace submitwatch::tui {
namespace {

double PerSecond(uint64_t delta, uint64_t ns) {
  return static_cast<double>(delta) * 1e9 / static_cast<double>(ns);
}

}  // namespace

void FrameBuilder::Reset() {
  ++clears_;
  after_reset_ = true;
  prev_now_ns_ = 0;
  prev_events_ = 0;
  events_per_s_.reset();
  cgroup_samples_.clear();
}

std::shared_ptr<const Frame> FrameBuilder::Build(const Model& model, uint64_t now_ns,
                                                 uint64_t start_ns, const FeedStatus& status) {
  auto frame = std::make_shared<Frame>();
  frame->sequence = ++sequence_;
  frame->clears = clears_;
  if (const CaptureHeader* header = model.header()) frame->header = *header;
  frame->status = status;
  frame->now_ns = now_ns;
  frame->start_ns = start_ns;

  // The clock may stand still (a replay at its end, a frame right after a
  // clear): rates then keep their last values rather than divide by zero.
  const bool advanced = prev_now_ns_ != 0 && now_ns > prev_now_ns_;
  const uint64_t dt = advanced ? now_ns - prev_now_ns_ : 0;
  if (advanced && status.events >= prev_events_) {
    events_per_s_ = PerSecond(status.events - prev_events_, dt);
  } else if (prev_now_ns_ == 0 && !after_reset_ && start_ns != 0 && now_ns > start_ns &&
             status.events != 0) {
    // A first frame that already covers a span (a replay loaded at once).
    events_per_s_ = PerSecond(status.events, now_ns - start_ns);
  }
  frame->events_per_s = events_per_s_;

  const LostRecord lost = model.Lost();
  frame->lost = lost.Total();
  frame->lost_by_reason = lost.counts;

  absl::flat_hash_map<std::string, Sample> samples;
  for (CgroupRow& row : model.CgroupRows()) {
    CgroupView view;
    Sample sample{row.bios, row.bytes, std::nullopt, std::nullopt};
    auto prev = cgroup_samples_.find(RowKey(row));
    if (prev != cgroup_samples_.end()) {
      if (advanced && row.bios >= prev->second.bios && row.bytes >= prev->second.bytes) {
        sample.bios_per_s = PerSecond(row.bios - prev->second.bios, dt);
        sample.bytes_per_s = PerSecond(row.bytes - prev->second.bytes, dt);
      } else {
        sample.bios_per_s = prev->second.bios_per_s;
        sample.bytes_per_s = prev->second.bytes_per_s;
      }
    } else if (!after_reset_ && row.last_ts_ns > row.first_io_ns && row.first_io_ns != 0) {
      // First sight: the average over the row's life so far.
      sample.bios_per_s = PerSecond(row.bios, row.last_ts_ns - row.first_io_ns);
      sample.bytes_per_s = PerSecond(row.bytes, row.last_ts_ns - row.first_io_ns);
    }
    view.bios_per_s = sample.bios_per_s;
    view.bytes_per_s = sample.bytes_per_s;
    samples.emplace(RowKey(row), sample);
    view.row = std::move(row);
    frame->cgroups.push_back(std::move(view));
  }
  cgroup_samples_ = std::move(samples);
  frame->allocs = model.AllocRows();
  frame->workqueues = model.WqRows();

  if (advanced || prev_now_ns_ == 0) {
    prev_now_ns_ = now_ns;
    prev_events_ = status.events;
  }
  return frame;
}

}  // namespace submitwatch::tui
