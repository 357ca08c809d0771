/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of everything that crosses the kernel/user boundary:
 * ring-buffer events, map keys and values, and the constants both sides agree
 * on. Fixed-width types only; included by the BPF programs and by userspace.
 */
#ifndef SUBMITWATCH_BPF_EVENTS_H_
#define SUBMITWATCH_BPF_EVENTS_H_

#ifdef __cplusplus
#include <cstdint>
typedef std::uint8_t sw_u8;
typedef std::uint16_t sw_u16;
typedef std::uint32_t sw_u32;
typedef std::uint64_t sw_u64;
#elif defined(__VMLINUX_H__)
typedef __u8 sw_u8;
typedef __u16 sw_u16;
typedef __u32 sw_u32;
typedef __u64 sw_u64;
#else
#include <stdint.h>
typedef uint8_t sw_u8;
typedef uint16_t sw_u16;
typedef uint32_t sw_u32;
typedef uint64_t sw_u64;
#endif

/* The layout of every struct below is the kernel/user wire format: the size
 * checks fail the build of both sides when a field moves. */
#ifdef __cplusplus
#define SW_ASSERT_SIZE(type, bytes) \
  static_assert(sizeof(struct type) == (bytes), #type ": layout changed")
#else
#define SW_ASSERT_SIZE(type, bytes) \
  _Static_assert(sizeof(struct type) == (bytes), #type ": layout changed")
#endif

#define SW_COMM_LEN 16
#define SW_DISK_NAME_LEN 32 /* DISK_NAME_LEN */
#define SW_STACK_DEPTH 32
/* --user-stacks: frames of the allocating task's user stack kept (innermost
 * first, as bpf_get_stack() gives them; deeper callers are cut). */
#define SW_USER_STACK_DEPTH 32
/* Log2 buckets: bucket i counts values in [2^i, 2^(i+1)) ns; 2^39 ns ~ 9 min. */
#define SW_HIST_BUCKETS 40
/* Address ranges of submit-path functions, loaded by user space from
 * /proc/kallsyms (tracepoint-only mode matches stack frames against them). */
#define SW_MAX_SUBMIT_RANGES 32

/* task_struct::flags bits that change the effective gfp or mark reclaim.
 * #defines in include/linux/sched.h, so not in BTF; stable since 5.x. */
#define SW_PF_MEMALLOC 0x00000800u
#define SW_PF_KSWAPD 0x00020000u
#define SW_PF_MEMALLOC_NOFS 0x00040000u
#define SW_PF_MEMALLOC_NOIO 0x00080000u
#define SW_PF_KTHREAD 0x00200000u
#define SW_PF_WQ_WORKER 0x00000020u

/* Context bits of an allocation; combine (submit|reclaim is the seed deadlock). */
#define SW_CTX_SUBMIT 0x1u
#define SW_CTX_WORKER 0x2u
#define SW_CTX_RECLAIM 0x4u
/* Extra evidence, kept for the capture: current->bio_list was set. */
#define SW_CTX_BIO_LIST 0x8u

enum sw_event_kind {
  SW_EVENT_ALLOC = 1,      /* percpu:percpu_alloc_percpu[_fail] */
  SW_EVENT_BLKG_SEEN = 2,  /* first bio for a (blkg, submitting cgroup) pair */
  SW_EVENT_CGROUP = 3,     /* cgroup:cgroup_mkdir / cgroup:cgroup_rmdir */
  SW_EVENT_ALLOC_USER = 4, /* an alloc event with its user stack (--user-stacks) */
};

enum sw_allocator {
  SW_ALLOCATOR_PERCPU = 1,
  SW_ALLOCATOR_SLAB = 2,
  SW_ALLOCATOR_PAGE = 3,
};

/* Lost-event counters, one slot per reason, in a per-CPU array. */
enum sw_lost_slot {
  SW_LOST_ALLOC = 0,     /* ring buffer full: an alloc event was dropped */
  SW_LOST_BLKG_SEEN = 1, /* ring buffer full: a blkg first-seen event */
  SW_LOST_WQ_PENDING = 2, /* queued-work slot busy: latency not measured */
  SW_LOST_SUBMIT_DEPTH = 3, /* per-task depth table full: context unknown */
  SW_LOST_CGROUP = 4,    /* ring buffer full: a cgroup mkdir/rmdir event */
  SW_LOST_BIO_TABLE = 5, /* per-blkg counter table full: a bio not counted */
  SW_LOST_SLOTS = 6,
};

struct sw_event_header {
  sw_u32 kind; /* enum sw_event_kind */
  sw_u32 cpu;
  sw_u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};
SW_ASSERT_SIZE(sw_event_header, 16);

struct sw_alloc_event {
  struct sw_event_header hdr;
  sw_u64 call_site;
  sw_u64 size;
  sw_u64 align;
  sw_u64 bytes_alloc;
  sw_u64 gfp_flags;    /* as the caller passed them */
  sw_u64 work_func;    /* the work item's function when ctx has WORKER */
  sw_u64 cgroup_id;    /* task's io (v2) / blkio (v1) cgroup */
  sw_u32 task_flags;   /* task_struct::flags */
  sw_u32 pid;          /* tgid */
  sw_u32 tid;
  sw_u32 context;      /* SW_CTX_* */
  sw_u8 allocator;     /* enum sw_allocator */
  sw_u8 failed;
  sw_u8 is_atomic;
  sw_u8 reserved;
  sw_u32 stack_depth;  /* valid frames in stack[] */
  char comm[SW_COMM_LEN];
  sw_u64 stack[SW_STACK_DEPTH];
};
SW_ASSERT_SIZE(sw_alloc_event, 112 + 8 * SW_STACK_DEPTH);

/* --user-stacks: the alloc event (alloc.hdr.kind = SW_EVENT_ALLOC_USER)
 * followed by the allocating task's user stack and what tells its process
 * apart: a pid is reused, a mount namespace changes what a path names. Sent
 * instead of the plain alloc event, so without the option the ring-buffer
 * record stays the smaller one. */
struct sw_alloc_user_event {
  struct sw_alloc_event alloc;
  sw_u64 start_boottime;   /* the process's (group leader's) start, ns since boot */
  sw_u32 mnt_ns;           /* inode number of the task's mount namespace */
  sw_u32 user_stack_depth; /* valid frames in user_stack[]; 0 for kernel threads */
  sw_u64 user_stack[SW_USER_STACK_DEPTH]; /* return addresses, innermost first */
};
SW_ASSERT_SIZE(sw_alloc_user_event, 112 + 8 * SW_STACK_DEPTH + 16 + 8 * SW_USER_STACK_DEPTH);

/* Per-CPU counters of bios, keyed by the blkg the bio is charged to and the
 * cgroup of the task that submitted it (0 for kernel threads: their own css is
 * not the one the bio was meant for, so they are counted apart). */
struct sw_blkg_key {
  sw_u64 blkg;           /* struct blkcg_gq *, an identity only */
  sw_u64 task_cgroup_id; /* 0 for kernel threads */
};
SW_ASSERT_SIZE(sw_blkg_key, 16);

struct sw_blkg_counters {
  sw_u64 bios;
  sw_u64 bytes;
};
SW_ASSERT_SIZE(sw_blkg_counters, 16);

/* The hot path's front for the table below: per CPU, a direct-mapped table of
 * (key, counters) slots in one BPF_F_MMAPABLE array element (one element per
 * possible CPU). A bio whose key owns its slot costs one array lookup and
 * two adds; the per-CPU hash lookup it replaces was most of the program's
 * cost. A key that finds its slot taken by another falls back to the
 * table, so every bio is counted in exactly one place.
 *
 * gen[i] guards slots[i]: even when stable, odd while the program claims an
 * empty slot or user space clears an evicted one. The program only claims
 * empty slots (blkg == 0) and only user space empties them, so a key stays in
 * its slot, its counts never move, and a reader needs no retry except when a
 * claim is in flight. */
#define SW_BLKG_SLOTS 128 /* per CPU; a power of two */

/* The slot of a key on each CPU: a multiplicative hash of the blkg's address
 * (its low bits are the allocator's alignment) and the cgroup id. */
static inline sw_u32 sw_blkg_slot_index(sw_u64 blkg_bits, sw_u64 task_cgroup_id)
{
  sw_u64 h = ((blkg_bits >> 6) ^ task_cgroup_id) * 0x9E3779B97F4A7C15ull;
  return (sw_u32)(h >> 40) & (SW_BLKG_SLOTS - 1);
}

struct sw_blkg_slot {
  struct sw_blkg_key key; /* key.blkg == 0: empty */
  struct sw_blkg_counters counts;
};
SW_ASSERT_SIZE(sw_blkg_slot, 32);

struct sw_blkg_cpu_slots {
  sw_u64 blkg_bits;   /* the program's scratch: the blkg pointer as a number */
  sw_u64 reserved[7]; /* keeps the slots off the scratch's cache line */
  sw_u64 gen[SW_BLKG_SLOTS];
  struct sw_blkg_slot slots[SW_BLKG_SLOTS];
};
SW_ASSERT_SIZE(sw_blkg_cpu_slots, 64 + 40 * SW_BLKG_SLOTS);

/* The table behind the slots, for a key whose slot on a CPU another key
 * holds: the key gets an index of its own (blkg_index, a hash map, once per
 * key), and its counts on CPU c live at sw_blkg_table_at(c, index, stride)
 * of blkg_table, an mmappable array of stride entries per possible CPU
 * (stride: --bio-keys). What a snapshot reads is then one pass over plain
 * memory, not a walk of a per-CPU hash table: the kernel's batched read of
 * such a table, a bucket lock and a cache miss per entry and CPU, was half
 * of a snapshot's time at 100,000 keys.
 *
 * blkg_table_keys[index] says whose the index is (key.blkg == 0: nobody's
 * yet, or any more); gen guards it as in struct sw_blkg_cpu_slots, odd while
 * it is written. The program that takes an index (a fresh one, or one given
 * back through the free queue blkg_table_free) names it once the key is in
 * blkg_index, so no two indexes ever name one key. User space empties the
 * name when it evicts the key, and zeroes the index's counts and gives it
 * back a snapshot later, when no program can still be counting in it. */
struct sw_blkg_table_key {
  sw_u64 gen;
  struct sw_blkg_key key;
};
SW_ASSERT_SIZE(sw_blkg_table_key, 24);

static inline sw_u32 sw_blkg_table_at(sw_u32 cpu, sw_u32 index, sw_u32 stride)
{
  return cpu * stride + index;
}

struct sw_blkg_seen_event {
  struct sw_event_header hdr;
  struct sw_blkg_key key;
  sw_u64 blkg_cgroup_id; /* cgroup that owns the blkg the bio is charged to */
  sw_u32 dev_major;
  sw_u32 dev_minor;
  sw_u32 pid;
  sw_u32 tid;
  sw_u8 online;     /* blkg->online */
  sw_u8 has_stats;  /* blkg->iostat_cpu != NULL */
  sw_u8 kthread;
  sw_u8 reserved[5];
  char comm[SW_COMM_LEN];
  /* gendisk->diskseq (5.15+, else 0): a disk removed and re-created under the
   * same dev_t gets a new one, so user space can tell its blkgs are gone. */
  sw_u64 diskseq;
  /* gendisk->disk_name: a disk removed right after its first bio is gone
   * from sysfs before user space could name it. */
  char disk_name[SW_DISK_NAME_LEN];
};
SW_ASSERT_SIZE(sw_blkg_seen_event, 88 + SW_DISK_NAME_LEN);

/* Longer paths arrive truncated (no NUL in the last byte); user space then
 * names the cgroup from the hierarchy instead. */
#define SW_CGROUP_PATH_LEN 256

/* A cgroup made or removed in any hierarchy; user space keeps the io one. */
struct sw_cgroup_event {
  struct sw_event_header hdr;
  sw_u64 cgroup_id;     /* kernfs node id, as in the other events */
  sw_u32 hierarchy_id;  /* cgroup_root::hierarchy_id; 0 is the v2 hierarchy */
  sw_u8 removed;        /* 1: rmdir, 0: mkdir */
  sw_u8 reserved[3];
  char path[SW_CGROUP_PATH_LEN];  /* "/a/b" inside the hierarchy */
};
SW_ASSERT_SIZE(sw_cgroup_event, 32 + SW_CGROUP_PATH_LEN);

/* Work functions the programs keep stats of; a host's further ones are not
 * counted. */
#define SW_WQ_FUNCS 4096

struct sw_wq_stats {
  /* What execute_start and execute_end write on every item, first: fewer
   * cache lines touched per program run (each is a miss ~7 ns on a busy
   * host). */
  sw_u64 executed;
  sw_u64 latency_max_ns;
  sw_u64 latency_sum_ns; /* so an exporter's histograms have an exact sum */
  sw_u64 runtime_max_ns;
  sw_u64 runtime_sum_ns;
  sw_u64 queued;
  sw_u64 activated;
  sw_u64 latency_log2[SW_HIST_BUCKETS]; /* queue -> execute_start */
  sw_u64 runtime_log2[SW_HIST_BUCKETS]; /* execute_start -> execute_end */
};
SW_ASSERT_SIZE(sw_wq_stats, 56 + 16 * SW_HIST_BUCKETS);

/* Per CPU, the workqueue programs' own state. */
struct sw_current_work {
  /* The work item this CPU's worker started last: execute_end takes its
   * start time from the item's slot in wq_pending, and from here only for
   * an item without one, if the item (address and function) it ends is
   * this one. Not the worker's tid: bpf_get_current_pid_tgid() is a helper
   * call, ~13 ns of execute_start's budget, and a work item runs on one
   * worker at a time. */
  sw_u64 work_func;
  sw_u64 start_ns;
  sw_u64 work; /* struct work_struct *, as a number */
  /* queue_work's and activate_work's scratch: a pointer stored and read
   * back becomes a number to hash (the verifier allows no arithmetic on
   * it). Not execute_start's, which an interrupt's queue_work can nest in. */
  sw_u64 work_bits;
  /* The item queue_work saw last whose queued count is not yet in its
   * function's stats (0: none). The activate_work that follows in the same
   * __queue_work call, interrupts off, counts it where it looks the stats up
   * anyway, so queue_work does not (~24 ns of its cost). An item that went
   * to the inactive list is counted at the next queue_work or activate_work
   * on this CPU, and user space adds what is left once detached. */
  sw_u64 queued_func;
  sw_u64 queued_work;
};
SW_ASSERT_SIZE(sw_current_work, 48);

struct sw_throttle_stats {
  sw_u64 throttled;       /* queued by the throttle */
  sw_u64 passed;          /* went straight through */
  sw_u64 queued_ns;       /* total time throttled bios waited */
  sw_u64 queued_max_ns;
  sw_u64 blkg_cgroup_id;  /* identity, set on first use on each CPU */
  sw_u32 dev_major;
  sw_u32 dev_minor;
};
SW_ASSERT_SIZE(sw_throttle_stats, 48);

/* What a kprobe saves for its kretprobe (fexit gets the arguments itself). */
struct sw_saved_args {
  sw_u64 bio; /* struct bio * */
  sw_u64 css; /* struct cgroup_subsys_state *: blkg_assoc only, else 0 */
};
SW_ASSERT_SIZE(sw_saved_args, 16);

struct sw_submit_range {
  sw_u64 start;
  sw_u64 end; /* exclusive */
};
SW_ASSERT_SIZE(sw_submit_range, 16);

#endif /* SUBMITWATCH_BPF_EVENTS_H_ */
