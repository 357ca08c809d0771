// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench/run's scale phase: puts N synthetic (blkg, cgroup) keys into
 * submitwatch's own maps, as N cgroups doing IO to one disk would, without
 * making N cgroups. The maps are the tool's (bpf_map__reuse_fd before load),
 * so its collector reads real kernel maps and receives real ring-buffer
 * events: for each key a cgroup_mkdir-like event naming the cgroup and the
 * first-seen event of the key, then the counts at the key's index in the
 * bio table, given as block_bio_queue gives it (bpf/blkg_table.bpf.h).
 *
 * Run with BPF_PROG_TEST_RUN, a range of keys per run. A run stops early when
 * the ring buffer is three quarters full and says how far it got: the
 * reader drains, and the next run goes on from there.
 */
#include "bpf/blkg_table.bpf.h"
#include "scale_fill.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Declared as the tool declares them (the bio table's in blkg_table.bpf.h);
 * the fds of its own replace them, and bench_tool sets blkg_table_stride to
 * the tool's. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Scratch for the cgroup event: too big for the BPF stack. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct sw_cgroup_event);
} cgroup_scratch SEC(".maps");

struct fill_state {
  struct sw_scale_fill args;
  u32 done;
  u32 full;
};

static __always_inline bool ring_has_room(void)
{
  u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
  return avail < size / 4 * 3;
}

/* "<prefix>/k<index, 7 digits>" into the event's path. */
static __always_inline void name_cgroup(struct sw_cgroup_event *e, const char *prefix,
                                        u32 index)
{
  u32 n = 0;
  for (; n < SW_SCALE_PREFIX_LEN && prefix[n]; n++)
    e->path[n] = prefix[n];
  if (n > SW_SCALE_PREFIX_LEN)
    return;
  e->path[n] = '/';
  e->path[n + 1] = 'k';
  for (int d = 6; d >= 0; d--) {
    e->path[n + 2 + d] = '0' + index % 10;
    index /= 10;
  }
  e->path[n + 9] = 0;
}

static long fill_one(u64 i, struct fill_state *st)
{
  struct sw_scale_fill *a = &st->args;
  u32 index = a->first + (u32)i;
  struct sw_blkg_key key = {
    /* A made-up blkg address per key: an identity only, never dereferenced. */
    .blkg = a->blkg_base + (u64)index * 512,
    .task_cgroup_id = a->cgroup_id_base + index,
  };
  if (a->announce) {
    if (!ring_has_room()) {
      st->full = 1;
      return 1;
    }
    u32 zero = 0;
    struct sw_cgroup_event *c = bpf_map_lookup_elem(&cgroup_scratch, &zero);
    if (!c)
      return 1;
    c->hdr.kind = SW_EVENT_CGROUP;
    c->hdr.ts_ns = bpf_ktime_get_ns();
    c->cgroup_id = key.task_cgroup_id;
    c->hierarchy_id = a->hierarchy_id;
    c->removed = 0;
    name_cgroup(c, a->prefix, index);
    bpf_ringbuf_output(&events, c, sizeof(*c), BPF_RB_NO_WAKEUP);

    struct sw_blkg_seen_event e = {};
    e.hdr.kind = SW_EVENT_BLKG_SEEN;
    e.hdr.ts_ns = bpf_ktime_get_ns();
    e.key = key;
    e.blkg_cgroup_id = key.task_cgroup_id; /* its own blkg: ready */
    e.dev_major = a->dev_major;
    e.dev_minor = a->dev_minor;
    e.online = 1;
    e.has_stats = 1;
    __builtin_memcpy(e.disk_name, a->disk_name, sizeof(e.disk_name));
    bpf_ringbuf_output(&events, &e, sizeof(e), BPF_RB_NO_WAKEUP);
  }
  bool created;
  struct sw_blkg_counters *c = sw_blkg_table_find(&key, bpf_get_smp_processor_id(), &created);
  if (!c)
    return 1;
  c->bios = a->bios + index % 7;
  c->bytes = (a->bios + index % 7) * 4096;
  st->done++;
  return 0;
}

SEC("syscall")
int fill_keys(struct sw_scale_fill *ctx)
{
  struct fill_state st = {.args = *ctx};
  bpf_loop(st.args.count, fill_one, &st, 0);
  ctx->done = st.done;
  ctx->ring_full = st.full;
  return 0;
}
