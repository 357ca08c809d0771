// A failed BPF load says what it was: a missing privilege (EPERM) or the
// verifier refusing a program (EACCES), which no privilege fixes.
#include "loader/load_error.h"

#include <cerrno>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace submitwatch {
namespace {

TEST(ObjectLoadError, EpermIsAPrivilegeProblem) {
  const absl::Status s = ObjectLoadError(EPERM, "libbpf: ...\n");
  EXPECT_TRUE(absl::IsPermissionDenied(s));
  EXPECT_TRUE(absl::StrContains(s.message(), "(EPERM)") && absl::StrContains(s.message(), "CAP_BPF"))
      << s;
}

TEST(ObjectLoadError, EaccesIsTheVerifierNotAPrivilege) {
  const absl::Status s = ObjectLoadError(EACCES, "R1 invalid mem access 'scalar'\n");
  EXPECT_FALSE(absl::IsPermissionDenied(s));
  for (const char* said : {"verifier refused", "(EACCES)", "R1 invalid mem access 'scalar'\n"}) {
    EXPECT_TRUE(absl::StrContains(s.message(), said)) << said << " in " << s;
  }
  for (const char* advice : {"root", "CAP_"}) {
    EXPECT_FALSE(absl::StrContains(s.message(), advice)) << advice << " in " << s;
  }
}

TEST(ObjectLoadError, OtherErrnosQuoteLibbpf) {
  const absl::Status s = ObjectLoadError(EINVAL, "libbpf: bad relocation\n");
  EXPECT_TRUE(absl::IsInternal(s));
  EXPECT_TRUE(absl::StrContains(s.message(), "libbpf: bad relocation")) << s;
}

TEST(TrialLoadError, SaysWhichRefusalItWas) {
  const absl::Status eperm = TrialLoadError(AttachMode::kFentry, EPERM);
  EXPECT_TRUE(absl::IsPermissionDenied(eperm));
  EXPECT_TRUE(absl::StartsWith(eperm.message(), "fentry refused at load: ")) << eperm;

  const absl::Status eacces = TrialLoadError(AttachMode::kKprobe, EACCES);
  EXPECT_FALSE(absl::IsPermissionDenied(eacces));
  EXPECT_TRUE(absl::StartsWith(eacces.message(), "kprobe refused by the verifier at load: "))
      << eacces;
  EXPECT_TRUE(absl::StrContains(eacces.message(), "(EACCES)")) << eacces;

  const absl::Status einval = TrialLoadError(AttachMode::kFentry, EINVAL);
  EXPECT_FALSE(absl::IsPermissionDenied(einval));
  EXPECT_TRUE(absl::StartsWith(einval.message(), "fentry refused at load: ")) << einval;
}

}  // namespace
}  // namespace submitwatch
