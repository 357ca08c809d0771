// Loads the BPF object, decides per hook what attaches on this kernel, and
// owns every kernel object it made: destroying the session detaches all
// links (links, not pinned objects, so a killed process leaves nothing).
#ifndef SUBMITWATCH_LOADER_BPF_SESSION_H_
#define SUBMITWATCH_LOADER_BPF_SESSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/records.h"
#include "symbols/kernel_symbols.h"

struct submitwatch_bpf;
struct bpf_link;

namespace submitwatch {

struct LoaderOptions {
  // "" picks the best mode per hook; "fentry", "kprobe" or "tracepoint" forces
  // one for every function hook and fails when the host cannot do it.
  std::string mode;
  bool slab = false;  // trace slab and page allocations in the submit path
  bool all_allocs = false;
  uint32_t ringbuf_bytes = 1u << 20;  // power of two, >= page size
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

// Kernel-side cost of one attached program, from bpf_prog_info.
struct ProgramStats {
  std::string program;
  uint64_t run_time_ns = 0;  // total, since load (with stats enabled)
  uint64_t run_count = 0;
};

class BpfSession {
 public:
  static absl::StatusOr<std::unique_ptr<BpfSession>> Open(const LoaderOptions& options);
  ~BpfSession();
  BpfSession(const BpfSession&) = delete;
  BpfSession& operator=(const BpfSession&) = delete;

  submitwatch_bpf* skel() const { return skel_; }
  const std::vector<HookMode>& hooks() const { return hooks_; }
  // What the probe of each function hook found, one line per trial
  // ("submit_bio: fentry refused at load: Operation not permitted (EPERM)").
  const std::vector<std::string>& probe_log() const { return probe_log_; }
  std::vector<std::string> BlindSpots() const;
  int attached_programs() const { return static_cast<int>(links_.size()); }
  // Detaches every program; maps, the ring buffer and the programs' run-time
  // statistics stay readable. Draining after this sees every event the
  // programs produced, and nothing can arrive later.
  void Detach();

  // Turns on the kernel's BPF run-time statistics for as long as this session
  // lives (BPF_ENABLE_STATS is fd-scoped: nothing stays enabled after exit).
  absl::Status EnableRunTimeStats();
  // Cost of each attached program; zero unless run-time stats are enabled.
  absl::StatusOr<std::vector<ProgramStats>> ReadProgramStats() const;

 private:
  BpfSession() = default;
  absl::Status Load(const LoaderOptions& options);

  submitwatch_bpf* skel_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<HookMode> hooks_;
  std::vector<std::string> attached_names_;
  std::vector<std::string> probe_log_;
  int stats_fd_ = -1;
};

// libbpf's recent messages (warnings and verifier logs), for error reports.
std::string RecentLibbpfMessages();

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_BPF_SESSION_H_
