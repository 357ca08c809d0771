#include "model/stack_table.h"

#include <cstring>

namespace submitwatch {
namespace {

uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t LoadUpTo8(const char* p, size_t n) {
  if (n >= 8) return Load8(p);
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// MurmurHash3's finalizer: spreads the bits so the table's low and high
// hash bits are both usable.
uint64_t Finish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t StackTable::Fingerprint(absl::Span<const std::string> frames) {
  // Frames are "function+0xoffset": the head names the function, the tail
  // holds the offset, so both ends tell frames apart. Each frame's term is
  // independent of the others (no chain through h), which lets the CPU work
  // on several frames at once; the index keeps the order significant.
  uint64_t h = frames.size();
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::string& frame = frames[i];
    const size_t n = frame.size();
    const uint64_t head = LoadUpTo8(frame.data(), n) ^ (uint64_t{n} << 48) ^ i;
    const uint64_t tail = n > 8 ? Load8(frame.data() + n - 8) : 0;
    h += (head * 0x9e3779b97f4a7c15ull) ^ (tail * 0xc2b2ae3d27d4eb4full);
  }
  return Finish(h);
}

bool StackTable::SameFrames(absl::Span<const std::string> a,
                            absl::Span<const std::string> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const size_t n = a[i].size();
    if (n != b[i].size()) return false;
    const char* x = a[i].data();
    const char* y = b[i].data();
    if (n < 8) {
      if (LoadUpTo8(x, n) != LoadUpTo8(y, n)) return false;
      continue;
    }
    for (size_t k = 0; k + 8 <= n; k += 8) {
      if (Load8(x + k) != Load8(y + k)) return false;
    }
    // The last word overlaps the loop's when n is not a multiple of 8.
    if (Load8(x + n - 8) != Load8(y + n - 8)) return false;
  }
  return true;
}

uint32_t StackTable::Find(absl::Span<const std::string> frames, uint64_t fingerprint) const {
  auto it = ids_.find(Key{fingerprint, frames});
  return it == ids_.end() ? kNotFound : it->second;
}

uint32_t StackTable::Intern(absl::Span<const std::string> frames, uint64_t fingerprint) {
  if (uint32_t id = Find(frames, fingerprint); id != kNotFound) return id;
  const auto id = static_cast<uint32_t>(stacks_.size());
  auto stored = std::make_shared<const StackFrames>(frames.begin(), frames.end());
  ids_.emplace(Key{fingerprint, absl::Span<const std::string>(*stored)}, id);
  stacks_.push_back(std::move(stored));
  return id;
}

void StackTable::Clear() {
  ids_.clear();
  stacks_.clear();
}

}  // namespace submitwatch
