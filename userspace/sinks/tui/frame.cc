#include "sinks/tui/frame.h"

#include "absl/strings/str_cat.h"
#include "model/verdict.h"

namespace submitwatch::tui {

std::string RowKey(const CgroupRow& row) {
  return absl::StrCat(row.cgroup_id, "|", row.cgroup, "|", row.kthread ? "k" : "u", "|",
                      row.dev_major, ":", row.dev_minor, "|", row.disk);
}

std::string RowKey(const AllocRow& row) {
  return absl::StrCat(row.site, "|", std::string(AllocatorName(row.allocator)), "|",
                      std::string(VerdictName(row.verdict)), "|", row.cgroup, "|", row.comm);
}

std::string RowKey(const WqRow& row) { return row.function; }

}  // namespace submitwatch::tui
