/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps and tunables shared by the programs in bpf/programs/. */
#ifndef SUBMITWATCH_MAPS_BPF_H_
#define SUBMITWATCH_MAPS_BPF_H_

#include "blkg_table.bpf.h"
#include "core_fixes.bpf.h"
#include "events.h"

/* Set by the loader before load. */
const volatile bool all_allocs = false;
const volatile __u32 nr_submit_ranges = 0;
/* The span of all the submit-path ranges: [start of the first, end of the
 * last). */
const volatile __u64 submit_text_start = 0;
const volatile __u64 submit_text_end = 0;
/* fentry/kprobe on the submit path attached: the per-task depth decides
 * "in the submit path" instead of a stack walk. */
const volatile bool submit_depth_mode = false;
/* bio_associate_blkg_from_css hooked: bios carry their intended cgroup. */
const volatile bool assoc_mode = false;
/* The throttle entry hooked: bios may be sitting in the throttle. Off, the
 * verifier drops the per-bio release check from block_bio_queue. */
const volatile bool throttle_mode = false;
/* --user-stacks: alloc events carry the task's user stack. Off, the verifier
 * drops that code: no user stack walk, the smaller record. */
const volatile bool user_stacks = false;
/* flush_work()'s barrier items run wq_barrier_func without a queue event:
 * there is no queue time to find for them (0: unknown, so looked for). */
const volatile __u64 wq_barrier_func = 0;

/* Rare events only; sized by the loader (--ringbuf-size). */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SW_LOST_SLOTS);
  __type(key, u32);
  __type(value, u64);
} lost SEC(".maps");

/* Sorted [start, end) ranges of submit-path functions from /proc/kallsyms. */
#define SW_SUBMIT_RANGE_STEPS 6 /* binary search steps: log2(SW_MAX_SUBMIT_RANGES) + 1 */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SW_MAX_SUBMIT_RANGES);
  __type(key, u32);
  __type(value, struct sw_submit_range);
} submit_ranges SEC(".maps");

/* Hotter: the per-CPU slots in front of the bio table (blkg_table.bpf.h;
 * see events.h). One element per possible CPU: the loader sets max_entries;
 * a CPU past it uses the table alone. Mappable so the collector reads it
 * without a syscall per CPU and empties slots of evicted keys in place. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, u32);
  __type(value, struct sw_blkg_cpu_slots);
} blkg_slots SEC(".maps");

/* Cross-CPU dedupe of the first-seen event; touched once per key per CPU. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct sw_blkg_key);
  __type(value, u8);
} blkg_seen SEC(".maps");

/* Per work function, per CPU: the stats of the function numbered i in
 * wq_funcs are at index i. A per-CPU array, not a per-CPU hash keyed by the
 * function: each of the four workqueue programs finds them, and a hash probe
 * was ~30 ns of each; an array index is a few. Numbers are handed out in
 * order from wq_func_next, never taken back, so user space reads only the
 * first wq_func_next entries (at most SW_WQ_FUNCS, events.h). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SW_WQ_FUNCS);
  __type(key, u32);
  __type(value, struct sw_wq_stats);
} wq_stats SEC(".maps");

/* Work function -> its number in wq_stats, probed only on a cache miss. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SW_WQ_FUNCS);
  __type(key, u64);
  __type(value, u64);
} wq_funcs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, u64);
} wq_func_next SEC(".maps");

/* A direct-mapped cache in front of wq_funcs, shared by all CPUs: slot
 * hash(func) holds the function's low 48 bits (kernel text has all ones
 * above) and its number + 1 in one word, so a plain 8-byte store publishes
 * both at once and a racing reader sees one function's pair or another's,
 * never half of each. A function whose slot another took is found through
 * wq_funcs again and takes the slot back. */
#define SW_WQ_FUNC_CACHE_SLOTS 1024 /* a power of two */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SW_WQ_FUNC_CACHE_SLOTS);
  __type(key, u32);
  __type(value, u64);
} wq_func_cache SEC(".maps");

