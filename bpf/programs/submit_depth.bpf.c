// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-task submit-path depth: entry and exit of submit_bio() and
 * submit_bio_noacct() (fentry/fexit, else kprobe/kretprobe; the loader picks
 * one per host and sets the targets). Hot path: once per bio each, one hash
 * update keyed by tid.
 */
#include "submit_depth.bpf.h"

#include <bpf/bpf_tracing.h>

/* Targets are set by the loader (bpf_program__set_attach_target). */
SEC("fentry")
int BPF_PROG(sw_fentry_submit_bio) { sw_submit_enter(); return 0; }
SEC("fexit")
int BPF_PROG(sw_fexit_submit_bio) { sw_submit_exit(); return 0; }
SEC("fentry")
int BPF_PROG(sw_fentry_submit_noacct) { sw_submit_enter(); return 0; }
SEC("fexit")
int BPF_PROG(sw_fexit_submit_noacct) { sw_submit_exit(); return 0; }

SEC("kprobe")
int BPF_KPROBE(sw_kprobe_submit_bio) { sw_submit_enter(); return 0; }
SEC("kretprobe")
int BPF_KRETPROBE(sw_kretprobe_submit_bio) { sw_submit_exit(); return 0; }
SEC("kprobe")
int BPF_KPROBE(sw_kprobe_submit_noacct) { sw_submit_enter(); return 0; }
SEC("kretprobe")
int BPF_KRETPROBE(sw_kretprobe_submit_noacct) { sw_submit_exit(); return 0; }
