/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The throttle's two ends: blk_throtl.bpf.c notes when the throttle queues a
 * bio, block_bio_queue.bpf.c calls sw_throttle_released() when the bio it
 * released is queued, and the time between is the bio's wait.
 */
#ifndef SUBMITWATCH_THROTTLE_BPF_H_
#define SUBMITWATCH_THROTTLE_BPF_H_

#include "maps.bpf.h"

/* Per bio on block_bio_queue's hot path: with the throttle unhooked the
 * verifier drops all of it (throttle_mode is read-only), and with nothing
 * throttled it costs one array lookup. */
static __always_inline void sw_throttle_released(struct bio *bio, struct blkcg_gq *blkg)
{
  if (!throttle_mode)
    return;
  u32 zero = 0;
  s64 *pending = bpf_map_lookup_elem(&throttled_pending, &zero);
  if (!pending || *pending <= 0)
    return;
  u64 key = (u64)bio;
  u64 *since = bpf_map_lookup_elem(&throttled_at, &key);
  if (!since)
    return;
  u64 waited = bpf_ktime_get_ns() - *since;
  bpf_map_delete_elem(&throttled_at, &key);
  __sync_fetch_and_add(pending, -1);
  u64 blkg_key = (u64)blkg;
  struct sw_throttle_stats *s = bpf_map_lookup_elem(&throttle_stats, &blkg_key);
  if (!s)
    return;
  s->queued_ns += waited;
  if (waited > s->queued_max_ns)
    s->queued_max_ns = waited;
}

#endif /* SUBMITWATCH_THROTTLE_BPF_H_ */
