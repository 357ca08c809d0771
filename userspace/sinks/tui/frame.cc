#include "sinks/tui/frame.h"

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "model/verdict.h"

namespace submitwatch::tui {

std::string RowKey(const CgroupRow& row) {
  return absl::StrCat(row.cgroup_id, "|", row.cgroup, "|", row.kthread ? "k" : "u", "|",
                      row.dev_major, ":", row.dev_minor, "|", row.disk);
}

uint64_t RowId(const CgroupRow& row) {
  return absl::HashOf(row.cgroup_id, absl::string_view(row.cgroup), row.kthread, row.dev_major,
                      row.dev_minor, absl::string_view(row.disk));
}

uint64_t RowId(std::string_view key) { return absl::HashOf(absl::string_view(key.data(), key.size())); }

std::string RowKey(const AllocRow& row) {
  return absl::StrCat(row.site, "|", std::string(AllocatorName(row.allocator)), "|",
                      std::string(VerdictName(row.verdict)), "|", row.cgroup, "|", row.comm);
}

std::string RowKey(const WqRow& row) { return row.function; }

}  // namespace submitwatch::tui
