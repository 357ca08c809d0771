// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * block:block_bio_queue, typed (tp_btf). Hot path: fires once per bio, so it
 * only bumps a per-CPU counter: its key's slot, or its counters in the table
 * behind the slots when another key holds the slot. The first bio of a
 * (blkg, cgroup) pair on a CPU takes the rare path that claims the slot or
 * gives the key an index in the table, and may emit one event.
 */
#include "maps.bpf.h"
#include "throttle.bpf.h"

#include <bpf/bpf_tracing.h>

static __always_inline void sw_emit_blkg_seen(struct sw_blkg_key *key, struct bio *bio,
                                              struct blkcg_gq *blkg, bool kthread)
{
  struct sw_blkg_seen_event e = {};
  u64 pid_tgid = bpf_get_current_pid_tgid();
  struct gendisk *disk = BPF_CORE_READ(bio, bi_bdev, bd_disk);

  e.hdr.kind = SW_EVENT_BLKG_SEEN;
  e.hdr.cpu = bpf_get_smp_processor_id();
  e.hdr.ts_ns = bpf_ktime_get_ns();
  e.key = *key;
  e.blkg_cgroup_id = sw_blkg_cgroup_id(blkg);
  e.dev_major = BPF_CORE_READ(disk, major);
  e.dev_minor = BPF_CORE_READ(disk, first_minor);
  e.pid = pid_tgid >> 32;
  e.tid = (u32)pid_tgid;
  e.online = BPF_CORE_READ(blkg, online);
  e.has_stats = sw_blkg_has_stats(blkg);
  e.kthread = kthread;
  bpf_get_current_comm(e.comm, sizeof(e.comm));
  e.diskseq = sw_disk_seq(disk);
  bpf_probe_read_kernel_str(e.disk_name, sizeof(e.disk_name), &disk->disk_name);
  sw_output(&e, sizeof(e), SW_LOST_BLKG_SEEN);
}

/* A key's first bio on this CPU: one first-seen event across all CPUs. */
static __always_inline void sw_emit_blkg_seen_once(struct sw_blkg_key *key, struct bio *bio,
                                                  struct blkcg_gq *blkg, bool kthread)
{
  u8 one = 1;
  if (bpf_map_update_elem(&blkg_seen, key, &one, BPF_NOEXIST) == 0)
    sw_emit_blkg_seen(key, bio, blkg, kthread);
}

/* Counts the bio in the table behind the slots (blkg_table.bpf.h): for
 * keys whose slot another key holds, and when the slots are not there. */
static __always_inline void sw_count_in_table(struct sw_blkg_key *key, struct bio *bio,
                                              struct blkcg_gq *blkg, bool kthread, u64 bytes,
                                              u32 cpu)
{
  bool created;
  struct sw_blkg_counters *c = sw_blkg_table_find(key, cpu, &created);
  if (!c) {
    sw_count_lost(SW_LOST_BIO_TABLE);
    return;
  }
  c->bios++;
  c->bytes += bytes;
  if (__builtin_expect(created, 0))
    sw_emit_blkg_seen_once(key, bio, blkg, kthread);
}

/* Takes the empty slot idx for key. The gen CAS loses only to user space
 * clearing the slot at this moment; the program cannot race itself here, as
 * the kernel does not nest a program's runs on one CPU. */
static __always_inline bool sw_slot_claim(struct sw_blkg_cpu_slots *pc, u32 idx,
                                          u64 blkg_bits, u64 task_cgroup_id, u64 bytes)
{
  u64 g = pc->gen[idx];
  if (g & 1)
    return false;
  if (__sync_val_compare_and_swap(&pc->gen[idx], g, g + 1) != g)
    return false;
  struct sw_blkg_slot *s = &pc->slots[idx];
  s->key.blkg = blkg_bits;
  s->key.task_cgroup_id = task_cgroup_id;
  s->counts.bios = 1;
  s->counts.bytes = bytes;
  /* Even again; a full barrier, so a reader that sees it sees the slot. */
  __sync_fetch_and_add(&pc->gen[idx], 1);
  return true;
}

/* Typed loads, not BPF_CORE_READ(): bio and current are BTF pointers here, so
 * each field is one load the verifier guards instead of a
 * bpf_probe_read_kernel() call (bench/run measured ~340 ns per bio above the
 * empty program with the calls). */
SEC("tp_btf/block_bio_queue")
int BPF_PROG(sw_block_bio_queue, struct bio *bio)
{
  struct blkcg_gq *blkg = bio->bi_blkg;
  if (!blkg)
    return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  bool kthread = task->flags & SW_PF_KTHREAD;
  struct sw_blkg_key key = {
    .blkg = (u64)blkg,
    .task_cgroup_id = kthread ? 0 : sw_task_io_cgroup_id_typed(task),
  };
  if (assoc_mode) {
    /* The css the bio was associated for beats the submitter's: exact for
     * kworker-submitted bios too. */
    u64 bio_key = (u64)bio;
    u64 *intended = bpf_map_lookup_elem(&bio_intended, &bio_key);
    if (intended) {
      key.task_cgroup_id = *intended;
      kthread = false;
    }
  }
  sw_throttle_released(bio, blkg);
  u64 bytes = bio->bi_iter.bi_size;

  u32 cpu = bpf_get_smp_processor_id();
  struct sw_blkg_cpu_slots *pc = bpf_map_lookup_elem(&blkg_slots, &cpu);
  if (pc) {
    /* The verifier allows no arithmetic on the blkg pointer; stored in a map
     * value and read back, it is a number to hash. */
    pc->blkg_bits = key.blkg;
    u64 bits = *(volatile u64 *)&pc->blkg_bits;
    u32 idx = sw_blkg_slot_index(bits, key.task_cgroup_id);
    struct sw_blkg_slot *s = &pc->slots[idx];
    if (s->key.blkg == bits && s->key.task_cgroup_id == key.task_cgroup_id) {
      s->counts.bios++;
      s->counts.bytes += bytes;
      return 0;
    }
    if (s->key.blkg == 0 && sw_slot_claim(pc, idx, bits, key.task_cgroup_id, bytes)) {
      sw_emit_blkg_seen_once(&key, bio, blkg, kthread);
      return 0;
    }
  }
  sw_count_in_table(&key, bio, blkg, kthread, bytes, cpu);
  return 0;
}
