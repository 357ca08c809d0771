#include "sinks/report/report_json.h"

#include "capture/json_writer.h"
#include "model/verdict.h"
#include "sinks/report/report_facts.h"

namespace submitwatch {
namespace {

void WriteHeader(JsonWriter& w, const CaptureHeader* header) {
  w.Key("header");
  if (header == nullptr) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Field("format", header->format);
  w.Field("version", header->version);
  w.Field("tool_version", header->tool_version);
  w.Field("host", header->host);
  w.Field("kernel", header->kernel);
  w.Field("start_unix_ns", header->start_unix_ns);
  w.Field("start_monotonic_ns", header->start_monotonic_ns);
  w.Field("cgroup_hierarchy", header->cgroup_hierarchy);
  w.Field("all_allocs", header->all_allocs);
  w.Field("user_stacks", header->user_stacks);
  w.Key("hooks");
  w.BeginArray();
  for (const HookMode& hook : header->hooks) {
    w.BeginObject();
    w.Field("hook", hook.hook);
    w.Field("mode", hook.mode);
    w.Field("detail", hook.detail);
    w.EndObject();
  }
  w.EndArray();
  w.StringArray("blind_spots", header->blind_spots);
  w.EndObject();
}

void WriteSummary(JsonWriter& w, const Model& model, const ReportFacts& facts) {
  w.Key("summary");
  w.BeginObject();
  w.Field("duration_ns", facts.duration_ns);
  w.Field("events", facts.events);
  w.Field("lost", facts.lost_total);
  const CaptureSummary* summary = model.summary();
  w.Field("workload_exit", summary != nullptr ? summary->workload_exit : -1);
  w.CountsObject("evicted", facts.evicted);
  w.Field("peak_map_entries", facts.peak_map_entries);
  w.EndObject();
}

void WriteCgroups(JsonWriter& w, const Model& model) {
  w.Key("cgroups");
  w.BeginArray();
  for (const CgroupRow& row : model.CgroupRows()) {
    w.BeginObject();
    w.Field("cgroup", row.cgroup);
    w.Field("cgroup_id", row.cgroup_id);
    w.Field("kthread", row.kthread);
    w.Field("disk", row.disk);
    w.Field("dev_major", row.dev_major);
    w.Field("dev_minor", row.dev_minor);
    w.Field("state", ReadinessName(row.state));
    w.Field("bios", row.bios);
    w.Field("bytes", row.bytes);
    w.Field("own_bios", row.own_bios);
    w.Field("own_bytes", row.own_bytes);
    w.Field("elsewhere_bios", row.elsewhere_bios);
    w.Field("elsewhere_bytes", row.elsewhere_bytes);
    w.Field("charged_to", row.charged_to);
    w.Field("failed_allocs", row.failed_allocs);
    w.Field("throttled_bios", row.throttled_bios);
    w.Field("passed_bios", row.passed_bios);
    w.Field("throttle_wait_ns", row.throttle_wait_ns);
    w.Field("throttle_wait_max_ns", row.throttle_wait_max_ns);
    w.Field("first_io_ns", row.first_io_ns);
    w.Field("ready_ns", row.ready_ns);
    w.Field("time_to_ready_ns", row.time_to_ready_ns);
    w.Field("last_ts_ns", row.last_ts_ns);
    w.EndObject();
  }
  w.EndArray();
}

void WriteAllocations(JsonWriter& w, const Model& model) {
  w.Key("allocations");
  w.BeginArray();
  for (const AllocRow& row : model.AllocRows()) {
    w.BeginObject();
    w.Field("verdict", VerdictName(row.verdict));
    w.Field("site", row.site);
    w.Field("site_offset", row.site_offset);
    w.Field("allocator", AllocatorName(row.allocator));
    w.Field("context", row.context_text);
    w.Field("work_func", row.work_func);
    w.Field("gfp", row.gfp);
    w.Field("gfp_raw", row.gfp_raw);
    w.Field("effective_gfp", row.effective_gfp);
    w.Field("effective_gfp_raw", row.effective_gfp_raw);
    w.Field("task_flags", row.task_flags);
    w.Field("cgroup", row.cgroup);
    w.Field("cgroup_id", row.cgroup_id);
    w.Field("comm", row.comm);
    w.Field("count", row.count);
    // A count here; the capture's per-record "failed" is a flag.
    w.Field("failed_count", row.failed);
    w.Field("bytes", row.bytes);
    w.Field("first_ns", row.first_ns);
    w.Field("last_ns", row.last_ns);
    w.Key("pids");
    w.BeginArray();
    for (uint32_t pid : row.pids) w.Uint(pid);
    w.EndArray();
    w.Key("stacks");
    w.BeginArray();
    for (const StackCount& stack : row.stacks) {
      w.BeginObject();
      w.Field("count", stack.count);
      w.StringArray("stack", *stack.frames);
      // As in the capture: only stacks recorded with --user-stacks.
      if (stack.user != nullptr) {
        w.StringArray("user_stack", *stack.user->frames);
        w.Field("user_stack_fallback", stack.user->fallback);
      }
      w.EndObject();
    }
    w.EndArray();
    w.Field("other_stacks", row.other_stacks);
    w.EndObject();
  }
  w.EndArray();
}

void WriteWorkqueues(JsonWriter& w, const Model& model) {
  w.Key("workqueues");
  w.BeginArray();
  for (const WqRow& row : model.WqRows()) {
    w.BeginObject();
    w.Field("function", row.function);
    w.Field("queued", row.queued);
    w.Field("activated", row.activated);
    w.Field("executed", row.executed);
    w.Field("latency_p50_ns", row.latency_p50_ns);
    w.Field("latency_p99_ns", row.latency_p99_ns);
    w.Field("latency_max_ns", row.latency_max_ns);
    w.Field("runtime_p50_ns", row.runtime_p50_ns);
    w.Field("runtime_p99_ns", row.runtime_p99_ns);
    w.Field("runtime_max_ns", row.runtime_max_ns);
    w.UintArray("latency_log2", row.latency_log2);
    w.UintArray("runtime_log2", row.runtime_log2);
    w.Field("allocates_percpu", row.allocates_percpu);
    w.EndObject();
  }
  w.EndArray();
}

void WriteLost(JsonWriter& w, const ReportFacts& facts) {
  w.Key("lost");
  w.BeginObject();
  w.Field("total", facts.lost_total);
  w.CountsObject("counts", facts.lost_by_reason);
  w.EndObject();
}

}  // namespace

std::string RenderReportJson(const Model& model) {
  const ReportFacts facts = GatherReportFacts(model);
  JsonWriter w;
  w.BeginObject();
  w.Field("schema", kReportJsonSchema);
  WriteHeader(w, model.header());
  WriteSummary(w, model, facts);
  WriteCgroups(w, model);
  WriteAllocations(w, model);
  WriteWorkqueues(w, model);
  WriteLost(w, facts);
  w.EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

}  // namespace submitwatch
