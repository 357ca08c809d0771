#include "loader/configure_object.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bpf/events.h"
#include "common/errno_text.h"
#include "submitwatch.skel.h"

namespace submitwatch {
namespace {

absl::Status Check(int err, const char* what) {
  if (err == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("cannot set up the BPF object (", what,
                                          "): ", ErrnoText(-err)));
}

}  // namespace

absl::Status ConfigureObject(const LoadPlan& plan, const LoaderOptions& options,
                             submitwatch_bpf* skel) {
  skel->rodata->all_allocs = options.all_allocs;
  skel->rodata->user_stacks = options.user_stacks;
  skel->rodata->nr_submit_ranges = static_cast<uint32_t>(
      std::min<size_t>(options.submit_ranges.size(), SW_MAX_SUBMIT_RANGES));
  // The ranges are sorted by address (KernelSymbols::FunctionRanges).
  if (const uint32_t n = skel->rodata->nr_submit_ranges; n > 0) {
    skel->rodata->submit_text_start = options.submit_ranges[0].start;
    skel->rodata->submit_text_end = options.submit_ranges[n - 1].end;
  }
  skel->rodata->submit_depth_mode = plan.ModeOf(Hook::kSubmitPath) != AttachMode::kTracepoint;
  skel->rodata->assoc_mode = plan.ModeOf(Hook::kBlkgAssoc) != AttachMode::kTracepoint;
  skel->rodata->throttle_mode = plan.ModeOf(Hook::kBlkThrotl) != AttachMode::kTracepoint;
  if (options.symbols != nullptr) {
    const std::vector<AddressRange> barrier = options.symbols->FunctionRanges({"wq_barrier_func"});
    if (!barrier.empty()) skel->rodata->wq_barrier_func = barrier[0].start;
  }

  if (absl::Status s = Check(bpf_map__set_max_entries(skel->maps.events, options.ringbuf_bytes),
                             "ring buffer size");
      !s.ok()) {
    return s;
  }
  // The bio table has an index per key, bio_keys of them; a key past them
  // is counted as lost (bio_table_full), so the first-seen dedupe needs room
  // for as many.
  skel->rodata->blkg_table_stride = options.bio_keys;
  for (bpf_map* map : {skel->maps.blkg_index, skel->maps.blkg_table_keys,
                       skel->maps.blkg_table_free, skel->maps.blkg_seen}) {
    if (absl::Status s = Check(bpf_map__set_max_entries(map, options.bio_keys), "bio keys");
        !s.ok()) {
      return s;
    }
  }
  // One element of bio slots per CPU, indexed by the CPU's number, and the
  // table's counts: an index's on every CPU.
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return absl::InternalError(
        "cannot count the possible CPUs (/sys/devices/system/cpu/possible)");
  }
  const uint64_t table_entries = uint64_t{options.bio_keys} * static_cast<uint64_t>(cpus);
  if (table_entries > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--bio-keys ", options.bio_keys, " times ", cpus,
        " possible CPUs is more bio counters than one BPF array holds; use fewer keys"));
  }
  if (absl::Status s = Check(
          bpf_map__set_max_entries(skel->maps.blkg_slots, static_cast<uint32_t>(cpus)),
          "bio slots per CPU");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Check(bpf_map__set_max_entries(skel->maps.blkg_table,
                                                      static_cast<uint32_t>(table_entries)),
                             "bio table");
      !s.ok()) {
    return s;
  }

  // Every program starts off; the plan turns on what it attaches.
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel->obj) {
    if (absl::Status s = Check(bpf_program__set_autoload(prog, false), "autoload"); !s.ok()) {
      return s;
    }
  }
  for (const FunctionHookPlan& h : plan.function_hooks) {
    for (size_t i = 0; i < h.spec->points.size(); ++i) {
      for (const ProgramSlot& slot : ProgramsFor(h.spec->points[i], h.mode)) {
        if (absl::Status s = Check(bpf_program__set_autoload(slot.In(skel), true), "autoload");
            !s.ok()) {
          return s;
        }
        if (h.mode != AttachMode::kFentry) continue;
        if (absl::Status s = Check(bpf_program__set_attach_target(slot.In(skel), 0,
                                                                  h.functions[i].c_str()),
                                   "fentry target");
            !s.ok()) {
          return s;
        }
      }
    }
  }
  for (const TracepointHookPlan& h : plan.tracepoint_hooks) {
    if (!h.attaches()) continue;
    for (const HookProgram& p : h.spec->programs) {
      if (absl::Status s = Check(bpf_program__set_autoload(p.program.In(skel), true), "autoload");
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace submitwatch
