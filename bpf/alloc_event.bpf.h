/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The allocation event: built, classified (submit path, reclaim, worker) and
 * sent by every allocation program (percpu_alloc, slab_alloc). Rare path for
 * per-cpu allocations; the slab programs call it only inside the submit path.
 */
#ifndef SUBMITWATCH_ALLOC_EVENT_BPF_H_
#define SUBMITWATCH_ALLOC_EVENT_BPF_H_

#include "maps.bpf.h"
#include "submit_depth.bpf.h"
#include "user_stack.bpf.h"

static __always_inline bool sw_in_submit_range(u64 addr)
{
  for (u32 i = 0; i < SW_MAX_SUBMIT_RANGES; i++) {
    if (i >= nr_submit_ranges)
      break;
    u32 key = i;
    struct sw_submit_range *r = bpf_map_lookup_elem(&submit_ranges, &key);
    if (!r)
      break;
    if (addr >= r->start && addr < r->end)
      return true;
  }
  return false;
}

/* Tracepoint-only mode has no per-task submit depth, so the stack is the
 * evidence: any return address inside a submit-path function. */
static __always_inline bool sw_stack_in_submit_path(struct sw_alloc_event *e)
{
  for (u32 i = 0; i < SW_STACK_DEPTH; i++) {
    if (i >= e->stack_depth)
      break;
    if (sw_in_submit_range(e->stack[i]))
      return true;
  }
  return false;
}

static __always_inline int sw_handle_alloc(void *ctx, u8 allocator, u64 call_site,
                                           bool is_atomic, u64 size, u64 align,
                                           u64 bytes_alloc, u64 gfp_flags, bool failed)
{
  u32 zero = 0;
  struct sw_alloc_event *e = bpf_map_lookup_elem(&alloc_scratch, &zero);
  if (!e)
    return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  u64 pid_tgid = bpf_get_current_pid_tgid();
  u32 tid = (u32)pid_tgid;

  e->hdr.kind = SW_EVENT_ALLOC;
  e->hdr.cpu = bpf_get_smp_processor_id();
  e->hdr.ts_ns = bpf_ktime_get_ns();
  e->call_site = call_site;
  e->size = size;
  e->align = align;
  e->bytes_alloc = bytes_alloc;
  e->gfp_flags = gfp_flags;
  e->allocator = allocator;
  e->failed = failed;
  e->is_atomic = is_atomic;
  e->task_flags = BPF_CORE_READ(task, flags);
  e->pid = pid_tgid >> 32;
  e->tid = tid;
  e->cgroup_id = sw_task_io_cgroup_id(task);
  bpf_get_current_comm(e->comm, sizeof(e->comm));

  long bytes = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
  e->stack_depth = bytes > 0 ? bytes / sizeof(e->stack[0]) : 0;

  u32 context = 0;
  if (BPF_CORE_READ(task, bio_list))
    context |= SW_CTX_SUBMIT | SW_CTX_BIO_LIST;
  else if (submit_depth_mode ? sw_in_submit_depth() : sw_stack_in_submit_path(e))
    context |= SW_CTX_SUBMIT;
  if (e->task_flags & (SW_PF_MEMALLOC | SW_PF_KSWAPD))
    context |= SW_CTX_RECLAIM;
  e->work_func = 0;
  struct sw_current_work *cur = bpf_map_lookup_elem(&current_work, &zero);
  if (cur && cur->tid == tid && cur->work_func) {
    context |= SW_CTX_WORKER;
    e->work_func = cur->work_func;
  }
  e->context = context;

  if (!all_allocs && !context && !failed)
    return 0;
  if (user_stacks) {
    sw_output_alloc_with_user_stack(ctx, task, e);
    return 0;
  }
  sw_output(e, sizeof(*e), SW_LOST_ALLOC);
  return 0;
}

#endif /* SUBMITWATCH_ALLOC_EVENT_BPF_H_ */
