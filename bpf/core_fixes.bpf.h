/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every kernel-version difference the BPF side reads through lives here, so
 * the programs stay straight-line. User space decides what loads. Nothing
 * older than the minimum kernel (README, "Requirements") loads at all: a
 * layout from before it needs no fallback here.
 */
#ifndef SUBMITWATCH_CORE_FIXES_BPF_H_
#define SUBMITWATCH_CORE_FIXES_BPF_H_

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* kn->id is the cgroup id (and inode number) on every kernel that loads these
 * programs ("kernfs: convert kernfs_node->id from union kernfs_node_id to
 * u64" is older than the minimum). */
static __always_inline u64 sw_kernfs_id(struct kernfs_node *kn)
{
  return BPF_CORE_READ(kn, id);
}

static __always_inline u64 sw_css_cgroup_id(struct cgroup_subsys_state *css)
{
  if (!css)
    return 0;
  return sw_kernfs_id(BPF_CORE_READ(css, cgroup, kn));
}

/* The io controller is "io" on v2 and "blkio" on v1, one subsystem id:
 * io_cgrp_id since 4.5 ("blkcg: rename subsystem name from blkio to io"). */
static __always_inline u64 sw_task_io_cgroup_id(struct task_struct *task)
{
  int id = bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id);
  struct cgroup_subsys_state *css = BPF_CORE_READ(task, cgroups, subsys[id]);
  return sw_css_cgroup_id(css);
}

/* The same through typed loads, for a task pointer the verifier trusts
 * (bpf_get_current_task_btf() in tp_btf/fentry programs): a guarded load per
 * field instead of a bpf_probe_read_kernel() call per field. Per-bio path. */
static __always_inline u64 sw_task_io_cgroup_id_typed(struct task_struct *task)
{
  int id = bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id);
  struct cgroup_subsys_state *css = task->cgroups->subsys[id];
  if (!css)
    return 0;
  return css->cgroup->kn->id;
}

static __always_inline u64 sw_blkg_cgroup_id(struct blkcg_gq *blkg)
{
  struct blkcg *blkcg = BPF_CORE_READ(blkg, blkcg);
  if (!blkcg)
    return 0;
  return sw_css_cgroup_id(&blkcg->css);
}

/* The blkg's per-cpu stats (blkg->iostat_cpu, older than the minimum). */
static __always_inline bool sw_blkg_has_stats(struct blkcg_gq *blkg)
{
  return BPF_CORE_READ(blkg, iostat_cpu) != NULL;
}

/* gendisk->diskseq since 5.15 ("block: add disk sequence number"); 0
 * before, which user space reads as "no sequence number". */
static __always_inline u64 sw_disk_seq(struct gendisk *disk)
{
  if (bpf_core_field_exists(disk->diskseq))
    return BPF_CORE_READ(disk, diskseq);
  return 0;
}

#endif /* SUBMITWATCH_CORE_FIXES_BPF_H_ */
