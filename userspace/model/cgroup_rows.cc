// Model::CgroupRows, built for every TUI frame. BlkgPairs hands the pairs
// over already in path order, so ordering the rows takes a pass over their
// states instead of a sort that compares paths, and each row is built once,
// in its place.
#include <algorithm>
#include <array>
#include <string_view>
#include <tuple>

#include "model/counter_delta.h"
#include "model/model.h"
#include "model/names.h"
#include "model/readiness.h"

namespace submitwatch {
namespace {

using model_internal::BlkgPairs;
using model_internal::PairKey;

// Problems first.
int StateRank(Readiness state) {
  switch (state) {
    case Readiness::kFailed: return 0;
    case Readiness::kFallback: return 1;
    case Readiness::kPending: return 2;
    case Readiness::kReady: return 3;
  }
  return 4;
}
constexpr int kRanks = 5;

// The entries of one pair added up, as shown since the last Clear(): the
// pair's bios are its own plus those charged elsewhere.
struct Sums {
  uint64_t own_bios;
  uint64_t own_bytes;
  uint64_t elsewhere_bios;
  uint64_t elsewhere_bytes;
  uint64_t first_io_ns;
  uint64_t last_ts_ns;
  // Copied out of the entries, so that building the row reads no entry.
  const std::string* path;  // null: nothing shown
  const std::string* disk;
  const std::string* charged_most;  // null: nothing charged elsewhere
  Readiness state;  // before failed allocations count
  uint64_t ready_since_ns;
};

// The entries lie wherever the map put them: fetching those of the pairs a
// few places ahead hides the cache misses of a walk in the table's order.
// The prefetch helpers are inlined by force: GCC deems a function that only
// prefetches free of effects, and drops its calls.
[[gnu::always_inline]] inline void Prefetch(const std::vector<BlkgPairs::Placed>& order, size_t i) {
  constexpr size_t kAhead = 8;
  if (i + kAhead >= order.size()) return;
  // An entry spans two cache lines.
  const char* entry = reinterpret_cast<const char*>(order[i + kAhead].first);
  __builtin_prefetch(entry);
  __builtin_prefetch(entry + 64);
}

// Pairs are numbered as they came, and the table walks them by path: a
// pair and its previous row are a cache miss each at 100,000 pairs unless
// fetched ahead.
[[gnu::always_inline]] inline void PrefetchPair(const std::vector<BlkgPairs::Placed>& order,
                                                size_t i, const std::vector<BlkgPairs::Pair>& pairs,
                                                const std::vector<const CgroupRow*>& previous) {
  constexpr size_t kAhead = 16;
  if (i + kAhead >= order.size()) return;
  const uint32_t p = order[i + kAhead].pair;
  __builtin_prefetch(&pairs[p].changed);
  if (p < previous.size()) __builtin_prefetch(&previous[p]);
}

// Whether an ancestor's blkg was charged more than the one chosen so far.
// Ties go to the shorter (closer to the root) path, then by name, so the
// choice does not depend on the order of the entries.
bool ChargedMore(uint64_t bios, uint64_t bytes, const std::string& path, uint64_t most_bios,
                 uint64_t most_bytes, const std::string& most_path) {
  if (bios != most_bios) return bios > most_bios;
  if (bytes != most_bytes) return bytes > most_bytes;
  if (path.size() != most_path.size()) return path.size() < most_path.size();
  return path < most_path;
}

// Sums are gathered in locals and returned whole: a Sums zeroed up front
// was cleared with a slow string instruction.
Sums SumPair(const BlkgPairs::Entry* first) {
  uint64_t own_bios = 0;
  uint64_t own_bytes = 0;
  uint64_t elsewhere_bios = 0;
  uint64_t elsewhere_bytes = 0;
  uint64_t first_io_ns = 0;
  uint64_t last_ts_ns = 0;
  const BlkgPairs::Entry* namer = nullptr;
  const BlkgPairs::Entry* own = nullptr;
  const std::string* most = nullptr;
  uint64_t most_bios = 0;
  uint64_t most_bytes = 0;
  for (const BlkgPairs::Entry* e = first; e != nullptr; e = e->next) {
    const uint64_t bios = e->has_baseline ? CounterDelta(e->bios, e->baseline.bios) : e->bios;
    const uint64_t bytes = e->has_baseline ? CounterDelta(e->bytes, e->baseline.bytes) : e->bytes;
    // Unchanged since Clear(): hidden, like everything else cleared.
    if (e->has_baseline && bios == 0 && bytes == 0) continue;

    // The latest snapshot names the row; the pair's namer wins ties, as it
    // placed the pair.
    if (namer == nullptr || e->ts_ns > namer->ts_ns ||
        (e->ts_ns == namer->ts_ns && e->names)) {
      namer = e;
    }
    if (e->first_seen_ns != 0 && (first_io_ns == 0 || e->first_seen_ns < first_io_ns)) {
      first_io_ns = e->first_seen_ns;
    }
    last_ts_ns = std::max(last_ts_ns, e->ts_ns);
    if (e->own) {
      own = e;
      own_bios += bios;
      own_bytes += bytes;
    } else {
      elsewhere_bios += bios;
      elsewhere_bytes += bytes;
      if (most == nullptr ||
          ChargedMore(bios, bytes, *e->blkg_cgroup, most_bios, most_bytes, *most)) {
        most = e->blkg_cgroup;
        most_bios = bios;
        most_bytes = bytes;
      }
    }
  }
  return {
      .own_bios = own_bios,
      .own_bytes = own_bytes,
      .elsewhere_bios = elsewhere_bios,
      .elsewhere_bytes = elsewhere_bytes,
      .first_io_ns = first_io_ns,
      .last_ts_ns = last_ts_ns,
      .path = namer != nullptr ? namer->path : nullptr,
      .disk = namer != nullptr ? namer->disk : nullptr,
      .charged_most = most,
      .state = own != nullptr ? own->readiness : Readiness::kFallback,
      .ready_since_ns = own != nullptr ? own->ready_since_ns : 0,
  };
}

// A pair to be shown: what its row needs, gathered in one walk over the
// entries so that building the rows reads nothing else.
struct Shown {
  Sums sums;
  uint32_t pair;
  Readiness state;  // failed allocations joined in
};

// The row of a shown pair, but for throttling. A conversion, so that
// emplace_back builds the row in its place: value-initialised there instead,
// each row was zeroed whole before being filled, which took a tenth of the
// table's time.
struct PairRow {
  const Sums& s;
  const PairKey& key;
  Readiness state;
  uint64_t failed_allocs;

