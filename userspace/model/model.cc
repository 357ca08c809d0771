#include "model/model.h"

#include <algorithm>
#include <variant>

#include "model/verdict.h"

namespace submitwatch {

using model_internal::AllocKey;
using model_internal::AllocKeyView;

void Model::Add(const Record& record) {
  std::visit([this](const auto& r) { Add(r); }, record);
}

void Model::Add(const CaptureHeader& header) {
  ++counts_.headers;
  header_ = header;
}

void Model::Add(const CaptureSummary& summary) {
  ++counts_.summaries;
  NoteTs(summary.ts_ns);
  summary_ = summary;
}

void Model::NoteTs(uint64_t ts_ns) {
  if (ts_ns == 0) return;
  if (first_ts_ns_ == 0 || ts_ns < first_ts_ns_) first_ts_ns_ = ts_ns;
  last_ts_ns_ = std::max(last_ts_ns_, ts_ns);
}

void Model::Add(const AllocRecord& alloc) {
  ++counts_.allocs;
  NoteTs(alloc.ts_ns);
  const Verdict verdict = ClassifyAlloc(alloc);
  const AllocKeyView key{alloc.site, alloc.cgroup, alloc.comm, alloc.allocator,
                         verdict};
  auto it = allocs_.find(key);
  if (it == allocs_.end()) it = allocs_.try_emplace(AllocKey(key)).first;
  AllocGroup& group = it->second;

  if (group.count == 0 || alloc.ts_ns < group.first_ns) group.first_ns = alloc.ts_ns;
  if (group.count == 0 || alloc.ts_ns >= group.last_ns) {
    group.last_ns = alloc.ts_ns;
    group.cgroup_id = alloc.cgroup_id;
    // A per-cpu failure carries no gfp (0): it must not blank the row's.
    if (alloc.gfp_raw != 0 || !alloc.failed || group.count == 0) group.gfp_raw = alloc.gfp_raw;
    group.task_flags = alloc.task_flags;
    group.context = alloc.context;
    // Compare first: the common repeat then costs no write.
    if (group.work_func != alloc.work_func) group.work_func = alloc.work_func;
    if (group.site_offset != alloc.site_offset) group.site_offset = alloc.site_offset;
  }
  ++group.count;
  group.bytes += alloc.bytes;
  if (alloc.failed) ++group.failed;
  if (group.pids.size() < kMaxPidsPerRow &&
      std::find(group.pids.begin(), group.pids.end(), alloc.pid) == group.pids.end()) {
    group.pids.push_back(alloc.pid);
  }
  if (!alloc.stack.empty() || !alloc.user_stack.empty()) NoteStack(group, alloc);

  if ((alloc.context & kContextWorker) && alloc.allocator == Allocator::kPercpu &&
      !alloc.work_func.empty() && !percpu_work_funcs_.contains(alloc.work_func)) {
    percpu_work_funcs_.insert(alloc.work_func);
    if (auto wq = wqs_.find(alloc.work_func); wq != wqs_.end()) wq->second.allocates_percpu = true;
  }
  if (alloc.failed && (alloc.context & kContextSubmit)) {
    ++joins_stamp_;
    auto [f, inserted] = failures_.try_emplace(alloc.cgroup_id);
    Failure& failure = f->second;
    if (inserted || alloc.ts_ns < failure.first_ns) failure.first_ns = alloc.ts_ns;
    if (inserted || alloc.ts_ns >= failure.last_ns) {
      failure.last_ns = alloc.ts_ns;
      failure.cgroup = alloc.cgroup;
    }
    ++failure.count;
  }
}

uint64_t Model::StackFingerprint(const AllocRecord& alloc) {
  const uint64_t kernel = StackTable::Fingerprint(alloc.stack);
  if (alloc.user_stack.empty()) return kernel;
  return kernel ^ (StackTable::Fingerprint(alloc.user_stack) * 0x9e3779b97f4a7c15ull + 1);
}

bool Model::SameStacks(const StackSlot& slot, const AllocRecord& alloc) const {
  if (!StackTable::SameFrames(*stacks_.Get(slot.id), alloc.stack)) return false;
  if (slot.user == nullptr) return alloc.user_stack.empty();
  return StackTable::SameFrames(*slot.user->frames, alloc.user_stack);
}

void Model::NoteStack(AllocGroup& group, const AllocRecord& alloc) {
  if (group.repeating && SameStacks(group.stacks[group.last_slot], alloc)) {
    ++group.stacks[group.last_slot].count;
    return;
  }
  // A group has few stacks: scanning its fingerprints is cheaper than a
  // lookup in the shared table, which is only needed for a new stack.
  const uint64_t fingerprint = StackFingerprint(alloc);
  for (size_t i = 0; i < group.stacks.size(); ++i) {
    StackSlot& slot = group.stacks[i];
    if (slot.fingerprint != fingerprint) continue;
    if (group.repeating && i == group.last_slot) continue;  // compared above
    if (!SameStacks(slot, alloc)) continue;
    ++slot.count;
    group.repeating = i == group.last_slot;
    group.last_slot = i;
    return;
  }
  if (group.stacks.size() >= kMaxStacksPerRow) {
    ++group.other_stacks;
    group.repeating = false;
    return;
  }
  group.repeating = false;
  group.last_slot = group.stacks.size();
  StackSlot slot;
  slot.id = stacks_.Intern(alloc.stack, alloc.user_stack.empty()
                                             ? fingerprint
                                             : StackTable::Fingerprint(alloc.stack));
  if (!alloc.user_stack.empty()) {
    const uint32_t user_id =
        stacks_.Intern(alloc.user_stack, StackTable::Fingerprint(alloc.user_stack));
    slot.user = std::make_shared<const UserStackPart>(
        UserStackPart{stacks_.Get(user_id), alloc.user_stack_fallback});
  }
  slot.fingerprint = fingerprint;
  slot.count = 1;
  group.stacks.push_back(std::move(slot));
}

void Model::Add(const BlkgRecord& blkg) {
  ++counts_.blkgs;
  NoteTs(blkg.ts_ns);
  blkgs_.Add(blkg);
}

void Model::Add(const WqRecord& wq) {
  ++counts_.wqs;
  NoteTs(wq.ts_ns);
  if (wq.ts_ns != wq_snapshot_ts_) {
    wq_snapshot_ts_ = wq.ts_ns;
    wq_order_previous_.swap(wq_order_now_);
    wq_order_now_.clear();
    wq_cursor_ = 0;
  }
  WqSlot* slot = nullptr;
  if (wq_cursor_ < wq_order_previous_.size() &&
      wq_order_previous_[wq_cursor_]->first == wq.function) {
    slot = wq_order_previous_[wq_cursor_++];
  } else {
    auto [it, inserted] = wqs_.try_emplace(wq.function);
    slot = &*it;
    if (inserted) {
      slot->second.allocates_percpu = percpu_work_funcs_.contains(wq.function);
      wq_order_previous_.clear();
      wq_order_now_.clear();
    }
  }
  // Bounded: a capture whose records all carry one timestamp is one long
  // "snapshot".
  if (wq_order_now_.size() < wqs_.size()) wq_order_now_.push_back(slot);
  WqEntry& entry = slot->second;
  if (wq.ts_ns < entry.latest.ts_ns) return;
  entry.latest = wq;
  if (entry.baseline && wq.queued < entry.baseline->queued) entry.baseline.reset();
}

void Model::Add(const ThrottleRecord& throttle) {
  ++counts_.throttles;
  NoteTs(throttle.ts_ns);
  model_internal::PairKey key{throttle.cgroup_id, false, throttle.dev_major, throttle.dev_minor};
  auto [it, inserted] = throttles_.try_emplace(key, throttle);
  if (!inserted && throttle.ts_ns >= it->second.ts_ns) it->second = throttle;
  ++joins_stamp_;
}

void Model::Add(const LostRecord& lost) {
  ++counts_.lost_records;
  NoteTs(lost.ts_ns);
  if (lost_ && lost.ts_ns < lost_->ts_ns) return;
  lost_ = lost;
}

LostRecord Model::Lost() const {
  LostRecord out;
  if (!lost_) return out;
  out.ts_ns = lost_->ts_ns;
  for (const auto& [reason, n] : lost_->counts) {
    uint64_t base = 0;
    if (lost_baseline_) {
      auto b = lost_baseline_->counts.find(reason);
      if (b != lost_baseline_->counts.end() && b->second <= n) base = b->second;
    }
    if (n - base != 0 || !lost_baseline_) out.counts[reason] = n - base;
  }
  return out;
}

Model::Forgotten Model::ForgetCgroups(const absl::flat_hash_set<uint64_t>& cgroup_ids) {
  Forgotten forgotten;
  if (cgroup_ids.empty()) return forgotten;
  for (CgroupRow& row : CgroupRows()) {
    if (cgroup_ids.contains(row.cgroup_id)) forgotten.cgroups.push_back(std::move(row));
  }
  for (auto it = allocs_.begin(); it != allocs_.end();) {
    const auto& [key, group] = *it;
    if (!cgroup_ids.contains(group.cgroup_id)) {
      ++it;
      continue;
    }
    forgotten.allocs.push_back({key.site, key.allocator, key.verdict, group.cgroup_id,
                                group.count, group.failed, group.bytes});
    allocs_.erase(it++);
  }
  blkgs_.Forget(cgroup_ids);
  // The pairs were renumbered: no table built before can be reused.
  ++joins_stamp_;
  absl::erase_if(throttles_, [&](const auto& t) { return cgroup_ids.contains(t.first.row_cgroup_id); });
  absl::erase_if(failures_, [&](const auto& f) { return cgroup_ids.contains(f.first); });
  return forgotten;
}

void Model::Clear() {
  counts_ = {};
  first_ts_ns_ = 0;
  last_ts_ns_ = 0;
  allocs_.clear();
  stacks_.Clear();
  percpu_work_funcs_.clear();
  failures_.clear();
  blkgs_.Clear();
  ++joins_stamp_;
  for (auto& [function, entry] : wqs_) {
    entry.baseline = entry.latest;
    entry.allocates_percpu = false;
  }
  lost_baseline_ = lost_;
  // Throttle counts stay cumulative: they describe the throttle's decisions
  // since the start, not a rate.
}

}  // namespace submitwatch
