#include "capture/capture_writer.h"

#include <errno.h>
#include <unistd.h>

#include <type_traits>
#include <variant>

#include "absl/strings/str_format.h"
#include "capture/capture_format.h"
#include "capture/json_writer.h"
#include "common/errno_text.h"
#include "model/gfp.h"
#include "model/readiness.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

// Large enough that write(2) calls are rare, small enough to lose little if
// the process is killed.
constexpr size_t kFlushBytes = 64 << 10;

void WriteFields(JsonWriter& w, const CaptureHeader& h) {
  w.Field("type", kRecordTypeHeader);
  w.Field("format", h.format);
  w.Field("version", h.version);
  w.Field("tool_version", h.tool_version);
  w.Field("host", h.host);
  w.Field("kernel", h.kernel);
  w.Field("start_unix_ns", h.start_unix_ns);
  w.Field("start_monotonic_ns", h.start_monotonic_ns);
  w.Field("cgroup_hierarchy", h.cgroup_hierarchy);
  w.Field("all_allocs", h.all_allocs);
  w.Field("user_stacks", h.user_stacks);
  w.Key("hooks");
  w.BeginArray();
  for (const HookMode& hook : h.hooks) {
    w.BeginObject();
    w.Field("hook", hook.hook);
    w.Field("mode", hook.mode);
    w.Field("detail", hook.detail);
    w.EndObject();
  }
  w.EndArray();
  w.StringArray("blind_spots", h.blind_spots);
}

void WriteFields(JsonWriter& w, const AllocRecord& r) {
  w.Field("type", kRecordTypeAlloc);
  w.Field("ts_ns", r.ts_ns);
  w.Field("allocator", AllocatorName(r.allocator));
  w.Field("failed", r.failed);
  w.Field("is_atomic", r.is_atomic);
  w.Field("verdict", VerdictName(ClassifyAlloc(r)));  // derived
  w.Field("site", r.site);
  w.Field("site_offset", r.site_offset);
  w.Field("gfp_raw", r.gfp_raw);
  w.Field("gfp", GfpText(r.gfp_raw));  // derived
  w.Field("effective_gfp", GfpText(EffectiveGfp(r.gfp_raw, r.task_flags)));  // derived
  w.Field("task_flags", r.task_flags);
  // The text is for people; the reader takes the bits.
  w.Field("context", ContextText(r.context, r.work_func));
  w.Field("context_bits", r.context);
  w.Field("work_func", r.work_func);
  w.Field("size", r.size);
  w.Field("bytes", r.bytes);
  w.Field("cgroup_id", r.cgroup_id);
  w.Field("cgroup", r.cgroup);
  w.Field("pid", r.pid);
  w.Field("tid", r.tid);
  w.Field("comm", r.comm);
  w.StringArray("stack", r.stack);
  // Only with --user-stacks: other captures stay as they were.
  if (!r.user_stack.empty() || !r.user_stack_fallback.empty()) {
    w.StringArray("user_stack", r.user_stack);
    w.Field("user_stack_fallback", r.user_stack_fallback);
  }
}

void WriteFields(JsonWriter& w, const BlkgRecord& r) {
  w.Field("type", kRecordTypeBlkg);
  w.Field("ts_ns", r.ts_ns);
  w.Field("first_seen_ns", r.first_seen_ns);
  w.Field("state", ReadinessName(RowReadiness(r)));  // derived
  w.Field("cgroup_id", r.cgroup_id);
  w.Field("cgroup", r.cgroup);
  w.Field("kthread", r.kthread);
  w.Field("dev_major", r.dev_major);
  w.Field("dev_minor", r.dev_minor);
  w.Field("disk", r.disk);
  w.Field("blkg_cgroup_id", r.blkg_cgroup_id);
  w.Field("blkg_cgroup", r.blkg_cgroup);
  w.Field("online", r.online);
  w.Field("has_stats", r.has_stats);
  w.Field("bios", r.bios);
  w.Field("bytes", r.bytes);
}

