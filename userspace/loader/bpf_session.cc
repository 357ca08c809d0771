#include "loader/bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf/events.h"
#include "common/errno_text.h"
#include "loader/attach_probe.h"
#include "loader/configure_object.h"
#include "loader/hook_table.h"
#include "loader/kernel_btf.h"
#include "loader/load_error.h"
#include "loader/load_plan.h"
#include "submitwatch.skel.h"

namespace submitwatch {
namespace {

// libbpf's print callback takes no user data, so its recent messages are kept
// here, process-wide, to be quoted when a load fails.
struct LibbpfLog {
  std::mutex mu;
  std::deque<std::string> lines;
  bool verbose = false;
};

LibbpfLog& Log() {
  static auto* const log = new LibbpfLog;
  return *log;
}

int LibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  // Verifier logs arrive as one message of many kilobytes: keep the tail,
  // where the verifier says what it refused.
  va_list copy;
  va_copy(copy, args);
  const int needed = vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string buf(needed > 0 ? static_cast<size_t>(needed) : 0, '\0');
  vsnprintf(buf.data(), buf.size() + 1, format, args);
  constexpr size_t kKeep = 16384;
  if (buf.size() > kKeep) buf = "[...]\n" + buf.substr(buf.size() - kKeep);
  LibbpfLog& log = Log();
  std::lock_guard<std::mutex> lock(log.mu);
  if (log.verbose || level == LIBBPF_WARN) {
    if (log.verbose) fputs(buf.c_str(), stderr);
    log.lines.push_back(std::move(buf));
    while (log.lines.size() > 40) log.lines.pop_front();
  }
  return 0;
}

// Phase 3: the verifier checks what phase 2 turned on; then the submit-path
// ranges go into their map (nr_submit_ranges of them, set in phase 2).
absl::Status LoadObject(submitwatch_bpf* skel, const LoaderOptions& options) {
  if (int err = submitwatch_bpf::load(skel); err != 0) {
    return ObjectLoadError(-err, RecentLibbpfMessages());
  }
  for (uint32_t i = 0; i < skel->rodata->nr_submit_ranges; ++i) {
    sw_submit_range range{options.submit_ranges[i].start, options.submit_ranges[i].end};
    if (bpf_map_update_elem(bpf_map__fd(skel->maps.submit_ranges), &i, &range, BPF_ANY) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot fill the submit-path range map: ", ErrnoText(errno)));
    }
  }
  return absl::OkStatus();
}

void Keep(submitwatch_bpf* skel, const ProgramSlot& slot, bpf_link* link,
          std::vector<AttachedProgram>& attached) {
  slot.LinkIn(skel) = link;
  attached.push_back({slot.In(skel), &slot.LinkIn(skel)});
}

// Phase 4a. A function hook that passed its trial but fails now is an error:
// the programs were loaded assuming it works.
absl::Status AttachFunctionHooks(const LoadPlan& plan, submitwatch_bpf* skel,
                                 std::vector<AttachedProgram>& attached) {
  for (const FunctionHookPlan& h : plan.function_hooks) {
    for (size_t i = 0; i < h.spec->points.size(); ++i) {
      const AttachPoint& point = h.spec->points[i];
      const std::string& fn = h.functions[i];
      for (const ProgramSlot& slot : ProgramsFor(point, h.mode)) {
        bpf_program* prog = slot.In(skel);
        bpf_link* link = h.mode == AttachMode::kFentry
                             ? bpf_program__attach(prog)
                             : bpf_program__attach_kprobe(prog, slot == point.kretprobe,
                                                          fn.c_str());
        if (link == nullptr) {
          const int err = errno;
          return absl::InternalError(absl::StrCat("attaching ", bpf_program__name(prog), " to ",
                                                  fn, " (", AttachModeName(h.mode),
                                                  ") failed: ", ErrnoText(err)));
        }
        Keep(skel, slot, link, attached);
      }
    }
  }
  return absl::OkStatus();
}

// Phase 4b. A tracepoint hook attaches whole or not at all; one that fails is
// marked unavailable in the plan and the others go on.
void AttachTracepointHooks(LoadPlan& plan, submitwatch_bpf* skel,
                           std::vector<AttachedProgram>& attached) {
  for (TracepointHookPlan& h : plan.tracepoint_hooks) {
    if (!h.attaches()) continue;
    std::vector<bpf_link*> links;
    for (const HookProgram& p : h.spec->programs) {
      bpf_link* link = bpf_program__attach(p.program.In(skel));
      if (link == nullptr) {
        h.attach_failure = absl::StrCat("attaching ", p.tracepoint, " failed: ", ErrnoText(errno));
        break;
      }
      links.push_back(link);
    }
    if (!h.attach_failure.empty()) {
      for (bpf_link* l : links) bpf_link__destroy(l);
      continue;
    }
    for (size_t i = 0; i < links.size(); ++i) {
      Keep(skel, h.spec->programs[i].program, links[i], attached);
    }
  }
}

}  // namespace

