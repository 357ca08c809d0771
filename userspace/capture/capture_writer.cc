#include "capture/capture_writer.h"

#include <type_traits>
#include <variant>

#include "capture/capture_format.h"
#include "capture/json_writer.h"
#include "model/gfp.h"
#include "model/readiness.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

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

void WriteFields(JsonWriter& w, const AllocRecord& r, std::string& scratch) {
  w.Field("type", kRecordTypeAlloc);
  w.Field("ts_ns", r.ts_ns);
  w.Field("allocator", AllocatorName(r.allocator));
  w.Field("failed", r.failed);
  w.Field("is_atomic", r.is_atomic);
  w.Field("verdict", VerdictName(ClassifyAlloc(r)));  // derived
  w.Field("site", r.site);
  w.Field("site_offset", r.site_offset);
  w.Field("gfp_raw", r.gfp_raw);
  scratch.clear();
  AppendGfpText(scratch, r.gfp_raw);
  w.Field("gfp", scratch);  // derived
  scratch.clear();
  AppendGfpText(scratch, EffectiveGfp(r.gfp_raw, r.task_flags));
  w.Field("effective_gfp", scratch);  // derived
  w.Field("task_flags", r.task_flags);
  // The text is for people; the reader takes the bits.
  scratch.clear();
  AppendContextText(scratch, r.context, r.work_func);
  w.Field("context", scratch);
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

}  // namespace

std::string CaptureWriter::FormatRecord(const Record& record) {
  CaptureWriter writer;
  std::string line;
  writer.AppendLine(record, line);
  line.pop_back();
  return line;
}

void CaptureWriter::AppendLine(const Record& record, std::string& out) {
  JsonWriter w(&out);
  w.BeginObject();
  std::visit(
      [&](const auto& r) {
        if constexpr (std::is_same_v<std::decay_t<decltype(r)>, AllocRecord>) {
          WriteFields(w, r, scratch_);
        } else {
          WriteFields(w, r);
        }
      },
      record);
  w.EndObject();
  out.push_back('\n');
}

}  // namespace submitwatch
