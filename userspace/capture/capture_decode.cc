#include "capture/capture_decode.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "capture/capture_format.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

std::string Describe(const JsonValue& value) {
  if (const std::optional<uint64_t> u = value.AsUint64()) return absl::StrCat(*u);
  if (const std::optional<int64_t> i = value.AsInt64()) return absl::StrCat(*i);
  return std::string(JsonValue::KindName(value.kind()));
}

// Reads typed fields of one JSON object and keeps the first error, so the
// decoders below read as a list of fields with one check at the end. Strings
// are moved out of the object: each field is read once, and copying them
// was a good part of reading a capture back.
class Fields {
 public:
  // `members` must outlive this.
  Fields(JsonValue::Object& members, std::string_view type, std::string prefix = "")
      : members_(members), type_(type), prefix_(std::move(prefix)) {}

  const absl::Status& status() const { return status_; }
  bool Has(std::string_view key) { return Find(key) != nullptr; }

  uint64_t Uint64(std::string_view key) {
    return Unsigned(key, std::numeric_limits<uint64_t>::max());
  }
  uint32_t Uint32(std::string_view key) {
    return static_cast<uint32_t>(Unsigned(key, std::numeric_limits<uint32_t>::max()));
  }
  int64_t Int64(std::string_view key) {
    return Signed(key, std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<int64_t>::max());
  }
  int Int(std::string_view key) {
    return static_cast<int>(
        Signed(key, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  }

  bool Bool(std::string_view key) {
    const JsonValue* value = Get(key);
    if (value == nullptr) return false;
    if (const std::optional<bool> b = value->AsBool()) return *b;
    Fail(key, "expected true or false, got " + Describe(*value));
    return false;
  }

  std::string String(std::string_view key) {
    JsonValue* value = Get(key);
    if (value == nullptr) return "";
    if (std::string* s = value->AsString()) return std::move(*s);
    Fail(key, "expected a string, got " + Describe(*value));
    return "";
  }

  std::vector<std::string> StringArray(std::string_view key) {
    std::vector<std::string> out;
    JsonValue::Array* items = Array(key);
    if (items == nullptr) return out;
    out.reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      std::string* s = (*items)[i].AsString();
      if (s == nullptr) {
        Fail(absl::StrFormat("%s[%d]", key, i),
             "expected a string, got " + Describe((*items)[i]));
        return {};
      }
      out.push_back(std::move(*s));
    }
    return out;
  }

  std::vector<uint64_t> Uint64Array(std::string_view key) {
    std::vector<uint64_t> out;
    const JsonValue::Array* items = Array(key);
    if (items == nullptr) return out;
    out.reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      const std::optional<uint64_t> u = (*items)[i].AsUint64();
      if (!u) {
        Fail(absl::StrFormat("%s[%d]", key, i),
             "expected a non-negative integer, got " + Describe((*items)[i]));
        return {};
      }
      out.push_back(*u);
    }
    return out;
  }

  JsonValue::Array* Array(std::string_view key) {
    JsonValue* value = Get(key);
    if (value == nullptr) return nullptr;
    if (JsonValue::Array* a = value->AsArray()) return a;
    Fail(key, "expected an array, got " + Describe(*value));
    return nullptr;
  }

  JsonValue::Object* Object(std::string_view key) {
    JsonValue* value = Get(key);
    if (value == nullptr) return nullptr;
    if (JsonValue::Object* o = value->AsObject()) return o;
    Fail(key, "expected an object, got " + Describe(*value));
    return nullptr;
  }

  // Every field of format version 1 is required: a missing one means the
  // line is damaged, and guessing a default would hide that.
  JsonValue* Get(std::string_view key) {
    if (!status_.ok()) return nullptr;
    JsonValue* value = Find(key);
    if (value == nullptr) {
      status_ = absl::InvalidArgumentError(
          absl::StrFormat("%s record: missing field \"%s%s\"", type_, prefix_, key));
    }
    return value;
  }

  void Fail(std::string_view key, std::string_view message) {
    if (!status_.ok()) return;
    status_ = absl::InvalidArgumentError(
        absl::StrFormat("%s record: field \"%s%s\": %s", type_, prefix_, key, message));
  }

 private:
  uint64_t Unsigned(std::string_view key, uint64_t max) {
    const JsonValue* value = Get(key);
    if (value == nullptr) return 0;
    const std::optional<uint64_t> u = value->AsUint64();
    if (!u || *u > max) {
      Fail(key, absl::StrFormat("expected an integer in [0, %d], got %s", max,
                                Describe(*value)));
      return 0;
    }
    return *u;
  }

  int64_t Signed(std::string_view key, int64_t min, int64_t max) {
    const JsonValue* value = Get(key);
    if (value == nullptr) return 0;
    const std::optional<int64_t> i = value->AsInt64();
    if (!i || *i < min || *i > max) {
      Fail(key, absl::StrFormat("expected an integer in [%d, %d], got %s", min, max,
                                Describe(*value)));
      return 0;
    }
    return *i;
  }

