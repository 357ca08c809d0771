// The user-space half of the bio table's protocol (sw_blkg_table_key in
// bpf/events.h), on plain buffers standing in for the mapped BPF arrays:
// which indexes a read trusts while programs name and count, and what
// evicting a key's index leaves for its next owner.
#include "collector/blkg_table.h"

#include <vector>

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

constexpr uint32_t kStride = 8;
constexpr int kCpus = 3;

class BlkgTableTest : public ::testing::Test {
 protected:
  // What the program does once the key is in the index hash.
  void Name(uint32_t index, sw_blkg_key key) {
    names_[index].gen += 1;
    names_[index].key = key;
    names_[index].gen += 1;
  }
  void Count(int cpu, uint32_t index, uint64_t bios) {
    sw_blkg_counters& c = counts_[sw_blkg_table_at(cpu, index, kStride)];
    c.bios += bios;
    c.bytes += bios * 4096;
  }
  std::vector<BlkgTable::Entry> Read(uint64_t end) const {
    std::vector<BlkgTable::Entry> out;
    table_.Read(end, &out);
    return out;
  }

  std::vector<sw_blkg_table_key> names_ = std::vector<sw_blkg_table_key>(kStride);
  std::vector<sw_blkg_counters> counts_ = std::vector<sw_blkg_counters>(kStride * kCpus);
  BlkgTable table_{names_.data(), counts_.data(), kStride, kCpus};
};

TEST_F(BlkgTableTest, ReadsNamedIndexesInOrderWithTheirCountsOverEveryCpu) {
  Name(0, {0x1000, 5});
  Name(2, {0x2000, 0});
  Count(0, 0, 3);
  Count(2, 0, 4);
  Count(1, 2, 1);
  const std::vector<BlkgTable::Entry> read = Read(3);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].index, 0u);
  EXPECT_EQ(read[0].key.blkg, 0x1000u);
  EXPECT_EQ(read[0].key.task_cgroup_id, 5u);
  EXPECT_EQ(read[0].counts.bios, 7u);
  EXPECT_EQ(read[0].counts.bytes, 7u * 4096);
  EXPECT_EQ(read[1].index, 2u);
  EXPECT_EQ(read[1].key.task_cgroup_id, 0u);  // a kernel thread's key
  EXPECT_EQ(read[1].counts.bios, 1u);
}

TEST_F(BlkgTableTest, AnIndexCountedInBeforeItsNameIsLeftForTheNextRead) {
  // Another CPU found the key in the hash and counted before the program
  // that gave it the index named it.
  Count(1, 4, 2);
  EXPECT_TRUE(Read(5).empty());
  // Being named: gen odd, half the key written.
  names_[4].gen = 1;
  names_[4].key.blkg = 0x4000;
  EXPECT_TRUE(Read(5).empty());
  names_[4].key.task_cgroup_id = 9;
  names_[4].gen = 2;
  const std::vector<BlkgTable::Entry> read = Read(5);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].counts.bios, 2u);
}

TEST_F(BlkgTableTest, ReadsNothingPastTheNextFreshIndexOrTheStride) {
  for (uint32_t i = 0; i < kStride; ++i) Name(i, {0x1000 + i * 0x200ull, 1});
  EXPECT_EQ(Read(0).size(), 0u);
  EXPECT_EQ(Read(5).size(), 5u);
  // The program's counter runs past the stride once the table is full.
  EXPECT_EQ(Read(kStride + 100).size(), kStride);
}

TEST_F(BlkgTableTest, AnEvictedIndexIsUnnamedThenZeroedForItsNextKey) {
  Name(1, {0x1000, 5});
  Count(0, 1, 5);
  Count(2, 1, 1);
  EXPECT_EQ(table_.Counts(1).bios, 6u);
  table_.Unname(1);
  EXPECT_EQ(names_[1].gen % 2, 0u);
  EXPECT_EQ(names_[1].gen, 4u);
  EXPECT_TRUE(Read(2).empty());
  // A straggler counted after the key left the hash: zeroing drops it.
  Count(1, 1, 1);
  table_.Zero(1);
  EXPECT_EQ(table_.Counts(1).bios, 0u);
  EXPECT_EQ(table_.Counts(1).bytes, 0u);
  // The next key starts from zero.
  Name(1, {0x3000, 7});
  Count(2, 1, 2);
  const std::vector<BlkgTable::Entry> read = Read(2);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].key.blkg, 0x3000u);
  EXPECT_EQ(read[0].counts.bios, 2u);
}

TEST_F(BlkgTableTest, AnIndexPastTheStrideIsIgnored) {
  table_.Unname(kStride);
  table_.Zero(kStride);
  EXPECT_EQ(table_.Counts(kStride).bios, 0u);
}

}  // namespace
}  // namespace submitwatch
