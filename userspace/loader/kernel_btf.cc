#include "loader/kernel_btf.h"

#include <bpf/btf.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errno_text.h"

namespace submitwatch {

absl::StatusOr<BtfPtr> LoadKernelBtf(const std::string& path) {
  if (path.empty()) {
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
      return absl::FailedPreconditionError(
          "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): "
          "submitwatch needs a kernel built with CONFIG_DEBUG_INFO_BTF=y, or "
          "--btf FILE with this kernel's BTF");
    }
    BtfPtr b(btf__load_vmlinux_btf(), btf__free);
    if (b == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot parse the kernel's BTF: ", ErrnoText(errno)));
    }
    return b;
  }
  if (access(path.c_str(), R_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--btf ", path, ": cannot read it: ", ErrnoText(errno),
                     "; give a vmlinux or a raw BTF file of this kernel"));
  }
  BtfPtr b(btf__parse(path.c_str(), nullptr), btf__free);
  if (b == nullptr) {
    // libbpf's own codes (4000 and up) say no more than "bad format".
    const int err = errno;
    return absl::FailedPreconditionError(
        absl::StrCat("--btf ", path, ": not a valid BTF file",
                     err > 0 && err < 4000 ? absl::StrCat(" (", ErrnoText(err), ")") : "",
                     "; give a vmlinux with a .BTF section or a raw BTF file, e.g. "
                     "a copy of /sys/kernel/btf/vmlinux"));
  }
  return b;
}

std::optional<int> TracepointArgs(const btf* vmlinux_btf, const std::string& name) {
  const std::string type = absl::StrCat("btf_trace_", name);
  const int id = btf__find_by_name_kind(vmlinux_btf, type.c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return std::nullopt;
  const btf_type* t = btf__type_by_id(vmlinux_btf, id);
  if (t == nullptr) return -1;
  t = btf__type_by_id(vmlinux_btf, t->type);  // the pointer
  if (t == nullptr || !btf_is_ptr(t)) return -1;
  t = btf__type_by_id(vmlinux_btf, t->type);  // the prototype
  if (t == nullptr || !btf_is_func_proto(t)) return -1;
  return btf_vlen(t);
}

}  // namespace submitwatch