  // The member named `key`, looked for from the last one found (Has() then
  // a read ask for the same one) onwards: the writer writes the fields in
  // the order the decoders read them, so this is a comparison or two per
  // field, where a search from the start was a dozen.
  JsonValue* Find(std::string_view key) {
    const size_t n = members_.size();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (last_ + k) % n;
      if (members_[i].first == key) {
        last_ = i;
        return &members_[i].second;
      }
    }
    return nullptr;
  }

  JsonValue::Object& members_;
  size_t last_ = 0;
  std::string_view type_;
  std::string prefix_;
  absl::Status status_;
};

absl::StatusOr<Record> DecodeHeader(Fields& f) {
  CaptureHeader h;
  h.format = f.String("format");
  h.version = f.Int("version");
  h.tool_version = f.String("tool_version");
  h.host = f.String("host");
  h.kernel = f.String("kernel");
  h.start_unix_ns = f.Int64("start_unix_ns");
  h.start_monotonic_ns = f.Uint64("start_monotonic_ns");
  h.cgroup_hierarchy = f.String("cgroup_hierarchy");
  h.all_allocs = f.Bool("all_allocs");
  // Optional: captures written before --user-stacks existed lack it.
  if (f.Has("user_stacks")) h.user_stacks = f.Bool("user_stacks");
  if (JsonValue::Array* hooks = f.Array("hooks")) {
    for (size_t i = 0; i < hooks->size(); ++i) {
      JsonValue& item = (*hooks)[i];
      JsonValue::Object* members = item.AsObject();
      if (members == nullptr) {
        f.Fail(absl::StrCat("hooks[", i, "]"), "expected an object, got " + Describe(item));
        break;
      }
      Fields hook_fields(*members, kRecordTypeHeader, absl::StrCat("hooks[", i, "]."));
      HookMode hook;
      hook.hook = hook_fields.String("hook");
      hook.mode = hook_fields.String("mode");
      hook.detail = hook_fields.String("detail");
      if (!hook_fields.status().ok()) return hook_fields.status();
      h.hooks.push_back(std::move(hook));
    }
  }
  h.blind_spots = f.StringArray("blind_spots");
  if (!f.status().ok()) return f.status();
  return h;
}

absl::StatusOr<Record> DecodeAlloc(Fields& f) {
  AllocRecord r;
  r.ts_ns = f.Uint64("ts_ns");
  const std::string allocator = f.String("allocator");
  if (f.status().ok()) {
    if (const std::optional<Allocator> a = ParseAllocator(allocator)) {
      r.allocator = *a;
    } else {
      f.Fail("allocator", absl::StrFormat("unknown allocator \"%s\" (expected percpu, "
                                          "slab or page)", absl::CEscape(allocator)));
    }
  }
  r.failed = f.Bool("failed");
  r.is_atomic = f.Bool("is_atomic");
  r.site = f.String("site");
  r.site_offset = f.String("site_offset");
  r.gfp_raw = f.Uint64("gfp_raw");
  r.task_flags = f.Uint32("task_flags");
  r.work_func = f.String("work_func");
  // context_bits is exact; the text is the fallback for files written
  // without it.
  if (f.Has("context_bits")) {
    r.context = f.Uint32("context_bits");
  } else {
    std::string work_func_from_text;
    r.context = ParseContextText(f.String("context"), &work_func_from_text);
  }
  r.size = f.Uint64("size");
  r.bytes = f.Uint64("bytes");
  r.cgroup_id = f.Uint64("cgroup_id");
  r.cgroup = f.String("cgroup");
  r.pid = f.Uint32("pid");
  r.tid = f.Uint32("tid");
  r.comm = f.String("comm");
  r.stack = f.StringArray("stack");
  // Optional: only records taken with --user-stacks have them.
  if (f.Has("user_stack")) r.user_stack = f.StringArray("user_stack");
  if (f.Has("user_stack_fallback")) r.user_stack_fallback = f.String("user_stack_fallback");
  if (!f.status().ok()) return f.status();
  return r;
}

absl::StatusOr<Record> DecodeBlkg(Fields& f) {
  BlkgRecord r;
  r.ts_ns = f.Uint64("ts_ns");
  r.first_seen_ns = f.Uint64("first_seen_ns");
  r.cgroup_id = f.Uint64("cgroup_id");
  r.cgroup = f.String("cgroup");
  r.kthread = f.Bool("kthread");
  r.dev_major = f.Uint32("dev_major");
  r.dev_minor = f.Uint32("dev_minor");
  r.disk = f.String("disk");
  r.blkg_cgroup_id = f.Uint64("blkg_cgroup_id");
  r.blkg_cgroup = f.String("blkg_cgroup");
  r.online = f.Bool("online");
  r.has_stats = f.Bool("has_stats");
  r.bios = f.Uint64("bios");
  r.bytes = f.Uint64("bytes");
  if (!f.status().ok()) return f.status();
  return r;
}

