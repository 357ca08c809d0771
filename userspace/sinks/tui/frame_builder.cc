#include "sinks/tui/frame_builder.h"

#include <utility>

namespace submitwatch::tui {
namespace {

double PerSecond(uint64_t delta, uint64_t ns) {
  return static_cast<double>(delta) * 1e9 / static_cast<double>(ns);
}

bool SameRow(const CgroupRow& a, const CgroupRow& b) {
  return &a == &b || (a.cgroup_id == b.cgroup_id && a.kthread == b.kthread &&
                      a.dev_major == b.dev_major && a.dev_minor == b.dev_minor &&
                      a.cgroup == b.cgroup && a.disk == b.disk);
}

}  // namespace

void FrameBuilder::Reset() {
  ++clears_;
  after_reset_ = true;
  prev_now_ns_ = 0;
  prev_events_ = 0;
  events_per_s_.reset();
  sampled_rows_.reset();
  samples_.clear();
}

const FrameBuilder::Sample* FrameBuilder::PreviousSample(const CgroupRow& row, size_t index) {
  if (sampled_rows_ == nullptr) return nullptr;
  const auto& before = sampled_rows_->rows;
  if (index < before.size() && SameRow(*before[index], row)) return &samples_[index];
  if (!indexed_) {
    sampled_index_.clear();
    sampled_index_.reserve(before.size());
    for (uint32_t i = 0; i < before.size(); ++i) sampled_index_.emplace(RowId(*before[i]), i);
    indexed_ = true;
  }
  const auto it = sampled_index_.find(RowId(row));
  if (it == sampled_index_.end() || !SameRow(*before[it->second], row)) return nullptr;
  return &samples_[it->second];
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

  cgroup_rows_ = model.CgroupRowsSince(cgroup_rows_);
  frame->cgroup_rows = cgroup_rows_;
  const auto& rows = cgroup_rows_->rows;
  std::vector<Sample> samples;
  samples.reserve(rows.size());
  frame->cgroups.reserve(rows.size());
  indexed_ = false;
  const std::vector<const CgroupRow*>* sampled =
      sampled_rows_ != nullptr ? &sampled_rows_->rows : nullptr;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CgroupRow& row = *rows[i];
    if (sampled != nullptr && i < sampled->size() && (*sampled)[i] == &row) {
      // The same row in the same place: its counts did not move, and it
      // need not be read at all.
      Sample sample = samples_[i];
      if (advanced) sample.bios_per_s = sample.bytes_per_s = 0.0;
      frame->cgroups.push_back({row, sample.bios_per_s, sample.bytes_per_s});
      samples.push_back(sample);
      continue;
    }
    Sample sample{row.bios, row.bytes, std::nullopt, std::nullopt};
    if (const Sample* prev = PreviousSample(row, i)) {
      if (advanced && row.bios >= prev->bios && row.bytes >= prev->bytes) {
        sample.bios_per_s = PerSecond(row.bios - prev->bios, dt);
        sample.bytes_per_s = PerSecond(row.bytes - prev->bytes, dt);
      } else {
        sample.bios_per_s = prev->bios_per_s;
        sample.bytes_per_s = prev->bytes_per_s;
      }
    } else if (!after_reset_ && row.last_ts_ns > row.first_io_ns && row.first_io_ns != 0) {
      // First sight: the average over the row's life so far.
      sample.bios_per_s = PerSecond(row.bios, row.last_ts_ns - row.first_io_ns);
      sample.bytes_per_s = PerSecond(row.bytes, row.last_ts_ns - row.first_io_ns);
    }
    frame->cgroups.push_back({row, sample.bios_per_s, sample.bytes_per_s});
    samples.push_back(sample);
  }
  samples_ = std::move(samples);
  sampled_rows_ = cgroup_rows_;
  frame->allocs = model.AllocRows();
  frame->workqueues = model.WqRows();

  if (advanced || prev_now_ns_ == 0) {
    prev_now_ns_ = now_ns;
    prev_events_ = status.events;
  }
  return frame;
}

}  // namespace submitwatch::tui
