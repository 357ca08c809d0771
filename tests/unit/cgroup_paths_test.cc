// Finding the io hierarchy and naming cgroups by id, on made-up mount tables
// and directory trees: the v2 paths (a unified hierarchy offering "io",
// hierarchy id 0) as well as v1's blkio mount, without root.
#include "symbols/cgroup_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace submitwatch {
namespace {

namespace fs = std::filesystem;

class CgroupPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "cgroup-paths-" + std::to_string(getpid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

constexpr char kProcCgroups[] =
    "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
    "cpu\t3\t1\t1\nblkio\t6\t42\t1\nmemory\t7\t90\t1\n";

TEST_F(CgroupPathsTest, AV1BlkioMountWinsWithItsHierarchyId) {
  const std::string mountinfo = Write(
      "mountinfo",
      "30 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "36 25 0:31 / /sys/fs/cgroup/blkio rw,relatime shared:9 - cgroup cgroup rw,blkio\n"
      "37 25 0:32 / /sys/fs/cgroup/memory rw,relatime shared:10 - cgroup cgroup rw,memory\n");
  absl::StatusOr<CgroupHierarchy> h = FindIoHierarchy(mountinfo, Write("cgroups", kProcCgroups));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_FALSE(h->v2);
  EXPECT_EQ(h->mount_point, "/sys/fs/cgroup/blkio");
  EXPECT_EQ(h->hierarchy_id, 6);
  EXPECT_EQ(h->Describe(), "v1 blkio at /sys/fs/cgroup/blkio");
}

TEST_F(CgroupPathsTest, AV2OnlyHostIsTheUnifiedHierarchyWithIdZeroWhenItOffersIo) {
  const std::string root = dir_ + "/cgroup";
  Write("cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  const std::string mountinfo =
      Write("mountinfo", absl::StrCat("25 1 0:22 / ", root,
                                      " rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 "
                                      "cgroup2 rw,nsdelegate,memory_recursiveprot\n"));
  absl::StatusOr<CgroupHierarchy> h = FindIoHierarchy(mountinfo, Write("cgroups", kProcCgroups));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(h->v2);
  EXPECT_EQ(h->mount_point, root);
  // cgroup:cgroup_mkdir reports the default hierarchy as 0, whatever
  // /proc/cgroups says of v1 leftovers.
  EXPECT_EQ(h->hierarchy_id, 0);
  EXPECT_EQ(h->Describe(), "v2 io at " + root);

  Write("cgroup/cgroup.controllers", "cpuset cpu memory pids\n");
  absl::StatusOr<CgroupHierarchy> without_io = FindIoHierarchy(mountinfo, dir_ + "/none");
  EXPECT_FALSE(without_io.ok());
  EXPECT_TRUE(absl::IsNotFound(without_io.status())) << without_io.status();
}

TEST_F(CgroupPathsTest, PathsAreRelativeToTheMountAndFoundByInode) {
  const std::string root = dir_ + "/cgroup";
  fs::create_directories(root + "/system.slice/a.service");
  fs::create_directories(root + "/submitwatch-test-1-x");
  struct stat st;
  ASSERT_EQ(stat((root + "/system.slice/a.service").c_str(), &st), 0);
  const uint64_t service = st.st_ino;
  ASSERT_EQ(stat(root.c_str(), &st), 0);
  const uint64_t top = st.st_ino;
  ASSERT_EQ(stat((root + "/submitwatch-test-1-x").c_str(), &st), 0);
  const uint64_t test = st.st_ino;

  CgroupPaths paths(CgroupHierarchy{root, true, 0});
  EXPECT_EQ(paths.Path(service), "/system.slice/a.service");
  EXPECT_EQ(paths.Path(top), "/");
  EXPECT_EQ(paths.Path(test), "/submitwatch-test-1-x");
  // What cgroup:cgroup_mkdir said wins over a scan.
  paths.Remember(test, "/renamed");
  EXPECT_EQ(paths.Path(test), "/renamed");
}

}  // namespace
}  // namespace submitwatch
