#include "loader/load_error.h"

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_text.h"

namespace submitwatch {

absl::Status ObjectLoadError(int err, const std::string& libbpf_messages) {
  if (err == EPERM) {
    return absl::PermissionDeniedError(absl::StrCat(
        "loading BPF programs was refused: ", ErrnoText(err),
        ". Run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE"));
  }
  if (err == EACCES) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the kernel's BPF verifier refused a program: ", ErrnoText(err), "; libbpf said:\n",
        libbpf_messages, "run with --verbose for the whole verifier log"));
  }
  return absl::InternalError(absl::StrCat("loading BPF programs failed: ", ErrnoText(err),
                                          "; libbpf said:\n", libbpf_messages,
                                          "run with --verbose for the verifier log"));
}

absl::Status TrialLoadError(AttachMode mode, int err) {
  if (err == EACCES) {
    return absl::FailedPreconditionError(absl::StrCat(
        AttachModeName(mode), " refused by the verifier at load: ", ErrnoText(err)));
  }
  const std::string message =
      absl::StrCat(AttachModeName(mode), " refused at load: ", ErrnoText(err));
  return err == EPERM ? absl::PermissionDeniedError(message) : absl::UnavailableError(message);
}

}  // namespace submitwatch
