/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --user-stacks: an alloc event already decided worth sending goes out with
 * the allocating task's user stack. Rare path, like the event itself; the
 * caller branches on the user_stacks constant, so without the option none
 * of this is loaded.
 */
#ifndef SUBMITWATCH_USER_STACK_BPF_H_
#define SUBMITWATCH_USER_STACK_BPF_H_

#include "maps.bpf.h"

/* Built in the ring buffer itself: the record is too big for the BPF stack,
 * and reserving it saves a second scratch map and a second copy. */
static __always_inline void sw_output_alloc_with_user_stack(void *ctx,
                                                            struct task_struct *task,
                                                            const struct sw_alloc_event *e)
{
  struct sw_alloc_user_event *u = bpf_ringbuf_reserve(&events, sizeof(*u), 0);
  if (!u) {
    sw_count_lost(SW_LOST_ALLOC);
    return;
  }
  __builtin_memcpy(&u->alloc, e, sizeof(*e));
  u->alloc.hdr.kind = SW_EVENT_ALLOC_USER;
  u->start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
  u->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
  /* The user registers saved at kernel entry, walked by frame pointers: a
   * kernel thread has none (0 frames), code built without frame pointers
   * loses its callers. */
  long bytes = bpf_get_stack(ctx, u->user_stack, sizeof(u->user_stack), BPF_F_USER_STACK);
  u->user_stack_depth = bytes > 0 ? bytes / sizeof(u->user_stack[0]) : 0;
  /* The reader is woken at once, not when the ring is half full: user space
   * reads the process's mappings and symbols while it most likely still
   * exists, and a short-lived one is gone within milliseconds. */
  bpf_ringbuf_submit(u, BPF_RB_FORCE_WAKEUP);
}

#endif /* SUBMITWATCH_USER_STACK_BPF_H_ */
