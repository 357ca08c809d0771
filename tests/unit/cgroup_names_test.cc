// CgroupNames keeps one path per cgroup, for as long as something names it.
#include "symbols/cgroup_names.h"

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

TEST(CgroupNames, AHeldNameOutlivesForgetUntilItsLastRelease) {
  CgroupNames names;
  names.Set(7, "/a");
  const CgroupNames::Ref first = names.Hold(7, "cgroup-7");
  const CgroupNames::Ref second = names.Hold(7, "cgroup-7");
  EXPECT_EQ(first, second);
  names.Forget(7);
  EXPECT_EQ(names.Find(7), nullptr);  // gone for lookups by id
  EXPECT_EQ(names.Path(first), "/a");  // not for its holders
  names.Release(first);
  EXPECT_EQ(names.Path(second), "/a");
  names.Release(second);
  EXPECT_EQ(names.size(), 0u);
  // The place is reused, not leaked.
  EXPECT_EQ(names.Hold(8, "cgroup-8"), first);
}

TEST(CgroupNames, AnUnheldNameGoesAtForget) {
  CgroupNames names;
  names.Set(7, "/a");
  names.Forget(7);
  EXPECT_EQ(names.Find(7), nullptr);
  EXPECT_EQ(names.size(), 0u);
}

TEST(CgroupNames, TheUnnamedFallbackIsUsedOnlyWhenNothingNamedTheCgroup) {
  CgroupNames names;
  names.Set(7, "/a");
  EXPECT_EQ(names.Path(names.Hold(7, "cgroup-7")), "/a");
  const CgroupNames::Ref unnamed = names.Hold(8, "cgroup-8");
  EXPECT_EQ(names.Path(unnamed), "cgroup-8");
  // Named later (a scan found it): the holder sees the real path.
  names.Set(8, "/b");
  EXPECT_EQ(names.Path(unnamed), "/b");
  EXPECT_EQ(*names.Find(8), "/b");
}

TEST(CgroupNames, ACgroupUnderAReusedIdIsNamedApartFromTheForgottenOne) {
  CgroupNames names;
  names.Set(7, "/old");
  const CgroupNames::Ref old = names.Hold(7, "");
  names.Forget(7);
  names.Set(7, "/new");  // the inode number came back for another cgroup
  EXPECT_EQ(names.Path(old), "/old");
  ASSERT_NE(names.Find(7), nullptr);
  EXPECT_EQ(*names.Find(7), "/new");
  names.Release(old);  // drops the old name only
  ASSERT_NE(names.Find(7), nullptr);
  EXPECT_EQ(*names.Find(7), "/new");
  EXPECT_EQ(names.size(), 1u);
}

}  // namespace
}  // namespace submitwatch