void WriteFields(JsonWriter& w, const WqRecord& r) {
  w.Field("type", kRecordTypeWq);
  w.Field("ts_ns", r.ts_ns);
  w.Field("function", r.function);
  w.Field("queued", r.queued);
  w.Field("activated", r.activated);
  w.Field("executed", r.executed);
  w.Field("latency_max_ns", r.latency_max_ns);
  w.Field("runtime_max_ns", r.runtime_max_ns);
  w.UintArray("latency_log2", r.latency_log2);
  w.UintArray("runtime_log2", r.runtime_log2);
  w.Field("latency_sum_ns", r.latency_sum_ns);
  w.Field("runtime_sum_ns", r.runtime_sum_ns);
}

void WriteFields(JsonWriter& w, const ThrottleRecord& r) {
  w.Field("type", kRecordTypeThrottle);
  w.Field("ts_ns", r.ts_ns);
  w.Field("cgroup_id", r.cgroup_id);
  w.Field("cgroup", r.cgroup);
  w.Field("dev_major", r.dev_major);
  w.Field("dev_minor", r.dev_minor);
  w.Field("disk", r.disk);
  w.Field("throttled", r.throttled);
  w.Field("passed", r.passed);
  w.Field("queued_ns", r.queued_ns);
  w.Field("queued_max_ns", r.queued_max_ns);
}

void WriteFields(JsonWriter& w, const LostRecord& r) {
  w.Field("type", kRecordTypeLost);
  w.Field("ts_ns", r.ts_ns);
  w.CountsObject("counts", r.counts);
  w.Field("total", r.Total());  // derived
}

void WriteFields(JsonWriter& w, const CaptureSummary& s) {
  w.Field("type", kRecordTypeSummary);
  w.Field("ts_ns", s.ts_ns);
  w.Field("duration_ns", s.duration_ns);
  w.Field("events", s.events);
  w.Field("lost", s.lost);
  w.Field("workload_exit", s.workload_exit);
  w.CountsObject("evicted", s.evicted);
  w.Field("peak_map_entries", s.peak_map_entries);
  w.CountsObject("program_runs", s.program_runs);
}

// What the user can do about a failed write, for the errors that have an
// answer.
std::string_view WriteErrorHint(int error_number) {
  switch (error_number) {
    case ENOSPC:
    case EDQUOT: return "; free space or write the capture elsewhere";
    case EPIPE: return "; the program reading the output exited";
    case EFBIG: return "; the capture exceeds the file size limit (ulimit -f)";
    case EBADF: return "; the output is not open for writing";
    default: return "";
  }
}

}  // namespace

std::string CaptureWriter::FormatRecord(const Record& record) {
  JsonWriter w;
  w.BeginObject();
  std::visit([&w](const auto& r) { WriteFields(w, r); }, record);
  w.EndObject();
  return w.Take();
}

absl::Status CaptureWriter::Write(const Record& record) {
  if (!error_.ok()) return error_;
  buffer_ += FormatRecord(record);
  buffer_.push_back('\n');
  if (buffer_.size() >= kFlushBytes) return Flush();
  return absl::OkStatus();
}

absl::Status CaptureWriter::Flush() {
  if (!error_.ok()) return error_;
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // write(2) returns 0 only for a zero-length request; treat it as no
      // progress rather than spinning.
      const int error_number = n < 0 ? errno : EIO;
      error_ = WithErrno(absl::Status(absl::ErrnoToStatusCode(error_number),
                                      absl::StrFormat("cannot write the capture: %s%s",
                                                      ErrnoText(error_number),
                                                      WriteErrorHint(error_number))),
                         error_number);
      // The file is incomplete either way; do not hold the data forever.
      buffer_.clear();
      return error_;
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return absl::OkStatus();
}

}  // namespace submitwatch
