// User address -> frame, for --user-stacks: symbolized as each alloc event
// arrives, while its process most likely still exists, through a symbolizer
// library (BCC's, symbols/bcc_symbols.h) opened per process and cached; when
// that cannot name an address, the process's mappings name it as
// "module+offset", and the stack says why (names::kUserStack*).
#ifndef SUBMITWATCH_SYMBOLS_USER_SYMBOLS_H_
#define SUBMITWATCH_SYMBOLS_USER_SYMBOLS_H_

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "symbols/process_maps.h"

namespace submitwatch {

struct ResolvedSymbol {
  std::string function;  // demangled where the library demangles
  uint64_t offset = 0;   // of the address in the function
  std::string module;    // path of the file that holds it
};

// One process's symbols as a symbolizer library reads them.
class ProcessSymbols {
 public:
  virtual ~ProcessSymbols() = default;
  // nullopt when the library knows no symbol for the address.
  virtual std::optional<ResolvedSymbol> Resolve(uint64_t address) = 0;
  // The process mapped files since it was opened: read its mappings again.
  virtual void Refresh() = 0;
};

class SymbolizerLibrary {
 public:
  virtual ~SymbolizerLibrary() = default;
  virtual std::unique_ptr<ProcessSymbols> Open(uint32_t pid) = 0;
};

// Which process an event's task belongs to: a pid is reused, and a path
// names another file in another mount namespace.
struct UserTask {
  uint32_t pid = 0;                // tgid
  uint64_t start_boottime_ns = 0;  // the process's start; 0: unknown
  uint32_t mnt_ns = 0;             // mount namespace inode; 0: unknown, taken as ours
};

struct UserStack {
  std::vector<std::string> frames;  // innermost first
  std::string fallback;             // names::kUserStack*, empty when all are symbolized
};

class UserSymbolizer {
 public:
  struct Options {
    std::string proc_root = "/proc";
    // Processes whose symbols stay open, least recently used out first: a
    // host runs thousands, and each holds its modules' symbol tables.
    size_t max_processes = 64;
    // The tool's own mount namespace; 0: read from proc_root/self/ns/mnt.
    uint32_t own_mnt_ns = 0;
    // USER_HZ, the unit of /proc/PID/stat's start time; 0: sysconf's.
    uint64_t clock_ticks_per_second = 0;
  };

  UserSymbolizer(std::unique_ptr<SymbolizerLibrary> library, Options options);
  ~UserSymbolizer();
  UserSymbolizer(const UserSymbolizer&) = delete;
  UserSymbolizer& operator=(const UserSymbolizer&) = delete;

  // The frames of `addresses` (innermost first) of `task`'s user stack.
  UserStack Symbolize(const UserTask& task, absl::Span<const uint64_t> addresses);

  size_t cached_processes() const { return processes_.size(); }

  // "function+0x1c (module)".
  static std::string SymbolFrame(const ResolvedSymbol& symbol);

 private:
  // Worst last: a stack keeps the worst reason any of its frames had.
  enum class Fallback { kNone, kNoMapping, kNoSymbols, kOtherMountNs, kUnreadable, kExited };
  struct Key {
    uint32_t pid;
    uint32_t mnt_ns;
    uint64_t start_boottime_ns;
    friend bool operator==(const Key&, const Key&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.pid, k.mnt_ns, k.start_boottime_ns);
    }
  };
  struct Process {
    std::unique_ptr<ProcessSymbols> symbols;  // null outside our mount namespace or when gone
    std::vector<ProcessMapping> mappings;
    Fallback state = Fallback::kNone;  // kNone, kOtherMountNs, kUnreadable or kExited
    std::list<Key>::iterator lru;
  };

  static std::string_view FallbackName(Fallback f);
  Process& Find(const UserTask& task);
  void Open(const UserTask& task, Process& p);
  // Reads the process's mappings; the state it leaves when it cannot.
  Fallback ReadMappings(uint32_t pid, std::vector<ProcessMapping>& out) const;
  // kNone when /proc/PID is the process that started at start_boottime_ns.
  Fallback CheckIdentity(const UserTask& task) const;
  // Exited or a zombie: nothing of its memory can be read any more.
  bool Gone(const UserTask& task) const;

  std::unique_ptr<SymbolizerLibrary> library_;
  Options options_;
  absl::flat_hash_map<Key, Process> processes_;
  std::list<Key> lru_;  // most recently used first
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_USER_SYMBOLS_H_
