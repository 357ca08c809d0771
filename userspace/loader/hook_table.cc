#include "loader/hook_table.h"

namespace submitwatch {

const std::vector<HookSpec>& Hooks() {
  static const auto* const kHooks = new std::vector<HookSpec>{
      {"percpu_alloc",
       {{"sw_percpu_alloc", "percpu_alloc_percpu"},
        {"sw_percpu_alloc_fail", "percpu_alloc_percpu_fail"}},
       "submit path found from the kernel stack (a submit-path function inlined "
       "into an unlisted caller is missed); slab and page allocations are not traced"},
      {"block_bio_queue",
       {{"sw_block_bio_queue", "block_bio_queue"}},
       "intended cgroup is the submitting task's; bios submitted by kernel threads "
       "(writeback, loop and throttle workers) are counted apart; throttled vs "
       "passed bios are not counted"},
      {"workqueue",
       {{"sw_wq_queue_work", "workqueue_queue_work"},
        {"sw_wq_activate_work", "workqueue_activate_work"},
        {"sw_wq_execute_start", "workqueue_execute_start"},
        {"sw_wq_execute_end", "workqueue_execute_end"}},
       "none"},
  };
  return *kHooks;
}

const std::vector<std::string>& SubmitPathFunctions() {
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
