#include "model/verdict.h"

#include "model/gfp.h"
#include "model/name_match.h"
#include "model/names.h"

namespace submitwatch {

Verdict ClassifyAlloc(const AllocRecord& alloc) {
  if ((alloc.context & kContextSubmit) == 0) return Verdict::kOutside;
  const bool may_reclaim = (alloc.gfp_raw & kGfpDirectReclaim) != 0;
  if (alloc.allocator == Allocator::kPercpu) {
    // A sleeping pcpu_alloc() takes pcpu_alloc_mutex, which a task in
    // reclaim -> swap-out -> submit_bio() may already be waiting behind: the
    // IO bits do not help.
    if (alloc.is_atomic) return Verdict::kAtomic;
    // percpu:percpu_alloc_percpu_fail carries no gfp: a failure with none is
    // judged by the allocator's own is_atomic alone, which said it could
    // sleep.
    if (alloc.failed && alloc.gfp_raw == 0) return Verdict::kUnsafe;
    return may_reclaim ? Verdict::kUnsafe : Verdict::kAtomic;
  }
  if (!may_reclaim) return Verdict::kAtomic;
  // Reclaim only recurses into IO if the mask the allocator really uses
  // (after memalloc_noio_save() and friends) allows it.
  const uint64_t effective = EffectiveGfp(alloc.gfp_raw, alloc.task_flags);
  if ((effective & kGfpIo) == 0) return Verdict::kNoio;
  return Verdict::kUnsafe;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAtomic: return names::kVerdictAtomic;
    case Verdict::kNoio: return names::kVerdictNoio;
    case Verdict::kUnsafe: return names::kVerdictUnsafe;
    case Verdict::kOutside: return names::kVerdictOutside;
  }
  return names::kVerdictOutside;
}

std::optional<Verdict> ParseVerdict(std::string_view name) {
  for (Verdict v : {Verdict::kAtomic, Verdict::kNoio, Verdict::kUnsafe,
                    Verdict::kOutside}) {
    if (NameMatches(name, VerdictName(v))) return v;
  }
  return std::nullopt;
}

std::string_view AllocatorName(Allocator allocator) {
  switch (allocator) {
    case Allocator::kPercpu: return names::kAllocatorPercpu;
    case Allocator::kSlab: return names::kAllocatorSlab;
    case Allocator::kPage: return names::kAllocatorPage;
  }
  return names::kAllocatorPercpu;
}

std::optional<Allocator> ParseAllocator(std::string_view name) {
  for (Allocator a : {Allocator::kPercpu, Allocator::kSlab, Allocator::kPage}) {
    if (NameMatches(name, AllocatorName(a))) return a;
  }
  return std::nullopt;
}

std::string ContextText(uint32_t context, std::string_view work_func) {
  std::string text;
  AppendContextText(text, context, work_func);
  return text;
}

void AppendContextText(std::string& out, uint32_t context, std::string_view work_func) {
  const size_t start = out.size();
  const auto add = [&out, start](std::string_view part) {
    if (out.size() > start) out.push_back(names::kContextJoin);
    out.append(part);
  };
  if (context & kContextSubmit) add(names::kContextSubmit);
  if (context & kContextWorker) {
    add(names::kContextWorker);
    if (!work_func.empty()) {
      out.push_back(names::kContextWorkerFuncSep);
      out.append(work_func);
    }
  }
  if (context & kContextReclaim) add(names::kContextReclaim);
  if (out.size() == start) out.append(names::kContextOther);
}

uint32_t ParseContextText(std::string_view text, std::string* work_func) {
  if (work_func != nullptr) work_func->clear();
  uint32_t context = 0;
  while (!text.empty()) {
    const size_t end = text.find(names::kContextJoin);
    const std::string_view part = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (part == names::kContextSubmit) {
      context |= kContextSubmit;
    } else if (part == names::kContextReclaim) {
      context |= kContextReclaim;
    } else if (part.starts_with(names::kContextWorker)) {
      const std::string_view rest = part.substr(names::kContextWorker.size());
      if (!rest.empty() && rest.front() != names::kContextWorkerFuncSep) continue;
      context |= kContextWorker;
      if (!rest.empty() && work_func != nullptr) work_func->assign(rest.substr(1));
    }
  }
  return context;
}

}  // namespace submitwatch
