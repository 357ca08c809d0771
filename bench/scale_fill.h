/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The context of bench/scale_fill.bpf.c's fill_keys, shared with bench_tool. */
#ifndef SUBMITWATCH_BENCH_SCALE_FILL_H_
#define SUBMITWATCH_BENCH_SCALE_FILL_H_

#include "bpf/events.h"

#define SW_SCALE_PREFIX_LEN 48

struct sw_scale_fill {
  sw_u64 blkg_base;       /* keys are blkg_base + index * 512 ... */
  sw_u64 cgroup_id_base;  /* ... and cgroup_id_base + index */
  sw_u64 bios;            /* each key's count: bios + index % 7 */
  sw_u32 first;           /* the run's first index */
  sw_u32 count;           /* keys to fill from there */
  sw_u32 dev_major;
  sw_u32 dev_minor;
  sw_u32 hierarchy_id;    /* of the io cgroups, as cgroup_mkdir says it */
  sw_u32 announce;        /* 1: emit each key's cgroup and first-seen events */
  char prefix[SW_SCALE_PREFIX_LEN];  /* the cgroups' parent path, NUL-ended */
  char disk_name[SW_DISK_NAME_LEN];
  sw_u32 done;            /* out: keys filled */
  sw_u32 ring_full;       /* out: stopped early for room in the ring buffer */
};
SW_ASSERT_SIZE(sw_scale_fill, 48 + SW_SCALE_PREFIX_LEN + SW_DISK_NAME_LEN + 8);

#endif /* SUBMITWATCH_BENCH_SCALE_FILL_H_ */
