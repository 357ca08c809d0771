#include "symbols/user_symbols.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "model/names.h"

namespace submitwatch {
namespace {

// Reads a whole /proc file; 0 or the errno of the first failure.
int ReadProcFile(const std::string& path, std::string& out) {
  out.clear();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[16384];
  int error = 0;
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return error;
}

// The process's start time from /proc/PID/stat (field 22, clock ticks since
// boot); nullopt when the line cannot be read. The command name (field 2)
// may hold spaces and parentheses, so the fields are counted after its last ')'.
std::optional<uint64_t> StartTicks(const std::string& stat) {
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(stat).substr(close_paren + 1), ' ', absl::SkipEmpty());
  constexpr size_t kStartTimeAfterComm = 22 - 3;  // fields 3.. follow the name
  uint64_t ticks;
  if (fields.size() <= kStartTimeAfterComm ||
      !absl::SimpleAtoi(fields[kStartTimeAfterComm], &ticks)) {
    return std::nullopt;
  }
  return ticks;
}

}  // namespace

UserSymbolizer::UserSymbolizer(std::unique_ptr<SymbolizerLibrary> library, Options options)
    : library_(std::move(library)), options_(std::move(options)) {
  if (options_.own_mnt_ns == 0) {
    struct stat st;
    if (stat(absl::StrCat(options_.proc_root, "/self/ns/mnt").c_str(), &st) == 0) {
      options_.own_mnt_ns = static_cast<uint32_t>(st.st_ino);
    }
  }
  if (options_.clock_ticks_per_second == 0) {
    const long hz = sysconf(_SC_CLK_TCK);
    options_.clock_ticks_per_second = hz > 0 ? static_cast<uint64_t>(hz) : 100;
  }
  if (options_.max_processes == 0) options_.max_processes = 1;
}

// The library's per-process state goes before the library itself.
UserSymbolizer::~UserSymbolizer() { processes_.clear(); }

std::string_view UserSymbolizer::FallbackName(Fallback f) {
  switch (f) {
    case Fallback::kNone: return "";
    case Fallback::kNoMapping: return names::kUserStackNoMapping;
    case Fallback::kNoSymbols: return names::kUserStackNoSymbols;
    case Fallback::kOtherMountNs: return names::kUserStackOtherMountNs;
    case Fallback::kUnreadable: return names::kUserStackUnreadable;
    case Fallback::kExited: return names::kUserStackExited;
  }
  return "";
}

std::string UserSymbolizer::SymbolFrame(const ResolvedSymbol& symbol) {
  return absl::StrFormat("%s+0x%x (%s)", symbol.function, symbol.offset,
                         ModuleName(symbol.module));
}

UserSymbolizer::Fallback UserSymbolizer::CheckIdentity(const UserTask& task) const {
  std::string stat;
  const int error = ReadProcFile(absl::StrCat(options_.proc_root, "/", task.pid, "/stat"), stat);
  if (error == ENOENT || error == ESRCH) return Fallback::kExited;
  if (error != 0) return Fallback::kUnreadable;
  if (task.start_boottime_ns == 0) return Fallback::kNone;
  const std::optional<uint64_t> ticks = StartTicks(stat);
  if (!ticks) return Fallback::kUnreadable;
  // The kernel rounds down to ticks the same way (nsec_to_clock_t).
  const uint64_t ns_per_tick = 1'000'000'000ull / options_.clock_ticks_per_second;
  // Another process took the pid: the one that allocated is gone.
  return *ticks == task.start_boottime_ns / ns_per_tick ? Fallback::kNone : Fallback::kExited;
}

UserSymbolizer::Fallback UserSymbolizer::ReadMappings(uint32_t pid,
                                                      std::vector<ProcessMapping>& out) const {
  std::string text;
  const int error = ReadProcFile(absl::StrCat(options_.proc_root, "/", pid, "/maps"), text);
  if (error == ENOENT || error == ESRCH) return Fallback::kExited;
  if (error != 0) return Fallback::kUnreadable;
  std::vector<ProcessMapping> mappings = ParseProcessMaps(text);
  // A zombie has no memory left to show.
  if (mappings.empty()) return Fallback::kExited;
  out = std::move(mappings);
  return Fallback::kNone;
}

bool UserSymbolizer::Gone(const UserTask& task) const {
  if (CheckIdentity(task) == Fallback::kExited) return true;
  std::vector<ProcessMapping> mappings;  // a zombie's are empty
  return ReadMappings(task.pid, mappings) == Fallback::kExited;
}

void UserSymbolizer::Open(const UserTask& task, Process& p) {
  p.state = CheckIdentity(task);
  if (p.state == Fallback::kNone) p.state = ReadMappings(task.pid, p.mappings);
  if (p.state != Fallback::kNone) return;
  // A container's files are its own, and untrusted: they are not parsed
  // here, with the tool's privileges; its mappings still name the modules.
  if (task.mnt_ns != 0 && task.mnt_ns != options_.own_mnt_ns) {
    p.state = Fallback::kOtherMountNs;
    return;
  }
  p.symbols = library_->Open(task.pid);
}

UserSymbolizer::Process& UserSymbolizer::Find(const UserTask& task) {
  const Key key{task.pid, task.mnt_ns, task.start_boottime_ns};
  if (auto it = processes_.find(key); it != processes_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  if (processes_.size() >= options_.max_processes) {
    processes_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  Process& p = processes_[key];
  p.lru = lru_.begin();
  Open(task, p);
  return p;
}

UserStack UserSymbolizer::Symbolize(const UserTask& task, absl::Span<const uint64_t> addresses) {
  UserStack out;
  if (addresses.empty()) return out;
  Process& p = Find(task);
  Fallback worst = p.state;
  bool reread = false;
  out.frames.reserve(addresses.size());
  for (uint64_t address : addresses) {
    std::optional<ResolvedSymbol> symbol;
    if (p.symbols) symbol = p.symbols->Resolve(address);
    const ProcessMapping* mapping = symbol ? nullptr : FindMapping(p.mappings, address);
    // Mapped since the process was first seen (dlopen): read its mappings
    // again, once per stack.
    if (!symbol && !mapping && !reread &&
        (p.state == Fallback::kNone || p.state == Fallback::kOtherMountNs)) {
      reread = true;
      std::vector<ProcessMapping> fresh;
      if (ReadMappings(task.pid, fresh) == Fallback::kNone) {
        p.mappings = std::move(fresh);
        if (p.symbols) {
          p.symbols->Refresh();
          symbol = p.symbols->Resolve(address);
        }
        if (!symbol) mapping = FindMapping(p.mappings, address);
      }
    }
    Fallback frame = Fallback::kNone;
    if (symbol) {
      out.frames.push_back(SymbolFrame(*symbol));
    } else if (mapping) {
      out.frames.push_back(ModuleOffsetFrame(*mapping, address));
      frame = Fallback::kNoSymbols;
    } else {
      out.frames.push_back(BareAddressFrame(address));
      frame = Fallback::kNoMapping;
    }
    if (frame > worst) worst = frame;
  }
  // The process can exit between the read of its mappings and the
  // symbolizer's own read of them: its modules then have no symbols here,
  // and the honest reason is that it was gone, not that they lack them.
  if (worst == Fallback::kNoSymbols && p.symbols && Gone(task)) worst = Fallback::kExited;
  out.fallback = std::string(FallbackName(worst));
  return out;
}

}  // namespace submitwatch
