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
  bool all_allocs = false;
  uint32_t ringbuf_bytes = 1u << 20;  // power of two, >= page size
  std::vector<AddressRange> submit_ranges;
  bool verbose = false;  // pass libbpf's messages through to stderr
};

class BpfSession {
 public:
  static absl::StatusOr<std::unique_ptr<BpfSession>> Open(const LoaderOptions& options);
  ~BpfSession();
  BpfSession(const BpfSession&) = delete;
  BpfSession& operator=(const BpfSession&) = delete;

  submitwatch_bpf* skel() const { return skel_; }
  const std::vector<HookMode>& hooks() const { return hooks_; }
  std::vector<std::string> BlindSpots() const;
  int attached_programs() const { return static_cast<int>(links_.size()); }

 private:
  BpfSession() = default;
  absl::Status Load(const LoaderOptions& options);

  submitwatch_bpf* skel_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<HookMode> hooks_;
};

// libbpf's recent messages (warnings and verifier logs), for error reports.
std::string RecentLibbpfMessages();

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_BPF_SESSION_H_
