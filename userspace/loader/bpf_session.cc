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
#include <optional>

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf/events.h"
#include "common/errno_text.h"
#include "loader/attach_probe.h"
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

absl::Status LoadError(int err) {
  // EACCES from BPF_PROG_LOAD is the verifier saying no, not a privilege
  // problem: only EPERM is.
  if (err == EPERM) {
    return absl::PermissionDeniedError(absl::StrCat(
        "loading BPF programs was refused: ", ErrnoText(err),
        ". Run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE"));
  }
  return absl::InternalError(absl::StrCat("loading BPF programs failed: ", ErrnoText(err),
                                          "; libbpf said:\n", RecentLibbpfMessages(),
                                          "run with --verbose for the verifier log"));
}


bpf_program* FindProgram(submitwatch_bpf* skel, const char* name) {
  return bpf_object__find_program_by_name(skel->obj, name);
}

// Parameters of a tracepoint's btf_trace_<name> typedef (a pointer to a
// FUNC_PROTO), including the leading void *.
int TracepointArgs(const btf* b, int typedef_id) {
  const btf_type* t = btf__type_by_id(b, typedef_id);
  if (t == nullptr) return -1;
  t = btf__type_by_id(b, t->type);  // the pointer
  if (t == nullptr || !btf_is_ptr(t)) return -1;
  t = btf__type_by_id(b, t->type);  // the prototype
  if (t == nullptr || !btf_is_func_proto(t)) return -1;
  return btf_vlen(t);
}

struct ResolvedFunctionHook {
  const FunctionHookSpec* spec = nullptr;
  AttachMode mode = AttachMode::kTracepoint;
  std::vector<std::string> functions;  // resolved name per attach point
  std::string why_not;                 // why better modes were not used

  HookMode Describe() const {
    HookMode m{spec->hook, AttachModeName(mode), ""};
    if (mode == AttachMode::kTracepoint) {
      m.detail = absl::StrCat(spec->without, why_not.empty() ? "" : " [", why_not,
                              why_not.empty() ? "" : "]");
    } else {
      m.detail = absl::StrCat("none (", absl::StrJoin(functions, ", "), ")");
    }
    return m;
  }
};

using BtfPtr = std::unique_ptr<btf, void (*)(btf*)>;

// The kernel's types: from `path` when given (--btf), else the running
// kernel's own BTF.
absl::StatusOr<BtfPtr> LoadKernelBtf(const std::string& path) {
  if (path.empty()) {
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
      return absl::FailedPreconditionError(
          "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): "
          "submitwatch needs a kernel built with CONFIG_DEBUG_INFO_BTF=y, or "
          "--btf FILE with this kernel's BTF");
    }
    BtfPtr b(btf__load_vmlinux_btf(), btf__free);
    if (b == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot parse the kernel's BTF: ", ErrnoText(errno)));
    }
    return b;
  }
  if (access(path.c_str(), R_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--btf ", path, ": cannot read it: ", ErrnoText(errno),
                     "; give a vmlinux or a raw BTF file of this kernel"));
  }
  BtfPtr b(btf__parse(path.c_str(), nullptr), btf__free);
  if (b == nullptr) {
    // libbpf's own codes (4000 and up) say no more than "bad format".
    const int err = errno;
    return absl::FailedPreconditionError(
        absl::StrCat("--btf ", path, ": not a valid BTF file",
                     err > 0 && err < 4000 ? absl::StrCat(" (", ErrnoText(err), ")") : "",
                     "; give a vmlinux with a .BTF section or a raw BTF file, e.g. "
                     "a copy of /sys/kernel/btf/vmlinux"));
  }
  return b;
}

