// What the caller asks of a load: the command line's loader flags.
#ifndef SUBMITWATCH_LOADER_LOADER_OPTIONS_H_
#define SUBMITWATCH_LOADER_LOADER_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loader/attach_mode.h"
#include "symbols/kernel_symbols.h"

namespace submitwatch {

struct LoaderOptions {
  // Unset picks the best mode per hook; a mode (ParseAttachMode of --mode)
  // forces it for every function hook and fails when the host cannot do it.
  std::optional<AttachMode> mode;
  bool slab = false;  // trace slab and page allocations in the submit path
  bool all_allocs = false;
  // Alloc events carry the allocating task's user stack (--user-stacks).
  bool user_stacks = false;
  uint32_t ringbuf_bytes = 1u << 20;  // power of two, >= page size
  // (blkg, cgroup) keys the kernel's bio counter table and its first-seen
  // table hold: preallocated, about 80 + 16 x possible CPUs bytes each.
  uint32_t bio_keys = 16384;
  std::vector<AddressRange> submit_ranges;
  const KernelSymbols* symbols = nullptr;  // kprobe targets must be in kallsyms
  bool verbose = false;  // pass libbpf's messages through to stderr
  // Trial every mode of every function hook, not only until one works
  // (`submitwatch probe` reports them all); the best one is still chosen.
  bool trial_all_modes = false;
  // BTF to read kernel types from instead of /sys/kernel/btf/vmlinux (a
  // vmlinux ELF or raw BTF), for CO-RE and to tell which hooks exist.
  std::string btf_path;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_LOADER_OPTIONS_H_
