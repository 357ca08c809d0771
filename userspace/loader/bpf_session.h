// Loads the BPF object in four phases (resolve targets: load_plan.h;
// configure: configure_object.h; load; attach) and owns every kernel object
// it made: destroying the session detaches all links (links, not pinned
// objects, so a killed process leaves nothing).
#ifndef SUBMITWATCH_LOADER_BPF_SESSION_H_
#define SUBMITWATCH_LOADER_BPF_SESSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "loader/loader_options.h"
#include "model/records.h"

struct bpf_link;
struct bpf_program;
struct submitwatch_bpf;

namespace submitwatch {

// A program with a link, kept in the skeleton's own link slot.
struct AttachedProgram {
  bpf_program* program;
  bpf_link** link;  // &skel->links.<program>
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
  int attached_programs() const;  // with a link now
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
  std::vector<AttachedProgram> attached_;  // in attach order
  std::vector<HookMode> hooks_;
  std::vector<std::string> probe_log_;
  int stats_fd_ = -1;
};

// libbpf's recent messages (warnings and verifier logs), for error reports.
std::string RecentLibbpfMessages();

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_BPF_SESSION_H_
