// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * workqueue:* tracepoints. Hot path: once per work item each; per-CPU stats
 * found by the function's number (a cache word, then an array index), plus
 * the shared pending table that links queue time to start time.
 * work->func is a typed load, not BPF_CORE_READ(): a probe-read helper call
 * cost 26-61 ns per program run (measured against the empty-program floor).
 */
#include "maps.bpf.h"

#include <bpf/bpf_tracing.h>

static __always_inline struct sw_current_work *sw_this_cpu_work(void)
{
  u32 zero = 0;
  return bpf_map_lookup_elem(&current_work, &zero);
}

#define SW_WQ_KERNEL_HIGH_BITS 0xffff000000000000ull

/* The number of func in wq_stats, handed out on its first sight; -1 once
 * SW_WQ_FUNCS functions have one (its work is not counted then). Two CPUs
 * meeting a new function at once both take a number; the one whose insert
 * loses leaves its number unused. */
static __noinline s64 sw_wq_func_number(u64 func)
{
  u64 *known = bpf_map_lookup_elem(&wq_funcs, &func);
  if (known)
    return (s64)*known;
  u32 zero = 0;
  u64 *next = bpf_map_lookup_elem(&wq_func_next, &zero);
  if (!next)
    return -1;
  u64 number = __sync_fetch_and_add(next, 1);
  if (number >= SW_WQ_FUNCS)
    return -1;
  bpf_map_update_elem(&wq_funcs, &func, &number, BPF_NOEXIST);
  known = bpf_map_lookup_elem(&wq_funcs, &func);
  return known ? (s64)*known : -1;
}

/* work->func as a number: a typed load gives a pointer the verifier will
 * not let us hash; stored in the CPU's scratch and read back, it is one. */
static __always_inline u64 sw_wq_func_bits(struct sw_current_work *cur, u64 func)
{
  cur->work_bits = func;
  return *(volatile u64 *)&cur->work_bits;
}

static __always_inline struct sw_wq_stats *sw_wq_stats_of(u64 func)
{
  u32 slot = (u32)((func * 0x9E3779B97F4A7C15ull) >> 54) & (SW_WQ_FUNC_CACHE_SLOTS - 1);
  u64 *cached = bpf_map_lookup_elem(&wq_func_cache, &slot);
  if (!cached)
    return NULL;
  u64 word = *(volatile u64 *)cached;
  u32 number;
  if (word != 0 && (word >> 16) == (func & ~SW_WQ_KERNEL_HIGH_BITS)) {
    number = (u32)(word & 0xffff) - 1;
  } else {
    s64 found = sw_wq_func_number(func);
    if (found < 0)
      return NULL;
    number = (u32)found;
    if ((func & SW_WQ_KERNEL_HIGH_BITS) == SW_WQ_KERNEL_HIGH_BITS)
      *(volatile u64 *)cached = (func << 16) | (number + 1);
  }
  return bpf_map_lookup_elem(&wq_stats, &number);
}

/* The work item's slot in wq_pending, and its address as a number in
 * *bits: stored in the CPU's scratch and read back, the pointer becomes a
 * value the verifier lets us hash. */
static __always_inline struct sw_wq_pending_slot *
sw_wq_slot_of(struct sw_current_work *cur, struct work_struct *work, u64 *bits)
{
  cur->work_bits = (u64)work;
  *bits = *(volatile u64 *)&cur->work_bits;
  u32 index = sw_wq_pending_index(*bits);
  return bpf_map_lookup_elem(&wq_pending, &index);
}

SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(sw_wq_queue_work, int req_cpu, struct pool_workqueue *pwq,
             struct work_struct *work)
{
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  struct sw_wq_stats *s = sw_wq_stats_of(sw_wq_func_bits(cur, (u64)work->func));
  if (s)
    s->queued++;
  u64 bits;
  struct sw_wq_pending_slot *slot = sw_wq_slot_of(cur, work, &bits);
  if (!slot)
    return 0;
  /* Loses only to another CPU writing a work item of the same slot at this
   * very moment; an older item there is overwritten. */
  u64 g = slot->gen;
  if ((g & 1) || __sync_val_compare_and_swap(&slot->gen, g, g + 1) != g) {
    sw_count_lost(SW_LOST_WQ_PENDING);
    return 0;
  }
  slot->work = bits;
  slot->queued_ns = bpf_ktime_get_ns();
  /* Even again; a full barrier, so a reader that sees it sees the slot. */
  __sync_fetch_and_add(&slot->gen, 1);
  return 0;
}

SEC("tp_btf/workqueue_activate_work")
int BPF_PROG(sw_wq_activate_work, struct work_struct *work)
{
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  struct sw_wq_stats *s = sw_wq_stats_of(sw_wq_func_bits(cur, (u64)work->func));
  if (s)
    s->activated++;
  return 0;
}

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(sw_wq_execute_start, struct work_struct *work)
{
  u64 now = bpf_ktime_get_ns();
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  cur->work_func = (u64)work->func;
  cur->start_ns = now;
  cur->tid = (u32)bpf_get_current_pid_tgid();
  struct sw_wq_stats *s = sw_wq_stats_of(*(volatile u64 *)&cur->work_func);
  if (!s)
    return 0;
  s->executed++;
  u64 bits;
  struct sw_wq_pending_slot *slot = sw_wq_slot_of(cur, work, &bits);
  if (!slot)
    return 0;
  /* A seqlock read: the slot is this item's, and no write moved gen while
   * its time was read. The queue's writes happened before this item could
   * run; only a collision can write meanwhile. */
  u64 g = *(volatile u64 *)&slot->gen;
  if ((g & 1) || *(volatile u64 *)&slot->work != bits)
    return 0;
  u64 queued_ns = *(volatile u64 *)&slot->queued_ns;
  if (*(volatile u64 *)&slot->gen != g)
    return 0;
  /* Freed, unless another item took the slot meanwhile: then it is its. A
   * stale slot must not time a later run of the same address (a barrier
   * work on the stack, which is never queued through this tracepoint). */
  __sync_val_compare_and_swap(&slot->work, bits, 0);
  u64 latency = now - queued_ns;
  sw_hist_add(s->latency_log2, latency);
  s->latency_sum_ns += latency;
  if (latency > s->latency_max_ns)
    s->latency_max_ns = latency;
  return 0;
}

/* The work item may be freed by its function, so only the function pointer the
 * tracepoint passes is used here. raw_tp, not tp_btf: the verifier refuses a
 * typed read of a function-pointer argument ("arg1 type FUNC_PROTO is not a
 * struct"). */
SEC("raw_tp/workqueue_execute_end")
int BPF_PROG(sw_wq_execute_end, struct work_struct *work, work_func_t function)
{
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur || cur->tid != (u32)bpf_get_current_pid_tgid() ||
      cur->work_func != (u64)function)
    return 0;
  u64 runtime = bpf_ktime_get_ns() - cur->start_ns;
  cur->work_func = 0;
  struct sw_wq_stats *s = sw_wq_stats_of((u64)function);
  if (!s)
    return 0;
  sw_hist_add(s->runtime_log2, runtime);
  s->runtime_sum_ns += runtime;
  if (runtime > s->runtime_max_ns)
    s->runtime_max_ns = runtime;
  return 0;
}
