/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The bio counters' table behind the per-CPU slots (struct sw_blkg_table_key
 * in events.h says how it is laid out and read): its maps, and the one way a
 * key gets its counters there. Included by maps.bpf.h, and alone by the
 * bench's filler (bench/scale_fill.bpf.c), which puts keys into a running
 * tool's table exactly as block_bio_queue does.
 */
#ifndef SUBMITWATCH_BLKG_TABLE_BPF_H_
#define SUBMITWATCH_BLKG_TABLE_BPF_H_

#include "core_fixes.bpf.h"
#include "events.h"

/* Indexes per CPU (--bio-keys); the loader sets it and every size below. */
const volatile __u32 blkg_table_stride = 16384;

/* key -> its index. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct sw_blkg_key);
  __type(value, u32);
} blkg_index SEC(".maps");

/* The counts: stride entries per possible CPU, each CPU's apart, so a CPU
 * counts with plain adds in memory no other CPU writes. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16384);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, u32);
  __type(value, struct sw_blkg_counters);
} blkg_table SEC(".maps");

/* index -> key, for the reader. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16384);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, u32);
  __type(value, struct sw_blkg_table_key);
} blkg_table_keys SEC(".maps");

/* Indexes given back (by user space after an eviction, or by a program that
 * lost a race to insert the same key), taken before fresh ones. */
struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 16384);
  __type(value, u32);
} blkg_table_free SEC(".maps");

/* The next fresh index: every index below it has been handed out once. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, u64);
} blkg_table_next SEC(".maps");

static __always_inline struct sw_blkg_counters *sw_blkg_table_counts(u32 cpu, u32 index)
{
  u32 at = sw_blkg_table_at(cpu, index, blkg_table_stride);
  return bpf_map_lookup_elem(&blkg_table, &at);
}

/* The miss half of sw_blkg_table_find(): a key's first bio in the table.
 * Rare path. */
static __noinline struct sw_blkg_counters *sw_blkg_table_insert(const struct sw_blkg_key *key,
                                                                u32 cpu, bool *created)
{
  u32 index;
  if (bpf_map_pop_elem(&blkg_table_free, &index) != 0) {
    u32 zero = 0;
    u64 *next = bpf_map_lookup_elem(&blkg_table_next, &zero);
    if (!next)
      return NULL;
    u64 fresh = __sync_fetch_and_add(next, 1);
    if (fresh >= blkg_table_stride)
      return NULL; /* full */
    index = (u32)fresh;
  }
  if (bpf_map_update_elem(&blkg_index, key, &index, BPF_NOEXIST) != 0) {
    /* Another CPU inserted the key meanwhile (or the hash is full): the
     * index goes back unused, its counts still zero. */
    bpf_map_push_elem(&blkg_table_free, &index, 0);
    u32 *found = bpf_map_lookup_elem(&blkg_index, key);
    return found ? sw_blkg_table_counts(cpu, *found) : NULL;
  }
  /* Named once it is the key's alone, so no key is ever named twice. Other
   * CPUs may count in it before: a reader skips an index it finds unnamed
   * (or being named, gen odd), and takes its counts at the next read. */
  struct sw_blkg_table_key *name = bpf_map_lookup_elem(&blkg_table_keys, &index);
  if (name) {
    __sync_fetch_and_add(&name->gen, 1);
    name->key = *key;
    __sync_fetch_and_add(&name->gen, 1);
  }
  *created = true;
  return sw_blkg_table_counts(cpu, index);
}

/* The counters of key on this CPU, the key given an index first if it has
 * none; *created says whether this call gave it one. NULL when the table is
 * full. */
static __always_inline struct sw_blkg_counters *sw_blkg_table_find(const struct sw_blkg_key *key,
                                                                   u32 cpu, bool *created)
{
  *created = false;
  u32 *index = bpf_map_lookup_elem(&blkg_index, key);
  if (index)
    return sw_blkg_table_counts(cpu, *index);
  return sw_blkg_table_insert(key, cpu, created);
}

#endif /* SUBMITWATCH_BLKG_TABLE_BPF_H_ */
