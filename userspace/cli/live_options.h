// The options every live command shares (record, check, top, demo): how they
// are spelled in a command's spec and how they become LoaderOptions.
#ifndef SUBMITWATCH_CLI_LIVE_OPTIONS_H_
#define SUBMITWATCH_CLI_LIVE_OPTIONS_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cli/options.h"
#include "loader/bpf_session.h"

namespace submitwatch {

// The loader options every live command shares: --ringbuf-size BYTES,
// --all-allocs, --verbose (each only if the command's spec has it).
absl::Status ApplyLoaderOptions(const ParsedArgs& args, LoaderOptions& loader);

// The spec entries of the attach options record, check and top share
// (--ringbuf-size, --mode, --btf, --slab, --user-stacks), in --help order.
// For a command that can also replay a capture (top), each help line says it
// applies live.
std::vector<OptionSpec> AttachOptionSpecs(bool also_replays = false);

// --verbose and --help, which close the option table of every command that
// loads BPF programs (top says when libbpf's messages can be read).
std::vector<OptionSpec> VerboseAndHelpSpecs(std::string verbose_help = "print libbpf's messages");

// --sync-interval D, for the commands that write a capture (record, check,
// demo): how often it is written out and fdatasync'd.
OptionSpec SyncIntervalSpec();
// Its value: a duration, or 0 for never; `*out` is left alone when absent.
absl::Status GetSyncInterval(const ParsedArgs& args, absl::Duration* out);

// A command's option table from pieces: its own options around the shared ones.
std::vector<OptionSpec> JoinOptions(std::initializer_list<std::vector<OptionSpec>> parts);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_LIVE_OPTIONS_H_
