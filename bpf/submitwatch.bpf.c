// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One BPF object, one skeleton: the programs live one hook per file under
 * programs/ and are compiled together so they share maps without relying on
 * extern maps in the distribution's BPF linker. Each program file includes
 * the headers it uses (include guards keep one copy of each), so the order
 * below is free; tests/CMakeLists.txt compiles every file on its own.
 */
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#include "programs/blk_throtl.bpf.c"
#include "programs/blkg_assoc.bpf.c"
#include "programs/block_bio_queue.bpf.c"
#include "programs/cgroup_lifecycle.bpf.c"
#include "programs/percpu_alloc.bpf.c"
#include "programs/slab_alloc.bpf.c"
#include "programs/submit_depth.bpf.c"
#include "programs/workqueue.bpf.c"