/* Queue and start times of work items, in the slot a hash of the work
 * item's address picks: a direct-mapped table shared by all CPUs, as queue
 * and execute may be on different ones. Finding a slot is an array index,
 * where the LRU hash table this replaces cost a probe and an LRU update per
 * work item (most of the ~1 us the four workqueue programs took).
 *
 * Each time is one word: its low 48 bits (wraps after 78 hours; times are
 * compared modulo 2^48) under a 16-bit tag, other bits of the same hash. An
 * aligned 8-byte store publishes both at once, so the programs write a slot
 * with plain stores and read it with plain loads: no atomic, which would
 * wait for the line (last written by whichever CPU ran the previous item
 * there) and for every store before it; a plain store's miss the store
 * buffer hides. A queue time is taken once: execute_start writes the start
 * time of every run beside it (execute_end's start time too), and a queue
 * time that is not after the start time of the same item is stale (a run
 * not queued through the tracepoint, such as a barrier work on the stack,
 * or a queue event the kernel skipped because a program was already running
 * on that CPU). One queued over an older item's
 * slot takes it, so the slot of a cancelled item, which never executes, is
 * reused rather than leaked; the older item then finds another's tag in its
 * slot (SW_LOST_WQ_PENDING). An item that matches the tag of another (one
 * in 2^15) would take its time.
 *
 * Direct-mapped, so a burst of pending items collides: removing 2,000
 * cgroups queues ~20,000 items, up to 140 pending at once, and 16,384 slots
 * lost ~40 latencies to collisions (measured). 65,536 slots (1 MiB) lose a
 * quarter as many. Four ways per line lost none, but choosing a way means
 * reading the line in queue_work: +25 ns there, over its 100 ns goal. The
 * map is mmapable so that its values are page-aligned and no slot straddles
 * two cache lines. */
#define SW_WQ_PENDING_SLOTS 65536 /* a power of two */
#define SW_WQ_PENDING_TIME_BITS 48
#define SW_WQ_PENDING_TIME_MASK ((1ull << SW_WQ_PENDING_TIME_BITS) - 1)

struct sw_wq_pending_slot {
  u64 queued;  /* tag | time; 0: never written */
  u64 started;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, SW_WQ_PENDING_SLOTS);
  __type(key, u32);
  __type(value, struct sw_wq_pending_slot);
} wq_pending SEC(".maps");

struct sw_wq_pending_key {
  u32 index;
  u64 tag; /* in place, above the time bits; never 0 */
};

static __always_inline struct sw_wq_pending_key sw_wq_pending_key_of(u64 work_bits)
{
  u64 h = work_bits * 0x9E3779B97F4A7C15ull;
  struct sw_wq_pending_key k = {
      .index = (u32)(h >> 48) & (SW_WQ_PENDING_SLOTS - 1),
      /* bits 32..47: the index's 16 are above them; the top tag bit is set,
       * so a slot in use is never the free word 0. */
      .tag = ((h << 16) & ~SW_WQ_PENDING_TIME_MASK) | (1ull << 63),
  };
  return k;
}

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct sw_current_work);
} current_work SEC(".maps");

/* Scratch for building an alloc event: too big for the 512-byte BPF stack. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct sw_alloc_event);
} alloc_scratch SEC(".maps");

/* Scratch for the stack scan of tracepoint-mode allocations
 * (alloc_event.bpf.h): the live part of the kernel stack, copied in one read.
 * Stacks deeper than this are walked instead. */
#define SW_STACK_SCAN_BYTES 4096

struct sw_stack_scan {
  u64 ctx_bits;  /* the program's ctx, as a number: where the scan starts */
  u64 top_bits;  /* the task's pt_regs, as a number: where it ends */
  u64 words[SW_STACK_SCAN_BYTES / 8];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct sw_stack_scan);
} stack_scan SEC(".maps");

