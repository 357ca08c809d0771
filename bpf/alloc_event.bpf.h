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

/* Whether addr lies in a submit-path function: a binary search of the
 * sorted ranges (a linear scan of every range for every frame was most of
 * sw_percpu_alloc's cost in tracepoint mode). Callers check the span of all
 * the ranges first, which rules out most addresses with two compares. A
 * global function, verified once: inlined into the stack scan's loop, its
 * branches multiplied by the loop's iterations would exhaust the verifier. */
__noinline int sw_in_submit_range(u64 addr)
{
  /* The last range that starts at or below addr is in [lo, hi). */
  u32 lo = 0, hi = nr_submit_ranges;
  for (u32 step = 0; step < SW_SUBMIT_RANGE_STEPS && hi - lo > 1; step++) {
    u32 mid = lo + (hi - lo) / 2;
    struct sw_submit_range *r = bpf_map_lookup_elem(&submit_ranges, &mid);
    if (!r)
      return 0;
    if (r->start <= addr)
      lo = mid;
    else
      hi = mid;
  }
  struct sw_submit_range *r = bpf_map_lookup_elem(&submit_ranges, &lo);
  return r && addr >= r->start && addr < r->end;
}

/* Whether one of the first `count` words (of at most `max`, a constant)
 * lies in a submit-path function. */
static __always_inline int sw_words_in_submit(const u64 *words, u32 count, const u32 max)
{
  /* Read once: the bounds are rodata, loaded anew at every use. */
  const u64 start = submit_text_start;
  const u64 span = submit_text_end - start;
  for (u32 i = 0; i < max; i++) {
    if (i >= count)
      break;
    u64 word = words[i];
    /* One compare: addresses below start wrap around to above span. */
    if (word - start < span && sw_in_submit_range(word))
      return 1;
  }
  return 0;
}

/* Tracepoint-only mode has no per-task submit depth, so the stack is the
 * evidence: any return address inside a submit-path function. Global, so
 * verified once: inlined, each of the loop's exits was verified again with
 * all the program that follows it. */
__noinline int sw_stack_in_submit_path(void)
{
  u32 zero = 0;
  struct sw_alloc_event *e = bpf_map_lookup_elem(&alloc_scratch, &zero);
  return e && sw_words_in_submit(e->stack, e->stack_depth, SW_STACK_DEPTH);
}

/* Whether a word of the stack between `at` and `top` lies in a submit-path
 * function (1 also when the words cannot be read). Global, for the reason
 * above: inlined, its 512 exits made the verifier take a tenth of a second
 * over sw_percpu_alloc, most of `record`'s start. */
__noinline int sw_stack_words_hold_submit(u64 at, u64 top)
{
  u32 zero = 0;
  struct sw_stack_scan *scan = bpf_map_lookup_elem(&stack_scan, &zero);
  if (!scan)
    return 1;
  /* Also proves `at` is on the task's stack: no other stack lies within a
   * scratch's length below the top of this one. */
  if (top <= at || top - at > SW_STACK_SCAN_BYTES)
    return 1;
  u32 bytes = top - at;
  if (bpf_probe_read_kernel(scan->words, bytes, (void *)at))
    return 1;
  return sw_words_in_submit(scan->words, bytes / 8, SW_STACK_SCAN_BYTES / 8);
}

/* Whether the kernel stack may hold a submit-path frame, without walking it:
 * false only when no word of its live part lies in a submit-path function.
 * The walk (bpf_get_stack(), the ORC unwinder frame by frame) was nearly all
 * of sw_percpu_alloc's cost, and most allocations are far from the submit
 * path; reading the stack's live part in one copy and comparing each word
 * costs a fraction of it. Exact, not a guess: every return address the walk
 * would report past the program's own frames was pushed by a call onto this
 * same stack, between ctx (the tracepoint's arguments, on the stack frame of
 * the function that runs the program) and the task's pt_regs at its top, so
 * a walk finds a submit-path frame only where the scan found its address.
 * A stale address left in a dead slot only sends this allocation to the
 * walk, which decides as before. Not proven here, so walked: a ctx off the
 * task's stack (an interrupt's stack), a live part deeper than the scratch,
 * kernels without bpf_task_pt_regs() (5.15), and other architectures than
 * x86-64, where return addresses may be signed (arm64's pointer
 * authentication) or kept off the stack. */
