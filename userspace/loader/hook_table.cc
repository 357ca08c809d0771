#include "loader/hook_table.h"

#include "bpf/events.h"

// SW_STACK_DEPTH as a string literal, for the blind-spot text.
#define SW_QUOTE(x) #x
#define SW_QUOTE_VALUE(x) SW_QUOTE(x)

namespace submitwatch {

// The program and the link slot of one program share its name, so the two
// cannot disagree.
#define SW_PROGRAM(name) ProgramSlot{&SkelPrograms::name, &SkelLinks::name}

const char* HookName(Hook hook) {
  switch (hook) {
    case Hook::kSubmitPath: return "submit_path";
    case Hook::kBlkThrotl: return "blk_throtl";
    case Hook::kBlkgAssoc: return "blkg_assoc";
    case Hook::kPercpuAlloc: return "percpu_alloc";
    case Hook::kBlockBioQueue: return "block_bio_queue";
    case Hook::kWorkqueue: return "workqueue";
    case Hook::kCgroupLifecycle: return "cgroup_lifecycle";
    case Hook::kSlab: return "slab";
  }
  return "?";
}

const std::vector<TracepointHookSpec>& TracepointHooks() {
  static const auto* const kHooks = new std::vector<TracepointHookSpec>{
      {Hook::kPercpuAlloc,
       {{SW_PROGRAM(sw_percpu_alloc), "percpu_alloc_percpu"},
        {SW_PROGRAM(sw_percpu_alloc_fail), "percpu_alloc_percpu_fail"}},
       "slab and page allocations are not traced (see --slab)"},
      {Hook::kBlockBioQueue, {{SW_PROGRAM(sw_block_bio_queue), "block_bio_queue"}}, "none"},
      {Hook::kWorkqueue,
       {{SW_PROGRAM(sw_wq_queue_work), "workqueue_queue_work"},
        {SW_PROGRAM(sw_wq_activate_work), "workqueue_activate_work"},
        {SW_PROGRAM(sw_wq_execute_start), "workqueue_execute_start"},
        {SW_PROGRAM(sw_wq_execute_end), "workqueue_execute_end"}},
       "none"},
      {Hook::kCgroupLifecycle,
       {{SW_PROGRAM(sw_cgroup_mkdir), "cgroup_mkdir"},
        {SW_PROGRAM(sw_cgroup_rmdir), "cgroup_rmdir"}},
       "none"},
      // Parameter counts include the tracepoint's leading void *: kmem_cache_alloc
      // lost bytes_req/bytes_alloc in 6.1 ("mm/sl[au]b: ... kmem_cache_alloc").
      {Hook::kSlab,
       {{SW_PROGRAM(sw_slab_kmalloc), "kmalloc", 7},
        {SW_PROGRAM(sw_slab_cache_alloc), "kmem_cache_alloc", 6},
        {SW_PROGRAM(sw_page_alloc), "mm_page_alloc", 5}},
       "only allocations inside the submit path are sent",
       /*optional=*/true},
  };
  return *kHooks;
}

const std::vector<FunctionHookSpec>& FunctionHooks() {
  static const auto* const kHooks = new std::vector<FunctionHookSpec>{
      {Hook::kSubmitPath,
       {{{"submit_bio"},
         SW_PROGRAM(sw_fentry_submit_bio),
         SW_PROGRAM(sw_fexit_submit_bio),
         SW_PROGRAM(sw_kprobe_submit_bio),
         SW_PROGRAM(sw_kretprobe_submit_bio)},
        {{"submit_bio_noacct"},
         SW_PROGRAM(sw_fentry_submit_noacct),
         SW_PROGRAM(sw_fexit_submit_noacct),
         SW_PROGRAM(sw_kprobe_submit_noacct),
         SW_PROGRAM(sw_kretprobe_submit_noacct)}},
       "submit path found from current->bio_list, else from the allocation's "
       "stack (its " SW_QUOTE_VALUE(SW_STACK_DEPTH) " innermost frames): an "
       "allocation outside a bio_list scope whose submit-path caller is deeper, "
       "or inlined into an unlisted function, is missed; --slab unavailable"},
      // __blk_throtl_bio since 6.5 ("blk-throttle: ... inline blk_throtl_bio");
      // blk_throtl_bio before.
      {Hook::kBlkThrotl,
       {{{"__blk_throtl_bio", "blk_throtl_bio"},
         SW_PROGRAM(sw_fentry_throtl),
         SW_PROGRAM(sw_fexit_throtl),
         SW_PROGRAM(sw_kprobe_throtl),
         SW_PROGRAM(sw_kretprobe_throtl)}},
       "throttled vs passed bios and their time queued are not counted"},
      {Hook::kBlkgAssoc,
       {{{"bio_associate_blkg_from_css"},
         SW_PROGRAM(sw_fentry_assoc),
         SW_PROGRAM(sw_fexit_assoc),
         SW_PROGRAM(sw_kprobe_assoc),
         SW_PROGRAM(sw_kretprobe_assoc)}},
       "intended cgroup is the submitting task's; bios submitted by kernel threads "
       "(writeback, loop and throttle workers) are counted apart"},
  };
  return *kHooks;
}

#undef SW_PROGRAM

std::vector<ProgramSlot> ProgramsFor(const AttachPoint& point, AttachMode mode) {
  std::vector<ProgramSlot> slots;
  const auto add = [&](const ProgramSlot& slot) {
    if (slot) slots.push_back(slot);
  };
  if (mode == AttachMode::kFentry) {
    add(point.fentry);
    add(point.fexit);
  } else if (mode == AttachMode::kKprobe) {
    add(point.kprobe);
    add(point.kretprobe);
  }
  return slots;
}

const std::vector<std::string>& SubmitPathFunctions() {
  // __blk_throtl_bio since 6.5; __submit_bio_noacct_mq since 5.9.
  static const auto* const kNames = new std::vector<std::string>{
      "submit_bio",
      "submit_bio_noacct",
      "submit_bio_noacct_nocheck",
      "__submit_bio",
      "__submit_bio_noacct",
      "__submit_bio_noacct_mq",
      "blk_mq_submit_bio",
      "blk_throtl_bio",
      "__blk_throtl_bio",
      "bio_associate_blkg",
      "bio_associate_blkg_from_css",
      "blk_cgroup_bio_start",
  };
  return *kNames;
}

}  // namespace submitwatch
