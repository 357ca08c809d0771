// `submitwatch report --format folded`: submit-path allocations as folded
// stacks, one line per distinct stack, for flamegraph.pl, inferno and
// speedscope:
//
//   UNSAFE;submit_bio;submit_bio_noacct;blkg_create;blkg_alloc;pcpu_alloc_noprof 2
//
// The first frame is the verdict, so a flame graph splits safe from unsafe at
// its root; then, with --user-stacks, the user stack outermost first (main
// before the syscall's caller), then the kernel stack outermost first (the
// capture stores both innermost first), so the graph reads from the
// program's main down into the allocator:
//
//   atomic;main (writer);write_path (writer);__pwrite64 (libc.so.6);
//     entry_SYSCALL_64_after_hwframe;...;blkg_alloc;pcpu_alloc_noprof 1
//
// Offsets ("+0x4f") are stripped so that calls from
// different points of one function merge, as flame graphs expect; ';' in a
// frame (never seen in kernel symbols) becomes ':'. A record without a stack
// contributes its call-site function as the only frame. Lines are sorted;
// lines whose weight is 0 are left out.
#ifndef SUBMITWATCH_SINKS_EXPORT_FOLDED_EXPORT_H_
#define SUBMITWATCH_SINKS_EXPORT_FOLDED_EXPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/records.h"

namespace submitwatch {

enum class FoldedWeight {
  kCount,  // allocation records
  kBytes,  // bytes allocated (all CPUs for per-cpu allocations)
};

// "count" or "bytes".
std::optional<FoldedWeight> ParseFoldedWeight(std::string_view name);

// "blkg_alloc+0x4f/0x200" -> "blkg_alloc"; "f+0x1 [mod]" -> "f [mod]"; "a;b" -> "a:b".
std::string FoldedFrame(std::string_view frame);

// Takes records one by one (a capture is streamed, never held whole), keeps
// one entry per distinct folded stack.
class FoldedStacks {
 public:
  // Allocation records in the submit path count; everything else is ignored.
  void Add(const Record& record);
  void Add(const AllocRecord& alloc);

  std::string Render(FoldedWeight weight) const;

 private:
  struct Weight {
    uint64_t count = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string, Weight> stacks_;  // "verdict;outer;...;inner" -> weight
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_EXPORT_FOLDED_EXPORT_H_
