#include "kernel_accounting.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace submitwatch::testing {
namespace {

bool IsDevice(absl::string_view word) {
  const size_t colon = word.find(':');
  uint32_t n;
  return colon != absl::string_view::npos &&
         absl::SimpleAtoi(word.substr(0, colon), &n) &&
         absl::SimpleAtoi(word.substr(colon + 1), &n);
}

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One v1 rwstat file into `ios` (true: io_serviced) or bytes fields.
absl::Status ParseRwstat(absl::string_view text, bool ios, KernelIoByDevice& out) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    // The last line, "Total N", sums every device.
    if (words.size() == 2 && words[0] == "Total") continue;
    uint64_t n = 0;
    if (words.size() != 3 || !IsDevice(words[0]) || !absl::SimpleAtoi(words[2], &n)) {
      return absl::InvalidArgumentError(absl::StrCat("not a blkio rwstat line: \"", line, "\""));
    }
    KernelIo& io = out[std::string(words[0])];
    uint64_t* field = nullptr;
    if (words[1] == "Read") field = ios ? &io.read_ios : &io.read_bytes;
    if (words[1] == "Write") field = ios ? &io.write_ios : &io.write_bytes;
    if (words[1] == "Discard") field = ios ? &io.discard_ios : &io.discard_bytes;
    // Sync, Async and Total add up Read, Write and Discard again.
    if (field != nullptr) *field = n;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KernelIoByDevice> ParseIoStat(absl::string_view text) {
  KernelIoByDevice out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.empty() || !IsDevice(words[0])) {
      return absl::InvalidArgumentError(absl::StrCat("not an io.stat line: \"", line, "\""));
    }
    KernelIo& io = out[std::string(words[0])];
    for (size_t i = 1; i < words.size(); ++i) {
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(words[i], absl::MaxSplits('=', 1));
      uint64_t n = 0;
      uint64_t* field = nullptr;
      if (kv.first == "rbytes") field = &io.read_bytes;
      if (kv.first == "wbytes") field = &io.write_bytes;
      if (kv.first == "dbytes") field = &io.discard_bytes;
      if (kv.first == "rios") field = &io.read_ios;
      if (kv.first == "wios") field = &io.write_ios;
      if (kv.first == "dios") field = &io.discard_ios;
      if (field == nullptr) continue;
      if (!absl::SimpleAtoi(kv.second, &n)) {
        return absl::InvalidArgumentError(absl::StrCat("bad io.stat field \"", words[i], "\""));
      }
      *field = n;
    }
  }
  return out;
}

absl::StatusOr<KernelIoByDevice> ParseBlkioThrottle(absl::string_view io_serviced,
                                                    absl::string_view io_service_bytes) {
  KernelIoByDevice out;
  if (absl::Status s = ParseRwstat(io_serviced, true, out); !s.ok()) return s;
  if (absl::Status s = ParseRwstat(io_service_bytes, false, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<KernelIoByDevice> ReadKernelIo(const std::string& dir, bool v2) {
  if (v2) {
    absl::StatusOr<std::string> stat = ReadWhole(dir + "/io.stat");
    if (!stat.ok()) return stat.status();
    return ParseIoStat(*stat);
  }
  absl::StatusOr<std::string> ios = ReadWhole(dir + "/blkio.throttle.io_serviced");
  if (!ios.ok()) return ios.status();
  absl::StatusOr<std::string> bytes = ReadWhole(dir + "/blkio.throttle.io_service_bytes");
  if (!bytes.ok()) return bytes.status();
  return ParseBlkioThrottle(*ios, *bytes);
}

absl::StatusOr<std::string> DeviceNumbers(const std::string& device) {
  struct stat st;
  if (stat(device.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(device, ": ", strerror(errno)));
  }
  if (!S_ISBLK(st.st_mode)) return absl::InvalidArgumentError(device + " is no block device");
  return absl::StrCat(major(st.st_rdev), ":", minor(st.st_rdev));
}

absl::StatusOr<KernelIo> KernelIoOf(const std::string& dir, bool v2, const std::string& device) {
  absl::StatusOr<std::string> numbers = DeviceNumbers(device);
  if (!numbers.ok()) return numbers.status();
  absl::StatusOr<KernelIoByDevice> all = ReadKernelIo(dir, v2);
  if (!all.ok()) return all.status();
  auto it = all->find(*numbers);
  if (it == all->end()) {
    return absl::NotFoundError(absl::StrCat("the kernel's accounting of ", dir, " lists no ",
                                            *numbers, " (", device, ")"));
  }
  return it->second;
}

ToolIo ToolIoOfBlkg(const std::vector<Record>& records, const std::string& cgroup,
                    const std::string& disk) {
  absl::flat_hash_map<BlkgRowKey, ToolIo> last;
  for (const Record& record : records) {
    const auto* b = std::get_if<BlkgRecord>(&record);
    if (b == nullptr || b->disk != disk || b->blkg_cgroup != cgroup) continue;
    last[BlkgRowKey::Of(*b)] = {b->bios, b->bytes};
  }
  ToolIo sum;
  for (const auto& [key, io] : last) {
    sum.bios += io.bios;
    sum.bytes += io.bytes;
  }
  return sum;
}

std::string RefereeLine(bool v2, const std::string& cgroup, const std::string& disk,
                        const std::string& numbers, const ToolIo& tool, const KernelIo& kernel) {
  return absl::StrCat("SUBMITWATCH-REFEREE ", v2 ? "v2 io.stat" : "v1 blkio.throttle",
                      " cgroup=", cgroup, " disk=", disk, " (", numbers, ") tool: bios=", tool.bios,
                      " bytes=", tool.bytes, " kernel: ios=", kernel.ios(), " (r=", kernel.read_ios,
                      " w=", kernel.write_ios, " d=", kernel.discard_ios, ") bytes=",
                      kernel.bytes(), " (r=", kernel.read_bytes, " w=", kernel.write_bytes,
                      " d=", kernel.discard_bytes, ")");
}

}  // namespace submitwatch::testing
