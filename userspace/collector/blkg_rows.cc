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

BlkgRows::BlkgRows(CgroupNames* names)
    : names_(names) {}

// The names outlive the rows: what the rows hold goes back.
BlkgRows::~BlkgRows() {
  for (const Row& row : rows_) {
    if (row.used) Release(row);
  }
}

// Disk names past the 65,535th share the last one's place: a host does not
// see that many disk names in one run (a name comes back with its disk).
uint16_t BlkgRows::DiskNamed(const std::string& name) {
  constexpr size_t kMaxDisks = 65535;
  auto it = disk_index_.find(name);
  if (it != disk_index_.end()) return it->second;
  // The last place is "?", shared by every name past it.
  if (disk_names_.size() == kMaxDisks - 1) disk_names_.emplace_back("?");
  if (disk_names_.size() >= kMaxDisks) return static_cast<uint16_t>(kMaxDisks - 1);
  disk_names_.push_back(name);
  return disk_index_.emplace(name, static_cast<uint16_t>(disk_names_.size() - 1)).first->second;
}

uint32_t BlkgRows::RowFor(const BlkgRecord& identity) {
  if (auto it = row_index_.find(BlkgRowKey::Of(identity)); it != row_index_.end()) {
    Row& row = rows_[*it];
    if (identity.first_seen_ns != 0 &&
        (row.first_seen_ns == 0 || identity.first_seen_ns < row.first_seen_ns)) {
      row.first_seen_ns = identity.first_seen_ns;
    }
    return *it;
  }
  uint32_t index;
  if (free_rows_.empty()) {
    index = static_cast<uint32_t>(rows_.size());
    rows_.emplace_back();
  } else {
    index = free_rows_.back();
    free_rows_.pop_back();
  }
  Row& row = rows_[index];
  row = Row{};
  row.used = 1;
  row.first_seen_ns = identity.first_seen_ns;
  row.cgroup_id = identity.cgroup_id;
  row.blkg_cgroup_id = identity.blkg_cgroup_id;
  row.dev_major = identity.dev_major;
  row.dev_minor = identity.dev_minor;
  row.disk = DiskNamed(identity.disk);
  row.kthread = identity.kthread;
  row.online = identity.online;
  row.has_stats = identity.has_stats;
  if (!row.kthread) row.cgroup_name = names_->Hold(row.cgroup_id, identity.cgroup);
  row.blkg_cgroup_name = names_->Hold(row.blkg_cgroup_id, identity.blkg_cgroup);
  row_index_.insert(index);
  return index;
}

void BlkgRows::Release(const Row& row) {
  if (!row.kthread) names_->Release(row.cgroup_name);
  names_->Release(row.blkg_cgroup_name);
}

void BlkgRows::Forget(uint32_t index) {
  Row& row = rows_[index];
  row_index_.erase(index);  // while the row still hashes as it was placed
  Release(row);
  row = Row{};
  free_rows_.push_back(index);
}

void BlkgRows::Seen(const sw_blkg_key& key, const BlkgRecord& identity, uint64_t diskseq) {
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) {
    // The same entry announced twice (a retried first bio): nothing new, as
    // long as it still names the same row.
    Row& old = rows_[it->second.row];
    if (old.Key() == BlkgRowKey::Of(identity)) return;
    --old.entries;
  }
  const uint32_t row = RowFor(identity);
  it->second = {diskseq, row};
  ++rows_[row].entries;
}

std::optional<BlkgRows::Entry> BlkgRows::Find(const sw_blkg_key& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  const Row& row = rows_[it->second.row];
  return Entry{it->second.diskseq,
               row.RowCgroupId(),
               row.blkg_cgroup_id,
               row.dev_major,
               row.dev_minor,
               it->second.row};
}

void BlkgRows::BeginSnapshot() {
  for (Row& row : rows_) row.live = {};
}

void BlkgRows::Live(const sw_blkg_key& key, const sw_blkg_counters& totals) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    Row& row = rows_[it->second.row];
    row.live = Sum(row.live, totals);
  }
}

void BlkgRows::Live(const Entry& entry, const sw_blkg_counters& totals) {
  Row& row = rows_[entry.row];
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

// Assigned, not constructed: the record's strings keep their buffers.
void BlkgRows::Identify(const Row& row, BlkgRecord* out) const {
  out->first_seen_ns = row.first_seen_ns;
  out->cgroup_id = row.cgroup_id;
  out->kthread = row.kthread;
  if (row.kthread) {
    out->cgroup.clear();
  } else {
    out->cgroup.assign(names_->Path(row.cgroup_name));
  }
  out->dev_major = row.dev_major;
  out->dev_minor = row.dev_minor;
  out->disk.assign(disk_names_[row.disk]);
  out->blkg_cgroup_id = row.blkg_cgroup_id;
  out->blkg_cgroup.assign(names_->Path(row.blkg_cgroup_name));
  out->online = row.online;
  out->has_stats = row.has_stats;
}

void BlkgRows::EndSnapshot(uint64_t now_ns, const std::function<void(const BlkgRecord&)>& emit,
                           const std::function<bool(uint64_t row_cgroup_id)>& forgettable) {
  for (uint32_t i = 0; i < rows_.size(); ++i) {
    Row& row = rows_[i];
    if (!row.used) continue;
    const sw_blkg_counters total = Sum(row.retired, row.live);
    if (!Same(total, row.emitted)) {
      row.emitted = total;
      Identify(row, &scratch_);
      scratch_.ts_ns = now_ns;
      scratch_.bios = total.bios;
      scratch_.bytes = total.bytes;
      emit(scratch_);
    }
    // Asked by id: rows waiting out a removed cgroup's grace period are
    // visited every snapshot, and naming them for it copied their paths.
    if (row.entries <= 0 && forgettable(row.RowCgroupId())) {
      Forget(i);
    }
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
