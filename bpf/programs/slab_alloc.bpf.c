// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --slab: kmem:kmalloc, kmem:kmem_cache_alloc and kmem:mm_page_alloc, only
 * inside the submit path. These fire for every allocation on the host, so the
 * first thing each does is the per-task depth lookup; everything else happens
 * only in the submit path. Loaded only with fentry/kprobe submit depth.
 * Signatures as of 6.1 ("mm/slab: ... kmem_cache_alloc tracepoint takes
 * struct kmem_cache"); the loader checks them against BTF. raw_tp, not
 * tp_btf: 6.1's verifier refuses typed access to a `const void *` argument.
 */
#include "alloc_event.bpf.h"
#include "submit_depth.bpf.h"

#include <bpf/bpf_tracing.h>

SEC("raw_tp/kmalloc")
int BPF_PROG(sw_slab_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
             size_t bytes_alloc, gfp_t gfp_flags, int node)
{
  if (!sw_in_submit_depth())
    return 0;
  return sw_handle_alloc(ctx, SW_ALLOCATOR_SLAB, call_site, false, bytes_req, 0, bytes_alloc,
                         gfp_flags, ptr == NULL);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(sw_slab_cache_alloc, unsigned long call_site, const void *ptr,
             struct kmem_cache *s, gfp_t gfp_flags, int node)
{
  if (!sw_in_submit_depth())
    return 0;
  u64 size = BPF_CORE_READ(s, object_size);
  return sw_handle_alloc(ctx, SW_ALLOCATOR_SLAB, call_site, false, size, 0,
                         BPF_CORE_READ(s, size), gfp_flags, ptr == NULL);
}

SEC("raw_tp/mm_page_alloc")
int BPF_PROG(sw_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags,
             int migratetype)
{
  if (!sw_in_submit_depth())
    return 0;
  u64 bytes = 4096ull << order;
  return sw_handle_alloc(ctx, SW_ALLOCATOR_PAGE, 0, false, bytes, 0, bytes, gfp_flags,
                         page == NULL);
}