// Tries fentry, then kprobe (or only the forced mode) on every attach point.
absl::StatusOr<ResolvedFunctionHook> ResolveFunctionHook(const FunctionHookSpec& spec,
                                                         std::optional<AttachMode> forced,
                                                         const btf* vmlinux_btf,
                                                         const KernelSymbols* symbols,
                                                         bool trial_all_modes,
                                                         std::vector<std::string>& log) {
  ResolvedFunctionHook result;
  result.spec = &spec;
  std::vector<AttachMode> candidates = {AttachMode::kFentry, AttachMode::kKprobe};
  if (forced) candidates = {*forced};
  std::vector<std::string> failures;
  for (AttachMode mode : candidates) {
    if (mode == AttachMode::kTracepoint) break;
    std::vector<std::string> functions;
    std::string failure;
    for (const AttachPoint& point : spec.points) {
      std::string found;
      for (const char* fn : point.functions) {
        const bool exists = mode == AttachMode::kFentry
                                ? FunctionInBtf(vmlinux_btf, fn)
                                : symbols == nullptr || symbols->Has(fn);
        if (exists) {
          found = fn;
          break;
        }
      }
      if (found.empty()) {
        failure = absl::StrCat(AttachModeName(mode), ": no ",
                               absl::StrJoin(point.functions, " or "), " on this kernel");
        break;
      }
      absl::Status trial = TryAttach(mode, found);
      log.push_back(absl::StrCat(spec.hook, ": ", found, ": ",
                                 trial.ok() ? absl::StrCat(AttachModeName(mode), " works")
                                            : std::string(trial.message())));
      if (!trial.ok()) {
        failure = std::string(trial.message());
        break;
      }
      functions.push_back(found);
    }
    if (failure.empty()) {
      if (result.functions.empty()) {
        result.mode = mode;
        result.functions = std::move(functions);
      }
      if (!trial_all_modes) return result;
      continue;
    }
    failures.push_back(failure);
  }
  if (!result.functions.empty()) return result;
  result.why_not = absl::StrJoin(failures, "; ");
  if (forced && *forced != AttachMode::kTracepoint) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--mode ", AttachModeName(*forced), ": this host cannot hook ", spec.hook, ": ",
        result.why_not, ". Run `submitwatch probe` to see what works here"));
  }
  return result;
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

  std::optional<AttachMode> forced;
  if (!options.mode.empty()) {
    if (options.mode == "fentry") forced = AttachMode::kFentry;
    else if (options.mode == "kprobe") forced = AttachMode::kKprobe;
    else if (options.mode == "tracepoint") forced = AttachMode::kTracepoint;
    else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--mode: '", options.mode, "' is not one of fentry, kprobe, tracepoint"));
    }
  }
  absl::StatusOr<BtfPtr> vmlinux_btf = LoadKernelBtf(options.btf_path);
  if (!vmlinux_btf.ok()) return vmlinux_btf.status();

  // 1. Function hooks: the best mode every attach point of the hook allows.
  std::vector<ResolvedFunctionHook> function_hooks;
  for (const FunctionHookSpec& spec : FunctionHooks()) {
    absl::StatusOr<ResolvedFunctionHook> hook =
        ResolveFunctionHook(spec, forced, vmlinux_btf->get(), options.symbols,
                            options.trial_all_modes, probe_log_);
    if (!hook.ok()) return hook.status();
    function_hooks.push_back(*std::move(hook));
  }
  const AttachMode submit_mode = function_hooks[0].mode;
  if (options.slab && submit_mode == AttachMode::kTracepoint) {
    return absl::FailedPreconditionError(
        "--slab needs the submit path hooked with fentry or kprobe (slab and page "
        "allocations are too frequent to walk the stack of each), but this host "
        "only allows tracepoint mode: see `submitwatch probe`");
  }

  LIBBPF_OPTS(bpf_object_open_opts, open_opts);
  if (!options.btf_path.empty()) open_opts.btf_custom_path = options.btf_path.c_str();
  skel_ = submitwatch_bpf::open(&open_opts);
  if (skel_ == nullptr) {
    return absl::InternalError(absl::StrCat("cannot open the BPF object: ", ErrnoText(errno)));
  }
  skel_->rodata->all_allocs = options.all_allocs;
  const size_t nr_ranges = std::min<size_t>(options.submit_ranges.size(), SW_MAX_SUBMIT_RANGES);
  skel_->rodata->nr_submit_ranges = static_cast<uint32_t>(nr_ranges);
  skel_->rodata->submit_depth_mode = submit_mode != AttachMode::kTracepoint;
  for (const ResolvedFunctionHook& h : function_hooks) {
    if (std::string(h.spec->hook) == "blkg_assoc") {
      skel_->rodata->assoc_mode = h.mode != AttachMode::kTracepoint;
    }
    if (std::string(h.spec->hook) == "blk_throtl") {
      skel_->rodata->throttle_mode = h.mode != AttachMode::kTracepoint;
    }
  }
  bpf_map__set_max_entries(skel_->maps.events, options.ringbuf_bytes);
  // One element of bio slots per CPU, indexed by the CPU's number.
  if (const int cpus = libbpf_num_possible_cpus(); cpus > 0) {
    bpf_map__set_max_entries(skel_->maps.blkg_slots, static_cast<uint32_t>(cpus));
  }

  for (const ResolvedFunctionHook& h : function_hooks) {
    for (size_t i = 0; i < h.spec->points.size(); ++i) {
      const AttachPoint& point = h.spec->points[i];
      for (const char* name : {point.fentry, point.fexit, point.kprobe, point.kretprobe}) {
        if (name == nullptr) continue;
        bpf_program* prog = FindProgram(skel_, name);
        const bool fentry_prog = name == point.fentry || name == point.fexit;
        const bool wanted = h.mode == AttachMode::kFentry ? fentry_prog
                            : h.mode == AttachMode::kKprobe ? !fentry_prog
                                                            : false;
        bpf_program__set_autoload(prog, wanted);
        if (wanted && fentry_prog) {
          bpf_program__set_attach_target(prog, 0, h.functions[i].c_str());
        }
      }
    }
    hooks_.push_back(h.Describe());
  }

  // 2. Tracepoint hooks: present in BTF with the expected signature, or off.
  std::vector<bool> tracepoint_ok;
  for (const TracepointHookSpec& spec : TracepointHooks()) {
    const bool wanted = !spec.optional || options.slab;
    std::vector<std::string> problems;
    for (const HookProgram& p : spec.programs) {
      const std::string type = absl::StrCat("btf_trace_", p.tracepoint);
      const int id = btf__find_by_name_kind(vmlinux_btf->get(), type.c_str(), BTF_KIND_TYPEDEF);
      if (id < 0) {
        problems.push_back(absl::StrCat(p.tracepoint, " missing on this kernel"));
      } else if (p.btf_args >= 0 && TracepointArgs(vmlinux_btf->get(), id) != p.btf_args) {
        problems.push_back(absl::StrCat(p.tracepoint, " has another signature on this kernel"));
      }
    }
    const bool ok = wanted && problems.empty();
    tracepoint_ok.push_back(ok);
    for (const HookProgram& p : spec.programs) {
      bpf_program__set_autoload(FindProgram(skel_, p.program), ok);
    }
    if (!wanted) continue;
    if (spec.optional && !ok) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--", spec.hook, ": cannot trace here: ", absl::StrJoin(problems, "; ")));
    }
    hooks_.push_back({spec.hook, ok ? "tracepoint" : "unavailable",
                      ok ? spec.blind_spot : absl::StrJoin(problems, "; ")});
  }

  if (int err = submitwatch_bpf::load(skel_); err != 0) return LoadError(-err);

  for (uint32_t i = 0; i < nr_ranges; ++i) {
    sw_submit_range range{options.submit_ranges[i].start, options.submit_ranges[i].end};
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.submit_ranges), &i, &range, BPF_ANY) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot fill the submit-path range map: ", ErrnoText(errno)));
    }
  }

  // 3. Attach. A function hook that passed its trial but fails now is an
  // error: the programs were loaded assuming it works.
  for (const ResolvedFunctionHook& h : function_hooks) {
    if (h.mode == AttachMode::kTracepoint) continue;
    for (size_t i = 0; i < h.spec->points.size(); ++i) {
      const AttachPoint& point = h.spec->points[i];
      const std::string& fn = h.functions[i];
      const bool fentry = h.mode == AttachMode::kFentry;
      for (const char* name : fentry ? std::vector<const char*>{point.fentry, point.fexit}
                                     : std::vector<const char*>{point.kprobe, point.kretprobe}) {
        if (name == nullptr) continue;
        bpf_program* prog = FindProgram(skel_, name);
        bpf_link* link = fentry ? bpf_program__attach(prog)
                                : bpf_program__attach_kprobe(prog, name == point.kretprobe,
                                                             fn.c_str());
        if (link == nullptr) {
          return absl::InternalError(absl::StrCat("attaching ", name, " to ", fn, " (",
                                                  AttachModeName(h.mode),
                                                  ") failed: ", ErrnoText(errno)));
        }
        links_.push_back(link);
        attached_names_.push_back(name);
      }
    }
  }
  const std::vector<TracepointHookSpec>& specs = TracepointHooks();
  for (size_t h = 0; h < specs.size(); ++h) {
    if (!tracepoint_ok[h]) continue;
    std::vector<bpf_link*> hook_links;
    std::string failure;
    for (const HookProgram& p : specs[h].programs) {
      bpf_link* link = bpf_program__attach(FindProgram(skel_, p.program));
      if (link == nullptr) {
        failure = absl::StrCat("attaching ", p.tracepoint, " failed: ", ErrnoText(errno));
        break;
      }
      hook_links.push_back(link);
    }
    if (!failure.empty()) {
      for (bpf_link* l : hook_links) bpf_link__destroy(l);
      for (HookMode& m : hooks_) {
        if (m.hook == specs[h].hook) {
          m.mode = "unavailable";
          m.detail = failure;
        }
      }
      continue;
    }
    links_.insert(links_.end(), hook_links.begin(), hook_links.end());
    for (const HookProgram& p : specs[h].programs) attached_names_.push_back(p.program);
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

void BpfSession::Detach() {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
}

BpfSession::~BpfSession() {
  if (stats_fd_ >= 0) close(stats_fd_);
  Detach();
  submitwatch_bpf::destroy(skel_);
}

}  // namespace submitwatch