  operator CgroupRow() const {
    CgroupRow row;
    row.cgroup_id = key.row_cgroup_id;
    row.cgroup = *s.path;
    row.kthread = key.kthread;
    row.dev_major = key.dev_major;
    row.dev_minor = key.dev_minor;
    row.disk = *s.disk;
    row.state = state;
    row.bios = s.own_bios + s.elsewhere_bios;
    row.bytes = s.own_bytes + s.elsewhere_bytes;
    row.own_bios = s.own_bios;
    row.own_bytes = s.own_bytes;
    row.elsewhere_bios = s.elsewhere_bios;
    row.elsewhere_bytes = s.elsewhere_bytes;
    if (s.charged_most != nullptr) row.charged_to = *s.charged_most;
    row.failed_allocs = failed_allocs;
    row.first_io_ns = s.first_io_ns;
    if (row.state == Readiness::kReady) {
      row.ready_ns = s.ready_since_ns;
      row.time_to_ready_ns = row.ready_ns > row.first_io_ns && row.first_io_ns != 0
                                 ? row.ready_ns - row.first_io_ns
                                 : 0;
    }
    row.last_ts_ns = s.last_ts_ns;
    return row;
  }
};

}  // namespace

std::vector<CgroupRow> Model::CgroupRows() const {
  const std::vector<BlkgPairs::Pair>& pairs = blkgs_.pairs();
  const std::vector<BlkgPairs::Placed>& order = blkgs_.order();
  // Failed submit-path allocations of a pair's cgroup; kernel-thread pairs
  // are not the cgroup's own submissions.
  const auto failure_of = [&](const PairKey& key) -> const Failure* {
    if (failures_.empty() || key.kthread) return nullptr;
    const auto f = failures_.find(key.row_cgroup_id);
    return f == failures_.end() ? nullptr : &f->second;
  };

  std::vector<Shown> shown;
  shown.reserve(order.size());
  // For throttles only, which look up rows by pair.
  std::vector<bool> pair_shown(throttles_.empty() ? 0 : pairs.size());
  std::array<uint32_t, kRanks + 1> starts{};  // counts at first, at rank + 1
  std::vector<uint64_t> failed_with_pairs;
  bool in_order = true;
  for (size_t i = 0; i < order.size(); ++i) {
    Prefetch(order, i);
    const BlkgPairs::Placed& placed = order[i];
    const Sums s = SumPair(placed.first);
    if (s.path == nullptr) continue;
    if (s.path != placed.path) in_order = false;
    Readiness state = s.state;
    if (!failures_.empty()) {
      const PairKey& key = pairs[placed.pair].key;
      if (failure_of(key) != nullptr) {
        if (state != Readiness::kReady) state = Readiness::kFailed;
        failed_with_pairs.push_back(key.row_cgroup_id);
      }
    }
    shown.push_back({s, placed.pair, state});
    if (!pair_shown.empty()) pair_shown[placed.pair] = true;
    ++starts[StateRank(state) + 1];
  }
  // A failure before any bio was counted still needs a row: it is the whole
  // story for that cgroup.
  std::sort(failed_with_pairs.begin(), failed_with_pairs.end());
  const auto has_pair_row = [&](uint64_t cgroup_id) {
    return std::binary_search(failed_with_pairs.begin(), failed_with_pairs.end(), cgroup_id);
  };
  std::vector<std::pair<uint64_t, const Failure*>> lone_failures;
  for (const auto& [cgroup_id, failure] : failures_) {
    if (!has_pair_row(cgroup_id)) lone_failures.emplace_back(cgroup_id, &failure);
  }

  // Throttle counts belong to the blkg's cgroup: its own row for the disk,
  // or the kernel-thread row when only the throttle's worker submitted.
  const auto join_throttle = [&](CgroupRow& row) {
    const auto t = throttles_.find(PairKey{row.cgroup_id, false, row.dev_major, row.dev_minor});
    if (t == throttles_.end()) return;
    if (row.kthread) {
      const uint32_t task_pair = blkgs_.Find({row.cgroup_id, false, row.dev_major, row.dev_minor});
      if (task_pair != BlkgPairs::kNone && pair_shown[task_pair]) return;
      // A failure's own row has no disk: 0:0.
      if (row.dev_major == 0 && row.dev_minor == 0 && failures_.contains(row.cgroup_id) &&
          !has_pair_row(row.cgroup_id)) {
        return;
      }
    }
    row.throttled_bios = t->second.throttled;
    row.passed_bios = t->second.passed;
    row.throttle_wait_ns = t->second.queued_ns;
    row.throttle_wait_max_ns = t->second.queued_max_ns;
  };
  std::vector<CgroupRow> rows;
  rows.reserve(shown.size() + lone_failures.size());
  const auto add_pair_row = [&](const Shown& s) {
    const PairKey& key = pairs[s.pair].key;
    const Failure* failure = failure_of(key);
    const uint64_t failed_allocs = failure != nullptr ? failure->count : 0;
    CgroupRow& row = rows.emplace_back(PairRow{s.sums, key, s.state, failed_allocs});
    if (!throttles_.empty()) join_throttle(row);
  };
  const auto add_failure_row = [&](uint64_t cgroup_id, const Failure& failure) {
    CgroupRow& row = rows.emplace_back();
    row.cgroup_id = cgroup_id;
    row.cgroup = failure.cgroup;
    row.disk = std::string(names::kDiskUnknown);
    row.state = Readiness::kFailed;
    row.failed_allocs = failure.count;
    row.first_io_ns = failure.first_ns;
    row.last_ts_ns = failure.last_ns;
    if (!throttles_.empty()) join_throttle(row);
  };

  if (in_order && lone_failures.empty()) {
    // Problems first; within a state, the pairs' order.
    for (int rank = 1; rank <= kRanks; ++rank) starts[rank] += starts[rank - 1];
    std::vector<uint32_t> placed(shown.size());
    for (uint32_t i = 0; i < shown.size(); ++i) placed[starts[StateRank(shown[i].state)]++] = i;
    for (uint32_t i : placed) add_pair_row(shown[i]);
    return rows;
  }

  // Rows not in the pairs' order (failures' own rows, renamed cgroups):
  // sorted by the table's whole order.
  struct Place {
    int rank;
    std::string_view path;
    bool kthread;
    uint32_t dev_major;
    uint32_t dev_minor;
    uint64_t cgroup_id;
    const Shown* pair;  // null: lone_failures[failure]
    size_t failure;
  };
  std::vector<Place> places;
  places.reserve(rows.capacity());
  for (const Shown& s : shown) {
    const PairKey& key = pairs[s.pair].key;
    places.push_back({StateRank(s.state), *s.sums.path, key.kthread, key.dev_major,
                      key.dev_minor, key.row_cgroup_id, &s, 0});
  }
  for (size_t i = 0; i < lone_failures.size(); ++i) {
    const auto [cgroup_id, failure] = lone_failures[i];
    places.push_back({StateRank(Readiness::kFailed), failure->cgroup, false, 0, 0, cgroup_id,
                      nullptr, i});
  }
  std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) {
    return std::tie(a.rank, a.path, a.kthread, a.dev_major, a.dev_minor, a.cgroup_id) <
           std::tie(b.rank, b.path, b.kthread, b.dev_major, b.dev_minor, b.cgroup_id);
  });
  for (const Place& place : places) {
    if (place.pair != nullptr) {
      add_pair_row(*place.pair);
    } else {
      add_failure_row(lone_failures[place.failure].first, *lone_failures[place.failure].second);
    }
  }
  return rows;
}

}  // namespace submitwatch