std::string RecentLibbpfMessages() {
  LibbpfLog& log = Log();
  std::lock_guard<std::mutex> lock(log.mu);
  return absl::StrJoin(log.lines, "");
}

absl::StatusOr<std::unique_ptr<BpfSession>> BpfSession::Open(const LoaderOptions& options) {
  std::unique_ptr<BpfSession> session(new BpfSession);
  if (absl::Status s = session->Load(options); !s.ok()) return s;
  return session;
}

absl::Status BpfSession::Load(const LoaderOptions& options) {
  Log().verbose = options.verbose;
  libbpf_set_print(LibbpfPrint);

  absl::StatusOr<BtfPtr> vmlinux_btf = LoadKernelBtf(options.btf_path);
  if (!vmlinux_btf.ok()) return vmlinux_btf.status();
  absl::StatusOr<LoadPlan> plan =
      ResolveTargets(options, vmlinux_btf->get(), TryAttach, probe_log_);
  if (!plan.ok()) return plan.status();

  LIBBPF_OPTS(bpf_object_open_opts, open_opts);
  if (!options.btf_path.empty()) open_opts.btf_custom_path = options.btf_path.c_str();
  skel_ = submitwatch_bpf::open(&open_opts);
  if (skel_ == nullptr) {
    return absl::InternalError(absl::StrCat("cannot open the BPF object: ", ErrnoText(errno)));
  }
  if (absl::Status s = ConfigureObject(*plan, options, skel_); !s.ok()) return s;
  if (absl::Status s = LoadObject(skel_, options); !s.ok()) return s;
  if (absl::Status s = AttachFunctionHooks(*plan, skel_, attached_); !s.ok()) return s;
  AttachTracepointHooks(*plan, skel_, attached_);
  hooks_ = plan->Describe();
  if (attached_.empty()) {
    return absl::FailedPreconditionError(
        "no hook could be attached on this kernel; see `submitwatch probe`");
  }
  return absl::OkStatus();
}

std::vector<std::string> BpfSession::BlindSpots() const {
  std::vector<std::string> spots;
  for (const HookMode& h : hooks_) {
    if (h.detail != "none") spots.push_back(absl::StrCat(h.hook, ": ", h.detail));
  }
  return spots;
}

absl::Status BpfSession::EnableRunTimeStats() {
  if (stats_fd_ >= 0) return absl::OkStatus();
  stats_fd_ = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (stats_fd_ < 0) {
    const int err = errno;
    stats_fd_ = -1;
    return absl::UnavailableError(
        absl::StrCat("cannot enable BPF run-time statistics: ", ErrnoText(err)));
  }
  return absl::OkStatus();
}

int BpfSession::attached_programs() const {
  int n = 0;
  for (const AttachedProgram& a : attached_) n += *a.link != nullptr;
  return n;
}

absl::StatusOr<std::vector<ProgramStats>> BpfSession::ReadProgramStats() const {
  std::vector<ProgramStats> stats;
  for (const AttachedProgram& a : attached_) {
    const char* name = bpf_program__name(a.program);
    bpf_prog_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(a.program), &info, &len) != 0) {
      return absl::InternalError(absl::StrCat("cannot read BPF program info of ", name, ": ",
                                              ErrnoText(errno)));
    }
    stats.push_back({name, info.run_time_ns, info.run_cnt});
  }
  return stats;
}

// The programs stay listed: their statistics outlive their links.
void BpfSession::Detach() {
  for (const AttachedProgram& a : attached_) {
    bpf_link__destroy(*a.link);
    *a.link = nullptr;
  }
}

BpfSession::~BpfSession() {
  if (stats_fd_ >= 0) close(stats_fd_);
  Detach();
  submitwatch_bpf::destroy(skel_);
}

}  // namespace submitwatch
