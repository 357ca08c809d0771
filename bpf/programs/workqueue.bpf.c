// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * workqueue:* tracepoints. Hot path: once per work item each; per-CPU stats
 * found by the function's number (a cache word, then an array index), plus
 * the shared pending table that links queue time to start time. No helper
 * call but the clock's: bpf_get_current_pid_tgid() alone was ~13 ns.
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

/* A pointer from a typed load (work, work->func) as a number: the verifier
 * will not let us hash a pointer; stored in the CPU's scratch and read back,
 * it is one. */
static __always_inline u64 sw_wq_bits(struct sw_current_work *cur, u64 pointer)
{
  cur->work_bits = pointer;
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

/* Whether the item whose tag queued has started at or after that time. */
static __always_inline bool sw_wq_started_since(u64 started, u64 queued)
{
  return (started & ~SW_WQ_PENDING_TIME_MASK) == (queued & ~SW_WQ_PENDING_TIME_MASK) &&
         ((started - queued) & SW_WQ_PENDING_TIME_MASK) < (1ull << (SW_WQ_PENDING_TIME_BITS - 1));
}

/* Counts the queue of an item that went to the inactive list, whose
 * activate_work did not follow its queue_work. */
static __noinline void sw_wq_count_queued(u64 func)
{
  struct sw_wq_stats *s = sw_wq_stats_of(func);
  if (s)
    s->queued++;
}

SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(sw_wq_queue_work, int req_cpu, struct pool_workqueue *pwq,
             struct work_struct *work)
{
  /* The clock first, unlike execute_start: nothing here loads a line another
   * CPU wrote (the CPU's entry and the item being queued are this CPU's),
   * and the slot is only stored to. */
  u64 now = bpf_ktime_get_ns();
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  u64 func = sw_wq_bits(cur, (u64)work->func);
  u64 bits = sw_wq_bits(cur, (u64)work);
  if (cur->queued_func)
    sw_wq_count_queued(cur->queued_func);
  cur->queued_func = func;
  cur->queued_work = bits;
  struct sw_wq_pending_key k = sw_wq_pending_key_of(bits);
  struct sw_wq_pending_slot *slot = bpf_map_lookup_elem(&wq_pending, &k.index);
  if (slot)
    *(volatile u64 *)&slot->queued = k.tag | (now & SW_WQ_PENDING_TIME_MASK);
  return 0;
}

SEC("tp_btf/workqueue_activate_work")
int BPF_PROG(sw_wq_activate_work, struct work_struct *work)
{
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  u64 func = sw_wq_bits(cur, (u64)work->func);
  u64 bits = sw_wq_bits(cur, (u64)work);
  struct sw_wq_stats *s = sw_wq_stats_of(func);
  u64 queued_func = cur->queued_func;
  if (queued_func) {
    cur->queued_func = 0;
    if (queued_func == func && cur->queued_work == bits) {
      if (s)
        s->queued++;
    } else {
      sw_wq_count_queued(queued_func);
    }
  }
  if (s)
    s->activated++;
  return 0;
}

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(sw_wq_execute_start, struct work_struct *work)
{
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  cur->work = (u64)work;
  u64 bits = *(volatile u64 *)&cur->work;
  cur->work_func = (u64)work->func;
  struct sw_wq_stats *s = sw_wq_stats_of(*(volatile u64 *)&cur->work_func);
  struct sw_wq_pending_key k = sw_wq_pending_key_of(bits);
  struct sw_wq_pending_slot *slot = bpf_map_lookup_elem(&wq_pending, &k.index);
  u64 queued = 0, started = 0;
  if (slot) {
    queued = *(volatile u64 *)&slot->queued;
    started = *(volatile u64 *)&slot->started;
  }
  if (s)
    s->executed++;
  /* The clock after the loads, not before: the clock's lfence stops every
   * load after it until it completes, while loads before it (the slot's
   * line often comes from the CPU that queued the item) are in flight
   * during the helper call up to it. */
  u64 now = bpf_ktime_get_ns();
  cur->start_ns = now;
  if (!slot)
    return 0;
  /* Every run writes its start time, timed or not: execute_end takes it
   * from here, and a word left by this item's previous run would time
   * this one from then. A collided slot's pending item loses only its
   * start word, whose own tag says it is not this one's. */
  *(volatile u64 *)&slot->started = k.tag | (now & SW_WQ_PENDING_TIME_MASK);
  if (!s || cur->work_func == wq_barrier_func)
    return 0;
  if ((queued & ~SW_WQ_PENDING_TIME_MASK) != k.tag) {
    /* Another item's queue time, and that item has not run since: it took
     * this slot while this item waited (or this item was not queued while
     * we watched, and the other one is pending). */
    if (queued != 0 && !sw_wq_started_since(started, queued))
      sw_count_lost(SW_LOST_WQ_PENDING);
    return 0;
  }
  /* `started` is the word as it was before this run. */
  if (sw_wq_started_since(started, queued))
    return 0; /* a stale queue time: this run was not queued through the tracepoint */
  u64 latency = (now - queued) & SW_WQ_PENDING_TIME_MASK;
  sw_hist_add(s->latency_log2, latency);
  s->latency_sum_ns += latency;
  if (latency > s->latency_max_ns)
    s->latency_max_ns = latency;
  return 0;
}

/* The work item may be freed by its function, so only the function pointer the
 * tracepoint passes is used here, and its address as a number. raw_tp, not
 * tp_btf: the verifier refuses a typed read of a function-pointer argument
 * ("arg1 type FUNC_PROTO is not a struct"). */
SEC("raw_tp/workqueue_execute_end")
int BPF_PROG(sw_wq_execute_end, struct work_struct *work, work_func_t function)
{
  struct sw_current_work *cur = sw_this_cpu_work();
  if (!cur)
    return 0;
  /* The start time: the item's slot has it, written by execute_start. It is
   * the item's own, wherever it started: a worker of an unbound workqueue
   * that slept mid-item (loop_workfn waits for its IO) may wake on another
   * CPU, and a CPU's entry may be another worker's or a run's that ended
   * elsewhere. An item never runs twice at once, so nothing else starts it
   * meanwhile. Else (an item of the same slot started since) the CPU's
   * entry, if it is this item's. */
  struct sw_wq_pending_key k = sw_wq_pending_key_of((u64)work);
  struct sw_wq_pending_slot *slot = bpf_map_lookup_elem(&wq_pending, &k.index);
  u64 started = slot ? *(volatile u64 *)&slot->started : 0;
  bool own = cur->work == (u64)work && cur->work_func == (u64)function;
  if (own)
    cur->work_func = 0;
  struct sw_wq_stats *s = sw_wq_stats_of((u64)function);
  if (!s)
    return 0;
  /* After the loads, as in execute_start: they overlap the helper call. */
  u64 now = bpf_ktime_get_ns();
  u64 runtime;
  if ((started & ~SW_WQ_PENDING_TIME_MASK) == k.tag)
    runtime = (now - started) & SW_WQ_PENDING_TIME_MASK;
  else if (own)
    runtime = now - cur->start_ns;
  else
    return 0;
  sw_hist_add(s->runtime_log2, runtime);
  s->runtime_sum_ns += runtime;
  if (runtime > s->runtime_max_ns)
    s->runtime_max_ns = runtime;
  return 0;
}
