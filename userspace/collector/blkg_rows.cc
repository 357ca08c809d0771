#include "collector/blkg_rows.h"

namespace submitwatch {
namespace {

sw_blkg_counters Sum(const sw_blkg_counters& a, const sw_blkg_counters& b) {
  return {a.bios + b.bios, a.bytes + b.bytes};
}

bool Same(const sw_blkg_counters& a, const sw_blkg_counters& b) {
  return a.bios == b.bios && a.bytes == b.bytes;
}

}  // namespace

uint32_t BlkgRows::RowFor(const BlkgRecord& identity) {
  const auto [index, inserted] = row_index_.try_emplace(BlkgRowKey::Of(identity), 0);
  if (!inserted) {
    Row& row = rows_[index->second];
    if (identity.first_seen_ns != 0 &&
        (row.identity.first_seen_ns == 0 || identity.first_seen_ns < row.identity.first_seen_ns)) {
      row.identity.first_seen_ns = identity.first_seen_ns;
    }
    return index->second;
  }
  if (free_rows_.empty()) {
    index->second = static_cast<uint32_t>(rows_.size());
    rows_.emplace_back();
  } else {
    index->second = free_rows_.back();
    free_rows_.pop_back();
  }
  Row& row = rows_[index->second];
  row = Row{};
  row.used = true;
  row.identity = identity;
  row.identity.bios = 0;
  row.identity.bytes = 0;
  return index->second;
}

void BlkgRows::Forget(uint32_t index) {
  Row& row = rows_[index];
  row_index_.erase(BlkgRowKey::Of(row.identity));
  row = Row{};  // its strings go now, not when the place is reused
  free_rows_.push_back(index);
}

void BlkgRows::Seen(const sw_blkg_key& key, const BlkgRecord& identity, uint64_t diskseq) {
  const BlkgRowKey row_key = BlkgRowKey::Of(identity);
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) {
    // The same entry announced twice (a retried first bio): nothing new, as
    // long as it still names the same row.
    Row& old = rows_[it->second.entry.row];
    if (BlkgRowKey::Of(old.identity) == row_key) return;
    --old.entries;
  }
  const uint32_t row = RowFor(identity);
  it->second.entry = {diskseq,
                      identity.kthread ? identity.blkg_cgroup_id : identity.cgroup_id,
                      identity.blkg_cgroup_id,
                      identity.dev_major,
                      identity.dev_minor,
                      row};
  ++rows_[row].entries;
}

const BlkgRows::Entry* BlkgRows::Find(const sw_blkg_key& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.entry;
}

void BlkgRows::BeginSnapshot() {
  for (Row& row : rows_) row.live = {};
}

void BlkgRows::Live(const sw_blkg_key& key, const sw_blkg_counters& totals) {
  if (const Entry* entry = Find(key)) Live(*entry, totals);
}

void BlkgRows::Live(const Entry& entry, const sw_blkg_counters& totals) {
  Row& row = rows_[entry.row];
  row.live = Sum(row.live, totals);
}

void BlkgRows::Retire(const sw_blkg_key& key, const sw_blkg_counters& final_totals,
                      bool keep_entry) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Row& row = rows_[it->second.entry.row];
  row.retired = Sum(row.retired, final_totals);
  if (keep_entry) return;
  --row.entries;
  entries_.erase(it);
}

void BlkgRows::EndSnapshot(uint64_t now_ns, const std::function<void(const BlkgRecord&)>& emit,
                           const std::function<bool(const BlkgRecord&)>& forgettable) {
  for (uint32_t i = 0; i < rows_.size(); ++i) {
    Row& row = rows_[i];
    if (!row.used) continue;
    const sw_blkg_counters total = Sum(row.retired, row.live);
    if (!Same(total, row.emitted)) {
      row.emitted = total;
      // Assigned, not constructed: the strings keep their buffers.
      scratch_ = row.identity;
      scratch_.ts_ns = now_ns;
      scratch_.bios = total.bios;
      scratch_.bytes = total.bytes;
      emit(scratch_);
    }
    if (row.entries <= 0 && forgettable(row.identity)) Forget(i);
  }
}

void BlkgRows::Compact() {
  if (row_index_.size() * 4 < row_index_.capacity()) row_index_.rehash(0);
  if (entries_.size() * 4 < entries_.capacity()) entries_.rehash(0);
  // Forgotten places at the end go; those in the middle wait for new rows.
  if (free_rows_.size() * 2 > rows_.size()) {
    while (!rows_.empty() && !rows_.back().used) rows_.pop_back();
    std::erase_if(free_rows_, [&](uint32_t i) { return i >= rows_.size(); });
    rows_.shrink_to_fit();
  }
}

}  // namespace submitwatch
