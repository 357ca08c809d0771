// How an allocation is classified and described: its verdict in the submit
// path (docs/DESIGN.md "Verdict"), its allocator and its context, with the names
// the TUI, reports and capture use and their inverses for readers.
#ifndef SUBMITWATCH_MODEL_VERDICT_H_
#define SUBMITWATCH_MODEL_VERDICT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/records.h"

namespace submitwatch {

enum class Verdict {
  kAtomic,   // cannot sleep: safe, may fail
  kNoio,     // may reclaim, but not start IO: safe
  kUnsafe,   // may sleep on IO (or pcpu_alloc_mutex) while submitting IO
  kOutside,  // not in the submit path; the table does not apply
};

// The docs/DESIGN.md table, applied only when the context has kContextSubmit.
Verdict ClassifyAlloc(const AllocRecord& alloc);

std::string_view VerdictName(Verdict verdict);
// Accepts the names in any case ("unsafe" from a command line).
std::optional<Verdict> ParseVerdict(std::string_view name);

std::string_view AllocatorName(Allocator allocator);
std::optional<Allocator> ParseAllocator(std::string_view name);

// "submit", "worker:<work_func>", "reclaim" joined with "+", or "other".
// kContextBioList is evidence only and is not part of the text.
std::string ContextText(uint32_t context, std::string_view work_func);
// The same, appended to `out` (no allocation once `out` has room).
void AppendContextText(std::string& out, uint32_t context, std::string_view work_func);
// The inverse: context bits, and the worker's function into *work_func
// (cleared when there is none; may be null). Unknown parts are ignored.
uint32_t ParseContextText(std::string_view text, std::string* work_func);

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_VERDICT_H_
