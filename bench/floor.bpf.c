// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor for bench/run's per-event BPF cost: one empty program on each
 * hook submitwatch attaches, with the same attach type (tp_btf, or raw_tp
 * where submitwatch needs it), so "cost above the floor" is what the
 * program's body costs, not the kernel's price for running any program.
 * Names are submitwatch's with floor_ for sw_.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/block_bio_queue")
int BPF_PROG(floor_block_bio_queue) { return 0; }

SEC("tp_btf/percpu_alloc_percpu")
int BPF_PROG(floor_percpu_alloc) { return 0; }

SEC("tp_btf/percpu_alloc_percpu_fail")
int BPF_PROG(floor_percpu_alloc_fail) { return 0; }

SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(floor_wq_queue_work) { return 0; }

SEC("tp_btf/workqueue_activate_work")
int BPF_PROG(floor_wq_activate_work) { return 0; }

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(floor_wq_execute_start) { return 0; }

SEC("raw_tp/workqueue_execute_end")
int BPF_PROG(floor_wq_execute_end) { return 0; }

/* One clock read and nothing else, on each hook where a workqueue program
 * takes a timestamp: what bpf_ktime_get_ns() alone costs there, so the cost
 * table can say how much of a program's cost above the floor is the clock.
 * Loaded only by `bench_tool floor --clock`, in rounds where no submitwatch
 * program runs on these hooks: one that ran ahead of submitwatch's on the
 * same hook would warm what they use. Named clock_ for floor_. */
SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(clock_wq_queue_work)
{
  bpf_ktime_get_ns();
  return 0;
}

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(clock_wq_execute_start)
{
  bpf_ktime_get_ns();
  return 0;
}

SEC("raw_tp/workqueue_execute_end")
int BPF_PROG(clock_wq_execute_end)
{
  bpf_ktime_get_ns();
  return 0;
}
