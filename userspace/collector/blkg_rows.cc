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

void BlkgRows::Seen(const sw_blkg_key& key, const BlkgRecord& identity, uint64_t diskseq) {
  const BlkgRowKey row_key = BlkgRowKey::Of(identity);
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) {
    // The same entry announced twice (a retried first bio): nothing new, as
    // long as it still names the same row.
    if (it->second.row == row_key) return;
    --rows_[it->second.row].entries;
  }
  it->second.row = row_key;
  it->second.entry = {diskseq, identity.kthread ? identity.blkg_cgroup_id : identity.cgroup_id,
                      identity.blkg_cgroup_id, identity.dev_major, identity.dev_minor};
  auto [row, new_row] = rows_.try_emplace(row_key);
  if (new_row) {
    row->second.identity = identity;
    row->second.identity.bios = 0;
    row->second.identity.bytes = 0;
  } else if (identity.first_seen_ns != 0 &&
             (row->second.identity.first_seen_ns == 0 ||
              identity.first_seen_ns < row->second.identity.first_seen_ns)) {
    row->second.identity.first_seen_ns = identity.first_seen_ns;
  }
  ++row->second.entries;
}

const BlkgRows::Entry* BlkgRows::Find(const sw_blkg_key& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.entry;
}

void BlkgRows::BeginSnapshot() {
  for (auto& [key, row] : rows_) row.live = {};
}

void BlkgRows::Live(const sw_blkg_key& key, const sw_blkg_counters& totals) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Row& row = rows_[it->second.row];
  row.live = Sum(row.live, totals);
}

void BlkgRows::Retire(const sw_blkg_key& key, const sw_blkg_counters& final_totals,
                      bool keep_entry) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Row& row = rows_[it->second.row];
  row.retired = Sum(row.retired, final_totals);
  if (keep_entry) return;
  --row.entries;
  entries_.erase(it);
}

void BlkgRows::EndSnapshot(uint64_t now_ns, const std::function<void(BlkgRecord)>& emit,
                           const std::function<bool(const BlkgRecord&)>& forgettable) {
  for (auto it = rows_.begin(); it != rows_.end();) {
    Row& row = it->second;
    const sw_blkg_counters total = Sum(row.retired, row.live);
    if (!Same(total, row.emitted)) {
      row.emitted = total;
      BlkgRecord r = row.identity;
      r.ts_ns = now_ns;
      r.bios = total.bios;
      r.bytes = total.bytes;
      emit(std::move(r));
    }
    if (row.entries <= 0 && forgettable(row.identity)) {
      rows_.erase(it++);
    } else {
      ++it;
    }
  }
}

void BlkgRows::Compact() {
  if (rows_.size() * 4 < rows_.capacity()) rows_.rehash(0);
  if (entries_.size() * 4 < entries_.capacity()) entries_.rehash(0);
}

}  // namespace submitwatch
