// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Trial programs for probing: the loader loads and attaches one of these to a
 * kernel function to learn whether fentry or kprobe works there, before it
 * commits the real programs to a mode.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("fentry")
int BPF_PROG(probe_fentry) { return 0; }

SEC("kprobe")
int BPF_KPROBE(probe_kprobe) { return 0; }
