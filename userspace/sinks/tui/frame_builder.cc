#include "sinks/tui/frame_builder.h"

#include <optional>
#include <vector>

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
  previous_.reset();
}

const CgroupView* FrameBuilder::PreviousView(const CgroupRow& row, size_t index) {
  if (previous_ == nullptr) return nullptr;
  const std::vector<CgroupView>& before = previous_->cgroups;
  if (index < before.size() && SameRow(before[index].row, row)) return &before[index];
  if (!indexed_) {
    previous_index_.clear();
    previous_index_.reserve(before.size());
    for (uint32_t i = 0; i < before.size(); ++i) previous_index_.emplace(RowId(before[i].row), i);
    indexed_ = true;
  }
  const auto it = previous_index_.find(RowId(row));
  if (it == previous_index_.end() || !SameRow(before[it->second].row, row)) return nullptr;
  return &before[it->second];
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
  frame->cgroups.reserve(rows.size());
  indexed_ = false;
  const std::vector<CgroupView>* before = previous_ != nullptr ? &previous_->cgroups : nullptr;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CgroupRow& row = *rows[i];
    if (before != nullptr && i < before->size() && &(*before)[i].row == &row) {
      // The same row in the same place: its counts did not move, and it
      // need not be read at all.
      if (advanced) {
        frame->cgroups.emplace_back(row, 0.0, 0.0);
      } else {
        frame->cgroups.push_back((*before)[i]);
      }
      continue;
    }
    std::optional<double> bios_per_s;
    std::optional<double> bytes_per_s;
    if (const CgroupView* prev = PreviousView(row, i)) {
      if (advanced && row.bios >= prev->row.bios && row.bytes >= prev->row.bytes) {
        bios_per_s = PerSecond(row.bios - prev->row.bios, dt);
        bytes_per_s = PerSecond(row.bytes - prev->row.bytes, dt);
      } else {
        bios_per_s = prev->bios_per_s();
        bytes_per_s = prev->bytes_per_s();
      }
    } else if (!after_reset_ && row.last_ts_ns > row.first_io_ns && row.first_io_ns != 0) {
      // First sight: the average over the row's life so far.
      bios_per_s = PerSecond(row.bios, row.last_ts_ns - row.first_io_ns);
      bytes_per_s = PerSecond(row.bytes, row.last_ts_ns - row.first_io_ns);
    }
    frame->cgroups.emplace_back(row, bios_per_s, bytes_per_s);
  }
  frame->allocs = model.AllocRows();
  frame->workqueues = model.WqRows();

  if (advanced || prev_now_ns_ == 0) {
    prev_now_ns_ = now_ns;
    prev_events_ = status.events;
  }
  previous_ = frame;
  return frame;
}

}  // namespace submitwatch::tui
