/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A kretprobe cannot see the function's arguments: its kprobe saves them here,
 * keyed by tid, and the kretprobe takes them back (fexit needs none of this).
 */
#ifndef SUBMITWATCH_SAVED_ARGS_BPF_H_
#define SUBMITWATCH_SAVED_ARGS_BPF_H_

#include "maps.bpf.h"

static __always_inline void sw_save_args(struct bio *bio, struct cgroup_subsys_state *css)
{
  u32 tid = (u32)bpf_get_current_pid_tgid();
  struct sw_saved_args args = { .bio = (u64)bio, .css = (u64)css };
  bpf_map_update_elem(&saved_args, &tid, &args, BPF_ANY);
}

/* False when the kprobe saved nothing (it ran before the kretprobe attached,
 * or the LRU evicted the entry). */
static __always_inline bool sw_take_saved_args(struct sw_saved_args *out)
{
  u32 tid = (u32)bpf_get_current_pid_tgid();
  struct sw_saved_args *args = bpf_map_lookup_elem(&saved_args, &tid);
  if (!args)
    return false;
  *out = *args;
  bpf_map_delete_elem(&saved_args, &tid);
  return true;
}

#endif /* SUBMITWATCH_SAVED_ARGS_BPF_H_ */
