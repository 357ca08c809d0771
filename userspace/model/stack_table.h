// Interned kernel stacks: the same stack arrives with thousands of records,
// so it is stored once and referred to by a small id.
#ifndef SUBMITWATCH_MODEL_STACK_TABLE_H_
#define SUBMITWATCH_MODEL_STACK_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace submitwatch {

using StackFrames = std::vector<std::string>;

class StackTable {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  // A cheap hash of a stack for the per-record path: it reads a few bytes
  // per frame instead of every byte, so equal fingerprints still need a full
  // comparison, but unequal ones settle it at once.
  static uint64_t Fingerprint(absl::Span<const std::string> frames);
  // frames == other, without a libc call per frame: frames are short, and on
  // the per-record path the call overhead dominated the comparison.
  static bool SameFrames(absl::Span<const std::string> a, absl::Span<const std::string> b);

  StackTable() = default;
  // The index keys point into the stored stacks; a copy would point into
  // the original's.
  StackTable(const StackTable&) = delete;
  StackTable& operator=(const StackTable&) = delete;
  StackTable(StackTable&&) = default;
  StackTable& operator=(StackTable&&) = default;

  // `fingerprint` must be Fingerprint(frames).
  uint32_t Find(absl::Span<const std::string> frames, uint64_t fingerprint) const;
  uint32_t Intern(absl::Span<const std::string> frames, uint64_t fingerprint);
  // Shared so that rows handed out stay valid after Clear().
  const std::shared_ptr<const StackFrames>& Get(uint32_t id) const {
    return stacks_[id];
  }
  size_t size() const { return stacks_.size(); }
  void Clear();

 private:
  struct Key {
    uint64_t fingerprint;
    absl::Span<const std::string> frames;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.fingerprint; }
  };
  struct KeyEq {
    bool operator()(const Key& a, const Key& b) const {
      return a.fingerprint == b.fingerprint && SameFrames(a.frames, b.frames);
    }
  };

  std::vector<std::shared_ptr<const StackFrames>> stacks_;
  absl::flat_hash_map<Key, uint32_t, KeyHash, KeyEq> ids_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_STACK_TABLE_H_