static __always_inline bool sw_stack_may_hold_submit(void *ctx, struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
  if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
    return true;
  u32 zero = 0;
  struct sw_stack_scan *scan = bpf_map_lookup_elem(&stack_scan, &zero);
  if (!scan)
    return true;
  /* Stored in a map value and read back, the pointers become numbers. */
  scan->ctx_bits = (u64)ctx;
  scan->top_bits = (u64)bpf_task_pt_regs(task);
  const u64 at = *(volatile u64 *)&scan->ctx_bits;
  const u64 top = *(volatile u64 *)&scan->top_bits;
  return sw_stack_words_hold_submit(at, top);
#else
  return true;
#endif
}

static __always_inline void sw_take_stack(void *ctx, struct sw_alloc_event *e)
{
  long bytes = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
  e->stack_depth = bytes > 0 ? bytes / sizeof(e->stack[0]) : 0;
}

/* The function of the work item the current task runs, if it is a
 * workqueue worker (or rescuer) running one: the kernel's own record, which
 * stays right across preemption, where the workqueue programs' per-CPU
 * entry is another worker's once that one starts an item. A worker is a
 * kthread: worker_private is its struct kthread (5.17 on), whose data is
 * the struct worker (kthread_data()). */
static __always_inline u64 sw_worker_current_func(struct task_struct *task, u32 task_flags)
{
  if (!(task_flags & SW_PF_WQ_WORKER) || !bpf_core_field_exists(task->worker_private))
    return 0;
  struct kthread *kthread = task->worker_private;
  struct worker *worker = BPF_CORE_READ(kthread, data);
  return (u64)BPF_CORE_READ(worker, current_func);
}

/* Most allocations are in no interesting context, and the program's cost is
 * theirs: the context is decided first, from the cheapest evidence on, and
 * the event is built only for an allocation that will be sent. The kernel
 * stack is walked only where it decides (tracepoint mode) or is sent. */
static __always_inline int sw_handle_alloc(void *ctx, u8 allocator, u64 call_site,
                                           bool is_atomic, u64 size, u64 align,
                                           u64 bytes_alloc, u64 gfp_flags, bool failed)
{
  u32 zero = 0;
  struct sw_alloc_event *e = bpf_map_lookup_elem(&alloc_scratch, &zero);
  if (!e)
    return 0;
  /* Typed loads: current is a pointer the verifier trusts, so a field is
   * one guarded load, not a bpf_probe_read_kernel() call. */
  struct task_struct *task = bpf_get_current_task_btf();
  u64 pid_tgid = bpf_get_current_pid_tgid();
  u32 tid = (u32)pid_tgid;
  u32 task_flags = task->flags;

  u32 context = 0;
  if (task_flags & (SW_PF_MEMALLOC | SW_PF_KSWAPD))
    context |= SW_CTX_RECLAIM;
  u64 work_func = sw_worker_current_func(task, task_flags);
  if (work_func)
    context |= SW_CTX_WORKER;
  bool stack_taken = false;
  if (task->bio_list) {
    context |= SW_CTX_SUBMIT | SW_CTX_BIO_LIST;
  } else if (submit_depth_mode) {
    if (sw_in_submit_depth())
      context |= SW_CTX_SUBMIT;
  } else if (sw_stack_may_hold_submit(ctx, task)) {
    sw_take_stack(ctx, e);
    stack_taken = true;
    if (sw_stack_in_submit_path())
      context |= SW_CTX_SUBMIT;
  }
  if (!all_allocs && !context && !failed)
    return 0;
  if (!stack_taken)
    sw_take_stack(ctx, e);

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
  e->task_flags = task_flags;
  e->pid = pid_tgid >> 32;
  e->tid = tid;
  e->cgroup_id = sw_task_io_cgroup_id(task);
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->work_func = work_func;
  e->context = context;
  if (user_stacks) {
    sw_output_alloc_with_user_stack(ctx, task, e);
    return 0;
  }
  sw_output(e, sizeof(*e), SW_LOST_ALLOC);
  return 0;
}

#endif /* SUBMITWATCH_ALLOC_EVENT_BPF_H_ */
