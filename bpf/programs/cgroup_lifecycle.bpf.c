// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup:cgroup_mkdir / cgroup:cgroup_rmdir. A cgroup that lives for a few
 * milliseconds is gone before user space could look its path up, and the
 * counters of a removed one would sit in the maps until exit: these rare
 * events carry the path while it exists and say when entries can go.
 */
#include "maps.bpf.h"

#include <bpf/bpf_tracing.h>

static __always_inline void sw_emit_cgroup(struct cgroup *cgrp, const char *path, u8 removed)
{
  struct sw_cgroup_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    sw_count_lost(SW_LOST_CGROUP);
    return;
  }
  e->hdr.kind = SW_EVENT_CGROUP;
  e->hdr.cpu = bpf_get_smp_processor_id();
  e->hdr.ts_ns = bpf_ktime_get_ns();
  e->cgroup_id = sw_kernfs_id(BPF_CORE_READ(cgrp, kn));
  e->hierarchy_id = BPF_CORE_READ(cgrp, root, hierarchy_id);
  e->removed = removed;
  e->reserved[0] = e->reserved[1] = e->reserved[2] = 0;
  if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), path) < 0)
    e->path[0] = 0;
  bpf_ringbuf_submit(e, sw_wakeup_flags());
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(sw_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
  sw_emit_cgroup(cgrp, path, 0);
  return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(sw_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
  sw_emit_cgroup(cgrp, path, 1);
  return 0;
}