/* Per-task submit-path depth, keyed by tid: submit_bio may sleep and move to
 * another CPU, so a per-CPU counter would lie. LRU: a task that dies inside
 * the submit path (it cannot, but a missed exit can) does not leak. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, u32);
  __type(value, u32);
} submit_depth SEC(".maps");

/* Intended cgroup of each bio, written when the bio is associated with a blkg
 * and read when it is queued; keyed by struct bio *. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, u64);
  __type(value, u64);
} bio_intended SEC(".maps");

/* Per blkg: bios the throttle queued vs let pass, and time spent queued. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 16384);
  __type(key, u64);
  __type(value, struct sw_throttle_stats);
} throttle_stats SEC(".maps");

/* When each throttled bio was queued, until the throttle dispatches it. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, u64);
  __type(value, u64);
} throttled_at SEC(".maps");

/* Arguments saved at a kprobe for its kretprobe, keyed by tid. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, u32);
  __type(value, struct sw_saved_args);
} saved_args SEC(".maps");

/* Bios sitting in the throttle now: lets block_bio_queue skip the
 * throttled_at lookup when none are (the common case). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, s64);
} throttled_pending SEC(".maps");

/* The miss half of sw_map_lookup_or_init(): inserts *init unless the key is
 * there, then looks it up; a CPU that loses the insert to another finds the
 * other's entry. NULL only when the map is full. *created (unless created is
 * NULL) says whether this call inserted the entry, for what is done once per
 * key. Called alone by a caller whose initial value costs kernel reads: it
 * looks up first and builds init only on a miss. */
static __always_inline void *sw_map_init_and_lookup(void *map, const void *key,
                                                    const void *init, bool *created)
{
  long err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
  if (created)
    *created = err == 0;
  return bpf_map_lookup_elem(map, key);
}

/* The entry of key in map, inserted as *init when absent. A hit costs the one
 * lookup alone, so hot paths use it as they would bpf_map_lookup_elem(). */
static __always_inline void *sw_map_lookup_or_init(void *map, const void *key,
                                                   const void *init, bool *created)
{
  void *value = bpf_map_lookup_elem(map, key);
  if (value) {
    if (created)
      *created = false;
    return value;
  }
  return sw_map_init_and_lookup(map, key, init, created);
}

static __always_inline void sw_count_lost(u32 slot)
{
  u64 *n = bpf_map_lookup_elem(&lost, &slot);
  if (n)
    (*n)++;
}

/* Wake the reader only when the ring is half full: it polls on a timer, so a
 * wakeup per event would cost a context switch per event for nothing. */
static __always_inline u64 sw_wakeup_flags(void)
{
  u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  u64 ring = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
  return avail > ring / 2 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline long sw_output(void *data, u64 size, u32 lost_slot)
{
  long err = bpf_ringbuf_output(&events, data, size, sw_wakeup_flags());
  if (err)
    sw_count_lost(lost_slot);
  return err;
}

static __always_inline u32 sw_log2(u64 v)
{
  u32 r = 0, shift;
  shift = (v > 0xFFFFFFFFull) << 5; v >>= shift; r |= shift;
  shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
  shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
  shift = (v > 0xF) << 2; v >>= shift; r |= shift;
  shift = (v > 0x3) << 1; v >>= shift; r |= shift;
  r |= (v >> 1);
  return r;
}

/* Adds one to the log2 bucket of ns. The bound check sits at the access:
 * clang may otherwise index with the unclamped value, which older verifiers
 * (6.1) reject as an unbounded map access. */
static __always_inline void sw_hist_add(u64 *buckets, u64 ns)
{
  u32 slot = sw_log2(ns);
  if (slot >= SW_HIST_BUCKETS)
    slot = SW_HIST_BUCKETS - 1;
  asm volatile("" : "+r"(slot));
  if (slot < SW_HIST_BUCKETS)
    buckets[slot]++;
}

#endif /* SUBMITWATCH_MAPS_BPF_H_ */
