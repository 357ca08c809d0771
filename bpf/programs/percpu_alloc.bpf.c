// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * percpu:percpu_alloc_percpu and percpu:percpu_alloc_percpu_fail. Rare path:
 * per-cpu allocations are infrequent, so the stack walk and the ring-buffer
 * event are affordable.
 */
#include "alloc_event.bpf.h"

#include <bpf/bpf_tracing.h>

SEC("tp_btf/percpu_alloc_percpu")
int BPF_PROG(sw_percpu_alloc, unsigned long call_site, bool reserved, bool is_atomic,
             size_t size, size_t align, void *base_addr, int off, void *ptr,
             size_t bytes_alloc, gfp_t gfp_flags)
{
  return sw_handle_alloc(ctx, SW_ALLOCATOR_PERCPU, call_site, is_atomic, size, align,
                         bytes_alloc, gfp_flags, false);
}

/* The failure tracepoint carries neither call site nor gfp: user space takes
 * the call site from the stack, and is_atomic decides the verdict. */
SEC("tp_btf/percpu_alloc_percpu_fail")
int BPF_PROG(sw_percpu_alloc_fail, bool reserved, bool is_atomic, size_t size, size_t align)
{
  return sw_handle_alloc(ctx, SW_ALLOCATOR_PERCPU, 0, is_atomic, size, align, 0, 0, true);
}
