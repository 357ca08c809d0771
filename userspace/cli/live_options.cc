#include "cli/live_options.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "loader/attach_mode.h"

namespace submitwatch {
namespace {

constexpr uint64_t kMinBioKeys = 1u << 10;
constexpr uint64_t kMaxBioKeys = 1u << 24;

}  // namespace

absl::Status ApplyLoaderOptions(const ParsedArgs& args, LoaderOptions& loader) {
  if (args.Has("ringbuf-size")) {
    absl::StatusOr<uint64_t> size = ParseByteSize("ringbuf-size", args.Get("ringbuf-size"));
    if (!size.ok()) return size.status();
    // The kernel wants a power-of-two multiple of the page size.
    if (*size < 4096 || (*size & (*size - 1)) != 0 || *size > (1ull << 30)) {
      return absl::InvalidArgumentError(
          "--ringbuf-size: must be a power of two between 4K and 1G (e.g. 256K, 4M)");
    }
    loader.ringbuf_bytes = static_cast<uint32_t>(*size);
  }
  if (args.Has("bio-keys")) {
    absl::StatusOr<uint64_t> keys = ParseByteSize("bio-keys", args.Get("bio-keys"));
    if (!keys.ok()) return keys.status();
    if (*keys < kMinBioKeys || *keys > kMaxBioKeys) {
      return absl::InvalidArgumentError(
          "--bio-keys: must be between 1K and 16M (e.g. 128K)");
    }
    loader.bio_keys = static_cast<uint32_t>(*keys);
  }
  loader.all_allocs = args.Has("all-allocs");
  loader.verbose = args.Has("verbose");
  absl::StatusOr<std::optional<AttachMode>> mode = ParseAttachMode(args.Get("mode"));
  if (!mode.ok()) return mode.status();
  loader.mode = *mode;
  loader.slab = args.Has("slab");
  loader.user_stacks = args.Has("user-stacks");
  loader.btf_path = args.Get("btf");
  return absl::OkStatus();
}

std::vector<OptionSpec> AttachOptionSpecs(bool also_replays) {
  // Every help text ends in a parenthesis, where "; live" goes.
  const auto scoped = [&](std::string help) {
    if (also_replays) help.insert(help.size() - 1, "; live");
    return help;
  };
  return {
      {"ringbuf-size", 0, "BYTES", scoped("kernel ring buffer size, a power of two (default 1M)")},
      {"bio-keys", 0, "N",
       scoped("room for N (blkg, cgroup) keys in the kernel's bio counters, one per cgroup and "
              "disk with IO (default 16K; each costs about 110 + 16 x CPUs bytes of kernel memory, "
              "24 + 16 x CPUs of them mapped into this process)")},
      {"mode", 'm', "MODE",
       scoped("attach the function hooks with MODE: fentry, kprobe or tracepoint; fails if it "
              "cannot (default: the best this host allows)")},
      {"btf", 0, "FILE",
       scoped("read kernel types from FILE instead of /sys/kernel/btf/vmlinux (a vmlinux or "
              "raw BTF)")},
      {"slab", 0, "",
       scoped("also trace slab and page allocations in the submit path (fentry/kprobe only)")},
      {"user-stacks", 0, "",
       scoped("also record the user stack of each submit-path allocation, symbolized with "
              "BCC's library, loaded only then (libbcc: Debian's libbpfcc, Fedora's bcc)")},
  };
}

OptionSpec SyncIntervalSpec() {
  return {"sync-interval", 0, "D",
          "write the capture out and fdatasync it after each snapshot, at most every D, so a "
          "killed recorder or a hung host keeps what came before (default 1s; 0: never)"};
}

absl::Status GetSyncInterval(const ParsedArgs& args, absl::Duration* out) {
  if (!args.Has("sync-interval")) return absl::OkStatus();
  const std::string text = args.Get("sync-interval");
  if (text == "0" || text == "0s") {
    *out = absl::ZeroDuration();
    return absl::OkStatus();
  }
  absl::StatusOr<absl::Duration> d = ParsePositiveDuration("sync-interval", text);
  if (!d.ok()) return d.status();
  *out = *d;
  return absl::OkStatus();
}

std::vector<OptionSpec> VerboseAndHelpSpecs(std::string verbose_help) {
  return {
      {"verbose", 'v', "", std::move(verbose_help)},
      {"help", 'h', "", "show this help"},
  };
}

std::vector<OptionSpec> JoinOptions(std::initializer_list<std::vector<OptionSpec>> parts) {
  std::vector<OptionSpec> all;
  for (const std::vector<OptionSpec>& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace submitwatch
