// Hash keys of the model's maps. Internal to the model; in a header only
// because the maps are members of Model.
#ifndef SUBMITWATCH_MODEL_MODEL_KEYS_H_
#define SUBMITWATCH_MODEL_MODEL_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "model/records.h"
#include "model/verdict.h"

namespace submitwatch::model_internal {

// The model keys blkg rows as the collector folds them (records.h).
using BlkgKey = BlkgRowKey;

// A (cgroup, disk) pair, shown as one row of the cgroups table.
struct PairKey {
  // The cgroup the row stands under: the submitting one, or for kernel
  // threads the cgroup of the blkg charged.
  uint64_t row_cgroup_id = 0;
  bool kthread = false;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;

  friend bool operator==(const PairKey&, const PairKey&) = default;
  // Two words instead of four fields, as BlkgRowKey: hashed for every new
  // pair, and each field combined costs a multiplication.
  template <typename H>
  friend H AbslHashValue(H h, const PairKey& k) {
    return H::combine(std::move(h), k.row_cgroup_id ^ (uint64_t{k.kthread} << 63),
                      uint64_t{k.dev_major} << 32 | k.dev_minor);
  }
};

// Looked up once per allocation record: the view form lets the hot path find
// an existing group without building strings.
struct AllocKeyView {
  std::string_view site;
  std::string_view cgroup;
  std::string_view comm;
  Allocator allocator;
  Verdict verdict;
};

struct AllocKey {
  std::string site;
  std::string cgroup;
  std::string comm;
  Allocator allocator;
  Verdict verdict;

  explicit AllocKey(const AllocKeyView& v)
      : site(v.site), cgroup(v.cgroup), comm(v.comm), allocator(v.allocator),
        verdict(v.verdict) {}
  AllocKeyView View() const { return {site, cgroup, comm, allocator, verdict}; }
};

struct AllocKeyHash {
  using is_transparent = void;
  static absl::string_view AsAbsl(std::string_view s) { return {s.data(), s.size()}; }
  size_t operator()(const AllocKeyView& k) const {
    // Debian's Abseil has its own string_view and hashes std::string_view
    // through std::hash, which is slower; this runs per record.
    return absl::HashOf(AsAbsl(k.site), AsAbsl(k.cgroup), AsAbsl(k.comm), k.allocator,
                        k.verdict);
  }
  size_t operator()(const AllocKey& k) const { return (*this)(k.View()); }
};

struct AllocKeyEq {
  using is_transparent = void;
  static bool Same(const AllocKeyView& a, const AllocKeyView& b) {
    return a.allocator == b.allocator && a.verdict == b.verdict &&
           a.site == b.site && a.cgroup == b.cgroup && a.comm == b.comm;
  }
  bool operator()(const AllocKey& a, const AllocKey& b) const { return Same(a.View(), b.View()); }
  bool operator()(const AllocKey& a, const AllocKeyView& b) const { return Same(a.View(), b); }
  bool operator()(const AllocKeyView& a, const AllocKey& b) const { return Same(a, b.View()); }
  bool operator()(const AllocKeyView& a, const AllocKeyView& b) const { return Same(a, b); }
};

}  // namespace submitwatch::model_internal

#endif  // SUBMITWATCH_MODEL_MODEL_KEYS_H_