namespace submitwatch {

std::shared_ptr<const SharedCgroupRows> Model::CgroupRowsSince(
    const std::shared_ptr<const SharedCgroupRows>& previous) const {
  const uint64_t pairs_stamp = blkgs_.stamp();
  if (previous != nullptr && previous->pairs_stamp == pairs_stamp &&
      previous->joins_stamp == joins_stamp_) {
    return previous;
  }
  auto out = std::make_shared<SharedCgroupRows>();
  out->pairs_stamp = pairs_stamp;
  out->joins_stamp = joins_stamp_;
  // Failed allocations and throttle counts join rows across pairs (and make
  // rows of their own): then every row is built, as CgroupRows() does.
  const auto all_built = [&] {
    auto batch = std::make_shared<const std::vector<CgroupRow>>(CgroupRows());
    out->rows.reserve(batch->size());
    for (const CgroupRow& row : *batch) out->rows.push_back(&row);
    out->by_pair.clear();
    out->batches = {std::move(batch)};
    return out;
  };
  if (!failures_.empty() || !throttles_.empty()) return all_built();

  const bool reuse = previous != nullptr && previous->joins_stamp == joins_stamp_ &&
                     !previous->by_pair.empty();
  const std::vector<BlkgPairs::Pair>& pairs = blkgs_.pairs();
  const std::vector<BlkgPairs::Placed>& order = blkgs_.order();
  out->by_pair.resize(pairs.size());
  out->rank_by_pair.resize(pairs.size());
  out->batch_by_pair.resize(pairs.size());
  std::vector<uint32_t> shown;  // pairs with a row, in the pairs' order
  shown.reserve(order.size());
  // Rows built now, and whose they are; placed in the new batch at the end.
  auto fresh = std::make_shared<std::vector<CgroupRow>>();
  std::vector<uint32_t> fresh_pairs;
  // Rows kept from each batch of the previous table.
  std::vector<uint32_t> kept(reuse ? previous->batches.size() : 0);
  constexpr uint32_t kFresh = UINT32_MAX;
  std::array<uint32_t, kRanks + 1> starts{};  // counts at first, at rank + 1
  for (size_t i = 0; i < order.size(); ++i) {
    const BlkgPairs::Placed& placed = order[i];
    const uint32_t p = placed.pair;
    if (reuse) PrefetchPair(order, i, pairs, previous->by_pair);
    if (reuse && pairs[p].changed <= previous->pairs_stamp && p < previous->by_pair.size()) {
      if (previous->by_pair[p] == nullptr) continue;  // not shown then, so not now
      out->by_pair[p] = previous->by_pair[p];
      out->rank_by_pair[p] = previous->rank_by_pair[p];
      out->batch_by_pair[p] = previous->batch_by_pair[p];
      ++kept[previous->batch_by_pair[p]];
    } else {
      Prefetch(order, i);
      const Sums s = SumPair(placed.first);
      if (s.path == nullptr) continue;
      if (s.path != placed.path) return all_built();  // renamed: re-sorted
      fresh->emplace_back(PairRow{s, pairs[p].key, s.state, 0});
      fresh_pairs.push_back(p);
      out->rank_by_pair[p] = static_cast<uint8_t>(StateRank(s.state));
      out->batch_by_pair[p] = kFresh;
    }
    ++starts[out->rank_by_pair[p] + 1];
    shown.push_back(p);
  }
  // Batches that still hold at least half their rows, and a share of the
  // table worth a batch of its own, stay; the rows left in the others move
  // into the new batch. So the batches held stay few, and hold at most
  // about twice the rows shown.
  std::vector<uint32_t> renumbered(kept.size(), kFresh);
  for (size_t b = 0; b < kept.size(); ++b) {
    const size_t size = previous->batches[b]->size();
    if (kept[b] > 0 && uint64_t{kept[b]} * 2 >= size && uint64_t{kept[b]} * 32 >= shown.size()) {
      renumbered[b] = static_cast<uint32_t>(out->batches.size());
      out->batches.push_back(previous->batches[b]);
    }
  }
  for (uint32_t p : shown) {
    uint32_t& batch = out->batch_by_pair[p];
    if (batch == kFresh) continue;
    batch = renumbered[batch];
    if (batch != kFresh) continue;
    fresh->push_back(*out->by_pair[p]);
    fresh_pairs.push_back(p);
  }
  if (!fresh->empty()) {
    const uint32_t batch = static_cast<uint32_t>(out->batches.size());
    for (size_t k = 0; k < fresh_pairs.size(); ++k) {
      out->by_pair[fresh_pairs[k]] = &(*fresh)[k];
      out->batch_by_pair[fresh_pairs[k]] = batch;
    }
    out->batches.push_back(std::move(fresh));
  }
  // Problems first; within a state, the pairs' order.
  for (int rank = 1; rank <= kRanks; ++rank) starts[rank] += starts[rank - 1];
  out->rows.resize(shown.size());
  for (uint32_t p : shown) out->rows[starts[out->rank_by_pair[p]]++] = out->by_pair[p];
  return out;
}

}  // namespace submitwatch
