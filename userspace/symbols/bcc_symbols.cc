#include "symbols/bcc_symbols.h"

#include <bcc/bcc_syms.h>
#include <dlfcn.h>
#include <elf.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/library_symbols.h"

namespace submitwatch {

// The types come from BCC's own header, so a signature this build expects
// and the library's cannot differ without a compile error.
struct BccLibrary::Api {
  decltype(&::bcc_symcache_new) symcache_new = nullptr;
  decltype(&::bcc_free_symcache) free_symcache = nullptr;
  decltype(&::bcc_symcache_resolve) symcache_resolve = nullptr;
  decltype(&::bcc_symbol_free_demangle_name) free_demangle_name = nullptr;
  decltype(&::bcc_symcache_refresh) symcache_refresh = nullptr;
};

namespace {

class BccProcessSymbols : public ProcessSymbols {
 public:
  BccProcessSymbols(std::shared_ptr<const BccLibrary::Api> api, uint32_t pid)
      : api_(std::move(api)), pid_(static_cast<int>(pid)) {
    // Symbol names are read when first asked for, not every symbol of
    // every module up front; functions only.
    bcc_symbol_option option{};
    option.use_debug_file = 1;
    option.check_debug_file_crc = 1;
    option.lazy_symbolize = 1;
    option.use_symbol_type = (1u << STT_FUNC) | (1u << STT_GNU_IFUNC);
    cache_ = api_->symcache_new(pid_, &option);
  }
  ~BccProcessSymbols() override {
    if (cache_ != nullptr) api_->free_symcache(cache_, pid_);
  }
  BccProcessSymbols(const BccProcessSymbols&) = delete;
  BccProcessSymbols& operator=(const BccProcessSymbols&) = delete;

  std::optional<ResolvedSymbol> Resolve(uint64_t address) override {
    if (cache_ == nullptr) return std::nullopt;
    bcc_symbol sym{};
    if (api_->symcache_resolve(cache_, address, &sym) != 0 || sym.name == nullptr) {
      return std::nullopt;
    }
    ResolvedSymbol out;
    out.function = sym.demangle_name != nullptr ? sym.demangle_name : sym.name;
    out.offset = sym.offset;
    out.module = sym.module != nullptr ? sym.module : "";
    api_->free_demangle_name(&sym);
    return out;
  }

  void Refresh() override {
    if (cache_ != nullptr) api_->symcache_refresh(cache_);
  }

 private:
  std::shared_ptr<const BccLibrary::Api> api_;
  int pid_;
  void* cache_ = nullptr;
};

}  // namespace

std::string BccLibrary::LibbccPath() {
  const char* path = std::getenv(kLibbccEnv);
  return path != nullptr && *path != '\0' ? path : kLibbccSoname;
}

absl::StatusOr<std::unique_ptr<BccLibrary>> BccLibrary::Load(const std::string& path) {
  // RTLD_LOCAL: nothing of libbcc (nor of the LLVM and libbpf it brings)
  // joins the global scope, so no symbol the tool resolves later binds to
  // it. RTLD_LAZY: most of LLVM's functions are never called here.
  void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    // dlerror() names the path it tried.
    return absl::InvalidArgumentError(absl::StrCat(
        "--user-stacks needs BCC's library to symbolize user stacks: ",
        why != nullptr ? why : absl::StrCat(path, ": cannot be loaded"), ": ", kLibbccPackages,
        ", or run without --user-stacks"));
  }
  auto api = std::make_shared<Api>();
  LibrarySymbols symbols(handle);
  symbols.Bind("bcc_symcache_new", api->symcache_new);
  symbols.Bind("bcc_free_symcache", api->free_symcache);
  symbols.Bind("bcc_symcache_resolve", api->symcache_resolve);
  symbols.Bind("bcc_symbol_free_demangle_name", api->free_demangle_name);
  symbols.Bind("bcc_symcache_refresh", api->symcache_refresh);
  if (const char* missing = symbols.missing(); missing != nullptr) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        "--user-stacks: ", path, " has no function ", missing, " (not BCC's library, or too old): ",
        kLibbccPackages, ", or run without --user-stacks"));
  }
  // Never closed: the process ends with it loaded. Unloading LLVM runs its
  // static destructors, for nothing, as the tool exits.
  return std::unique_ptr<BccLibrary>(new BccLibrary(std::move(api)));
}

std::unique_ptr<ProcessSymbols> BccLibrary::Open(uint32_t pid) {
  return std::make_unique<BccProcessSymbols>(api_, pid);
}

}  // namespace submitwatch
