#include "loader/bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf/events.h"
#include "loader/hook_table.h"
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
  char buf[1024];
  vsnprintf(buf, sizeof(buf), format, args);
  LibbpfLog& log = Log();
  std::lock_guard<std::mutex> lock(log.mu);
  if (log.verbose || level == LIBBPF_WARN) {
    if (log.verbose) fputs(buf, stderr);
    log.lines.emplace_back(buf);
    while (log.lines.size() > 40) log.lines.pop_front();
  }
  return 0;
}

std::string ErrnoText(int err) {
  return absl::StrCat(strerrorname_np(err) ? strerrorname_np(err) : "errno ", " (",
                      strerror(err), ")");
}

absl::Status LoadError(int err) {
  if (err == EPERM || err == EACCES) {
    return absl::PermissionDeniedError(absl::StrCat(
        "loading BPF programs was refused: ", ErrnoText(err),
        ". Run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE"));
  }
  return absl::InternalError(absl::StrCat("loading BPF programs failed: ", ErrnoText(err),
                                          "; libbpf said:\n", RecentLibbpfMessages(),
                                          "run with --verbose for the verifier log"));
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

  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return absl::FailedPreconditionError(
        "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): "
        "submitwatch needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
  }
  btf* vmlinux_btf = btf__load_vmlinux_btf();
  if (vmlinux_btf == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot parse the kernel's BTF: ", ErrnoText(errno)));
  }

  skel_ = submitwatch_bpf::open();
  if (skel_ == nullptr) {
    btf__free(vmlinux_btf);
    return absl::InternalError(absl::StrCat("cannot open the BPF object: ", ErrnoText(errno)));
  }
  skel_->rodata->all_allocs = options.all_allocs;
  const size_t nr_ranges = std::min<size_t>(options.submit_ranges.size(), SW_MAX_SUBMIT_RANGES);
  skel_->rodata->nr_submit_ranges = static_cast<uint32_t>(nr_ranges);
  bpf_map__set_max_entries(skel_->maps.events, options.ringbuf_bytes);

  // A tracepoint this kernel lacks turns its hook off; the rest still loads.
  std::vector<bool> hook_ok;
  for (const HookSpec& spec : Hooks()) {
    std::vector<std::string> missing;
    for (const HookProgram& p : spec.programs) {
      const std::string type = absl::StrCat("btf_trace_", p.tracepoint);
      if (btf__find_by_name_kind(vmlinux_btf, type.c_str(), BTF_KIND_TYPEDEF) < 0) {
        missing.push_back(p.tracepoint);
      }
    }
    const bool ok = missing.empty();
    hook_ok.push_back(ok);
    for (const HookProgram& p : spec.programs) {
      bpf_program__set_autoload(bpf_object__find_program_by_name(skel_->obj, p.program), ok);
    }
    hooks_.push_back({spec.hook, ok ? "tracepoint" : "unavailable",
                      ok ? spec.tracepoint_blind_spot
                         : absl::StrCat("tracepoint missing on this kernel: ",
                                        absl::StrJoin(missing, ", "))});
  }
  btf__free(vmlinux_btf);

  if (int err = submitwatch_bpf::load(skel_); err != 0) return LoadError(-err);

  for (uint32_t i = 0; i < nr_ranges; ++i) {
    sw_submit_range range{options.submit_ranges[i].start, options.submit_ranges[i].end};
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.submit_ranges), &i, &range, BPF_ANY) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot fill the submit-path range map: ", ErrnoText(errno)));
    }
  }

  const std::vector<HookSpec>& specs = Hooks();
  for (size_t h = 0; h < specs.size(); ++h) {
    if (!hook_ok[h]) continue;
    std::vector<bpf_link*> hook_links;
    for (const HookProgram& p : specs[h].programs) {
      bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, p.program);
      bpf_link* link = bpf_program__attach(prog);
      if (link == nullptr) {
        const int err = errno;
        for (bpf_link* l : hook_links) bpf_link__destroy(l);
        hook_links.clear();
        hooks_[h].mode = "unavailable";
        hooks_[h].detail = absl::StrCat("attaching ", p.tracepoint, " failed: ", ErrnoText(err));
        break;
      }
      hook_links.push_back(link);
    }
    links_.insert(links_.end(), hook_links.begin(), hook_links.end());
    if (!hook_links.empty()) {
      for (const HookProgram& p : specs[h].programs) attached_names_.push_back(p.program);
    }
  }
  if (links_.empty()) {
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

absl::StatusOr<std::vector<ProgramStats>> BpfSession::ReadProgramStats() const {
  std::vector<ProgramStats> stats;
  for (const std::string& name : attached_names_) {
    const bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, name.c_str());
    bpf_prog_info info = {};
    uint32_t len = sizeof(info);
    if (prog == nullptr || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0) {
      return absl::InternalError(absl::StrCat("cannot read BPF program info of ", name, ": ",
                                              ErrnoText(errno)));
    }
    stats.push_back({name, info.run_time_ns, info.run_cnt});
  }
  return stats;
}

BpfSession::~BpfSession() {
  if (stats_fd_ >= 0) close(stats_fd_);
  for (bpf_link* link : links_) bpf_link__destroy(link);
  submitwatch_bpf::destroy(skel_);
}

}  // namespace submitwatch
