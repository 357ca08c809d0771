#include "loader/attach_probe.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_text.h"
#include "loader/load_error.h"
#include "probe.skel.h"

namespace submitwatch {

bool FunctionInBtf(const btf* vmlinux_btf, const std::string& function) {
  return vmlinux_btf != nullptr &&
         btf__find_by_name_kind(vmlinux_btf, function.c_str(), BTF_KIND_FUNC) >= 0;
}

absl::Status TryAttach(AttachMode mode, const std::string& function) {
  probe_bpf* skel = probe_bpf::open();
  if (skel == nullptr) {
    return absl::InternalError(absl::StrCat("cannot open the probe object: ", ErrnoText(errno)));
  }
  const bool fentry = mode == AttachMode::kFentry;
  bpf_program__set_autoload(skel->progs.probe_fentry, fentry);
  bpf_program__set_autoload(skel->progs.probe_kprobe, !fentry);
  if (fentry) bpf_program__set_attach_target(skel->progs.probe_fentry, 0, function.c_str());
  absl::Status status;
  if (int err = probe_bpf::load(skel); err != 0) {
    status = TrialLoadError(mode, -err);
  } else {
    bpf_link* link = fentry ? bpf_program__attach(skel->progs.probe_fentry)
                            : bpf_program__attach_kprobe(skel->progs.probe_kprobe,
                                                         /*retprobe=*/false, function.c_str());
    if (link == nullptr) {
      const int err = errno;
      status = absl::UnavailableError(absl::StrCat(
          AttachModeName(mode), err == ENOENT && !fentry ? " unavailable" : " refused",
          " at attach: ", ErrnoText(err)));
    }
    bpf_link__destroy(link);
  }
  probe_bpf::destroy(skel);
  return status;
}

}  // namespace submitwatch
