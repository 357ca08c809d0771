/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-task submit-path depth, keyed by tid: every program hooked at entry and
 * exit of a submit-path function (submit_depth, blk_throtl, blkg_assoc) moves
 * it, and the allocation programs read it. Hot path: once per bio each.
 */
#ifndef SUBMITWATCH_SUBMIT_DEPTH_BPF_H_
#define SUBMITWATCH_SUBMIT_DEPTH_BPF_H_

#include "maps.bpf.h"

static __always_inline void sw_submit_enter(void)
{
  u32 tid = (u32)bpf_get_current_pid_tgid();
  u32 *depth = bpf_map_lookup_elem(&submit_depth, &tid);
  if (depth) {
    (*depth)++;
    return;
  }
  u32 one = 1;
  if (bpf_map_update_elem(&submit_depth, &tid, &one, BPF_ANY))
    sw_count_lost(SW_LOST_SUBMIT_DEPTH);
}

static __always_inline void sw_submit_exit(void)
{
  u32 tid = (u32)bpf_get_current_pid_tgid();
  u32 *depth = bpf_map_lookup_elem(&submit_depth, &tid);
  if (depth && *depth > 0)
    (*depth)--;
}

static __always_inline bool sw_in_submit_depth(void)
{
  u32 tid = (u32)bpf_get_current_pid_tgid();
  u32 *depth = bpf_map_lookup_elem(&submit_depth, &tid);
  return depth && *depth > 0;
}

#endif /* SUBMITWATCH_SUBMIT_DEPTH_BPF_H_ */
