// `submitwatch probe`: what this host supports and the mode each hook gets.
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/live_setup.h"

namespace submitwatch {

const CommandSpec& ProbeSpec() {
  static const auto* const kSpec = new CommandSpec{
      "probe",
      "[--mode fentry|kprobe|tracepoint] [--btf FILE] [--verbose]",
      "Show what this host supports and which attach mode each hook gets (needs root).",
      {
          {"mode", 'm', "MODE", "require MODE (fentry, kprobe or tracepoint) for the function hooks"},
          {"btf", 0, "FILE", "read kernel types from FILE (a vmlinux or raw BTF) instead of "
                             "/sys/kernel/btf/vmlinux"},
          {"verbose", 'v', "", "print libbpf's messages"},
          {"help", 'h', "", "show this help"},
      },
      /*takes_command=*/false,
      /*max_positional=*/0,
  };
  return *kSpec;
}

int RunProbe(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(ProbeSpec(), args);
  if (!parsed.ok()) return ReportError(parsed.status(), "probe");
  printf("kernel:      %s\n", KernelRelease().c_str());
  if (parsed->Has("btf")) {
    printf("BTF:         %s (--btf)\n", parsed->Get("btf").c_str());
  } else {
    printf("BTF:         %s\n", access("/sys/kernel/btf/vmlinux", R_OK) == 0
                                    ? "yes (/sys/kernel/btf/vmlinux)"
                                    : "no: CO-RE programs cannot load");
  }
  LoaderOptions options;
  options.verbose = parsed->Has("verbose");
  options.mode = parsed->Get("mode");
  options.btf_path = parsed->Get("btf");
  options.trial_all_modes = true;
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(options);
  if (!live.ok()) return ReportError(live.status(), "probe");
  printf("cgroups:     %s\n", (*live)->header.cgroup_hierarchy.c_str());
  printf("\nTrials (load + attach of a do-nothing program):\n");
  for (const std::string& line : (*live)->session->probe_log()) printf("  %s\n", line.c_str());
  printf("\n%-16s %-12s %s\n", "HOOK", "MODE", "CANNOT SEE / WHY");
  for (const HookMode& h : (*live)->header.hooks) {
    printf("%-16s %-12s %s\n", h.hook.c_str(), h.mode.c_str(), h.detail.c_str());
  }
  return kExitOk;
}

}  // namespace submitwatch
