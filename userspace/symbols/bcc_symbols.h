// BCC's symbolizer (bcc_syms.h: it reads a process's ELF files, their
// .gnu_debuglink and build-id debug files, perf maps) as the SymbolizerLibrary
// of --user-stacks. libbcc pulls in LLVM: tens of MB and a fifth of a second
// to load, so it is opened with dlopen when --user-stacks asks for it, never
// linked: `ldd submitwatch` shows no libbcc, and without it everything else
// works.
#ifndef SUBMITWATCH_SYMBOLS_BCC_SYMBOLS_H_
#define SUBMITWATCH_SYMBOLS_BCC_SYMBOLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "symbols/user_symbols.h"

namespace submitwatch {

// Where libbcc is looked for: $SUBMITWATCH_LIBBCC when set (a path), else
// its soname through the dynamic loader's search path.
inline constexpr char kLibbccEnv[] = "SUBMITWATCH_LIBBCC";
inline constexpr char kLibbccSoname[] = "libbcc.so.0";
// What to install when it is missing.
inline constexpr char kLibbccPackages[] =
    "install libbpfcc (Debian, Ubuntu) or bcc (Fedora, RHEL)";

// The library as opened; its functions, found by name.
class BccLibrary : public SymbolizerLibrary {
 public:
  // Opens libbcc at `path` (LibbccPath() by default). Fails, saying what to
  // install, when it is missing or lacks a function this build calls.
  static absl::StatusOr<std::unique_ptr<BccLibrary>> Load(const std::string& path);
  static std::string LibbccPath();

  std::unique_ptr<ProcessSymbols> Open(uint32_t pid) override;

  struct Api;  // the functions of bcc_syms.h this uses

 private:
  explicit BccLibrary(std::shared_ptr<const Api> api) : api_(std::move(api)) {}
  std::shared_ptr<const Api> api_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_BCC_SYMBOLS_H_
