// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bio_associate_blkg_from_css(bio, css): the css the bio is meant for, and
 * (at exit) the blkg it got. Remembering the intended cgroup per bio makes
 * readiness exact, also for bios that kworkers submit on a cgroup's behalf
 * (writeback, loop workers). The blkg (and its per-cpu stats) is created in
 * here, so it counts as the submit path too. Hot path: once per bio
 * association.
 */
#include "maps.bpf.h"
#include "saved_args.bpf.h"
#include "submit_depth.bpf.h"

#include <bpf/bpf_tracing.h>

static __always_inline void sw_note_intended(struct bio *bio, struct cgroup_subsys_state *css)
{
  u64 key = (u64)bio;
  u64 intended = sw_css_cgroup_id(css);
  bpf_map_update_elem(&bio_intended, &key, &intended, BPF_ANY);
}

SEC("fentry")
int BPF_PROG(sw_fentry_assoc) { sw_submit_enter(); return 0; }

SEC("fexit")
int BPF_PROG(sw_fexit_assoc, struct bio *bio, struct cgroup_subsys_state *css)
{
  sw_submit_exit();
  sw_note_intended(bio, css);
  return 0;
}

SEC("kprobe")
int BPF_KPROBE(sw_kprobe_assoc, struct bio *bio, struct cgroup_subsys_state *css)
{
  sw_save_args(bio, css);
  sw_submit_enter();
  return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(sw_kretprobe_assoc)
{
  sw_submit_exit();
  struct sw_saved_args args;
  if (!sw_take_saved_args(&args))
    return 0;
  sw_note_intended((struct bio *)args.bio, (struct cgroup_subsys_state *)args.css);
  return 0;
}