absl::StatusOr<Record> DecodeWq(Fields& f) {
  WqRecord r;
  r.ts_ns = f.Uint64("ts_ns");
  r.function = f.String("function");
  r.queued = f.Uint64("queued");
  r.activated = f.Uint64("activated");
  r.executed = f.Uint64("executed");
  r.latency_max_ns = f.Uint64("latency_max_ns");
  r.runtime_max_ns = f.Uint64("runtime_max_ns");
  r.latency_log2 = f.Uint64Array("latency_log2");
  r.runtime_log2 = f.Uint64Array("runtime_log2");
  // Optional: captures written before these existed lack them.
  if (f.Has("latency_sum_ns")) r.latency_sum_ns = f.Uint64("latency_sum_ns");
  if (f.Has("runtime_sum_ns")) r.runtime_sum_ns = f.Uint64("runtime_sum_ns");
  if (!f.status().ok()) return f.status();
  return r;
}

// {"reason": count, ...}
std::map<std::string, uint64_t> Counts(Fields& f, std::string_view key) {
  std::map<std::string, uint64_t> out;
  if (const JsonValue::Object* counts = f.Object(key)) {
    for (const auto& [reason, value] : *counts) {
      const std::optional<uint64_t> n = value.AsUint64();
      if (!n) {
        f.Fail(absl::StrCat(absl::string_view(key.data(), key.size()), ".",
                            absl::CEscape(reason.substr(0, 64))),
               "expected a non-negative integer, got " + Describe(value));
        break;
      }
      out[reason] = *n;
    }
  }
  return out;
}

absl::StatusOr<Record> DecodeLost(Fields& f) {
  LostRecord r;
  r.ts_ns = f.Uint64("ts_ns");
  r.counts = Counts(f, "counts");
  if (!f.status().ok()) return f.status();
  return r;
}

absl::StatusOr<Record> DecodeThrottle(Fields& f) {
  ThrottleRecord r;
  r.ts_ns = f.Uint64("ts_ns");
  r.cgroup_id = f.Uint64("cgroup_id");
  r.cgroup = f.String("cgroup");
  r.dev_major = f.Uint32("dev_major");
  r.dev_minor = f.Uint32("dev_minor");
  r.disk = f.String("disk");
  r.throttled = f.Uint64("throttled");
  r.passed = f.Uint64("passed");
  r.queued_ns = f.Uint64("queued_ns");
  r.queued_max_ns = f.Uint64("queued_max_ns");
  if (!f.status().ok()) return f.status();
  return r;
}

absl::StatusOr<Record> DecodeSummary(Fields& f) {
  CaptureSummary s;
  s.ts_ns = f.Uint64("ts_ns");
  s.duration_ns = f.Uint64("duration_ns");
  s.events = f.Uint64("events");
  s.lost = f.Uint64("lost");
  s.workload_exit = f.Int("workload_exit");
  // Optional: captures written before these existed lack them.
  if (f.Has("evicted")) s.evicted = Counts(f, "evicted");
  if (f.Has("peak_map_entries")) s.peak_map_entries = f.Uint64("peak_map_entries");
  if (f.Has("program_runs")) s.program_runs = Counts(f, "program_runs");
  if (!f.status().ok()) return f.status();
  return s;
}

}  // namespace

absl::StatusOr<Record> DecodeRecord(JsonValue&& line) {
  JsonValue::Object* members = line.AsObject();
  if (members == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "expected a JSON object, got %s", JsonValue::KindName(line.kind())));
  }
  // No decoder reads "type", so its text stays in place for `f` to name.
  const JsonValue* type_value = line.Find("type");
  const std::string* type = type_value != nullptr ? type_value->AsString() : nullptr;
  if (type == nullptr) {
    return absl::InvalidArgumentError("record has no \"type\" string field");
  }
  Fields f(*members, *type);
  if (*type == kRecordTypeAlloc) return DecodeAlloc(f);
  if (*type == kRecordTypeBlkg) return DecodeBlkg(f);
  if (*type == kRecordTypeWq) return DecodeWq(f);
  if (*type == kRecordTypeLost) return DecodeLost(f);
  if (*type == kRecordTypeSummary) return DecodeSummary(f);
  if (*type == kRecordTypeThrottle) return DecodeThrottle(f);
  if (*type == kRecordTypeHeader) return DecodeHeader(f);
  return absl::UnimplementedError(
      absl::StrFormat("unknown record type \"%s\"", absl::CEscape(*type)));
}

absl::StatusOr<Record> DecodeRecord(const JsonValue& line) {
  JsonValue copy = line;
  return DecodeRecord(std::move(copy));
}

}  // namespace submitwatch
