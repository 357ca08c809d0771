// CgroupNames keeps one path per cgroup, for as long as something names it.
#include "symbols/cgroup_names.h"

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

TEST(CgroupNames, AHeldNameOutlivesForgetUntilItsLastRelease) {
  CgroupNames names;
  names.Set(7, "/a");
  names.Hold(7, "cgroup-7");
  names.Hold(7, "cgroup-7");
  names.Forget(7);
  ASSERT_NE(names.Find(7), nullptr);
  EXPECT_EQ(*names.Find(7), "/a");
  names.Release(7);
  EXPECT_NE(names.Find(7), nullptr);
  names.Release(7);
  EXPECT_EQ(names.Find(7), nullptr);
  EXPECT_EQ(names.size(), 0u);
}

TEST(CgroupNames, AnUnheldNameGoesAtForget) {
  CgroupNames names;
  names.Set(7, "/a");
  names.Forget(7);
  EXPECT_EQ(names.Find(7), nullptr);
}

TEST(CgroupNames, TheUnnamedFallbackIsUsedOnlyWhenNothingNamedTheCgroup) {
  CgroupNames names;
  names.Set(7, "/a");
  EXPECT_EQ(names.Hold(7, "cgroup-7"), "/a");
  EXPECT_EQ(names.Hold(8, "cgroup-8"), "cgroup-8");
  // Named later (a scan found it): the holder sees the real path.
  names.Set(8, "/b");
  EXPECT_EQ(*names.Find(8), "/b");
}

TEST(CgroupNames, ANameSetAgainAfterForgetIsANewCgroupUnderAReusedId) {
  CgroupNames names;
  names.Set(7, "/old");
  names.Hold(7, "");
  names.Forget(7);
  names.Set(7, "/new");  // the inode number came back for another cgroup
  names.Release(7);
  ASSERT_NE(names.Find(7), nullptr);  // not dropped: the new cgroup lives
  EXPECT_EQ(*names.Find(7), "/new");
}

}  // namespace
}  // namespace submitwatch
