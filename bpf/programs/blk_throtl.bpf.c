// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The throttle entry (__blk_throtl_bio since 6.5, blk_throtl_bio before):
 * counts bios queued vs passed per blkg and, with block_bio_queue, the time a
 * throttled bio waited (throttle.bpf.h). It is also part of the submit path.
 * Hot path: once per bio to a throttled queue.
 */
#include "maps.bpf.h"
#include "saved_args.bpf.h"
#include "submit_depth.bpf.h"

#include <bpf/bpf_tracing.h>

/* The blkg's identity costs kernel reads: built only when this CPU finds no
 * entry, so the hit path is the one lookup. */
static __always_inline struct sw_throttle_stats *sw_throttle_stats_of(struct blkcg_gq *blkg,
                                                                      struct bio *bio)
{
  u64 key = (u64)blkg;
  struct sw_throttle_stats *s = bpf_map_lookup_elem(&throttle_stats, &key);
  if (s)
    return s;
  struct gendisk *disk = BPF_CORE_READ(bio, bi_bdev, bd_disk);
  struct sw_throttle_stats init = {
    .blkg_cgroup_id = sw_blkg_cgroup_id(blkg),
    .dev_major = BPF_CORE_READ(disk, major),
    .dev_minor = BPF_CORE_READ(disk, first_minor),
  };
  return sw_map_init_and_lookup(&throttle_stats, &key, &init, NULL);
}

static __always_inline void sw_throttle_done(struct bio *bio, bool throttled)
{
  struct blkcg_gq *blkg = BPF_CORE_READ(bio, bi_blkg);
  if (!blkg)
    return;
  struct sw_throttle_stats *s = sw_throttle_stats_of(blkg, bio);
  if (!s)
    return;
  if (!throttled) {
    s->passed++;
    return;
  }
  s->throttled++;
  u64 key = (u64)bio;
  u64 now = bpf_ktime_get_ns();
  if (bpf_map_update_elem(&throttled_at, &key, &now, BPF_ANY) == 0) {
    u32 zero = 0;
    s64 *pending = bpf_map_lookup_elem(&throttled_pending, &zero);
    if (pending)
      __sync_fetch_and_add(pending, 1);
  }
}

SEC("fentry")
int BPF_PROG(sw_fentry_throtl, struct bio *bio) { sw_submit_enter(); return 0; }
SEC("fexit")
int BPF_PROG(sw_fexit_throtl, struct bio *bio, bool throttled)
{
  sw_submit_exit();
  sw_throttle_done(bio, throttled);
  return 0;
}

SEC("kprobe")
int BPF_KPROBE(sw_kprobe_throtl, struct bio *bio)
{
  sw_submit_enter();
  sw_save_args(bio, NULL);
  return 0;
}
SEC("kretprobe")
int BPF_KRETPROBE(sw_kretprobe_throtl, bool throttled)
{
  sw_submit_exit();
  struct sw_saved_args args;
  if (!sw_take_saved_args(&args))
    return 0;
  sw_throttle_done((struct bio *)args.bio, throttled);
  return 0;
}
