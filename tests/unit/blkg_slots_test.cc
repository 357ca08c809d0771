// The user-space half of the bio-slot protocol (bpf/events.h), on a plain
// buffer standing in for the mapped BPF array: what a reader may trust while
// the program writes, and what clearing an evicted key's slot hands back.
#include "collector/blkg_slots.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

class BlkgSlotsTest : public ::testing::Test {
 protected:
  // What the BPF program does when it claims an empty slot.
  void Claim(int cpu, uint32_t index, sw_blkg_key key, uint64_t bios, uint64_t bytes) {
    sw_blkg_cpu_slots& c = cpus_[cpu];
    ASSERT_EQ(c.gen[index] % 2, 0u);
    ASSERT_EQ(c.slots[index].key.blkg, 0u);
    c.gen[index] += 1;
    c.slots[index].key = key;
    c.slots[index].counts = {bios, bytes};
    c.gen[index] += 1;
  }

  std::vector<sw_blkg_cpu_slots> cpus_ = std::vector<sw_blkg_cpu_slots>(2);
  BlkgSlots slots_{cpus_.data(), 2};
};

TEST_F(BlkgSlotsTest, ReadsEveryOccupiedSlotOfEveryCpu) {
  Claim(0, 3, {0x1000, 5}, 10, 40960);
  Claim(1, 3, {0x1000, 5}, 2, 8192);
  Claim(1, 127, {0x2000, 0}, 1, 512);
  std::vector<BlkgSlots::Occupied> read = slots_.Read();
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].cpu, 0u);
  EXPECT_EQ(read[0].index, 3u);
  EXPECT_EQ(read[0].key.blkg, 0x1000u);
  EXPECT_EQ(read[0].key.task_cgroup_id, 5u);
  EXPECT_EQ(read[0].counts.bios, 10u);
  EXPECT_EQ(read[0].counts.bytes, 40960u);
  EXPECT_EQ(read[1].cpu, 1u);
  EXPECT_EQ(read[1].counts.bios, 2u);
  EXPECT_EQ(read[2].index, 127u);
  EXPECT_EQ(read[2].key.task_cgroup_id, 0u);
  EXPECT_EQ(read[2].gen, 2u);
}

TEST_F(BlkgSlotsTest, SkipsASlotWhoseClaimIsInFlight) {
  Claim(0, 1, {0x1000, 5}, 1, 4096);
  // The program has made the gen odd and written half the key.
  cpus_[0].gen[2] = 1;
  cpus_[0].slots[2].key.blkg = 0x3000;
  std::vector<BlkgSlots::Occupied> read = slots_.Read();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].index, 1u);
}

TEST_F(BlkgSlotsTest, ClearHandsBackTheCountsAndFreesTheSlotForAClaim) {
  Claim(0, 7, {0x1000, 5}, 3, 12288);
  std::vector<BlkgSlots::Occupied> read = slots_.Read();
  ASSERT_EQ(read.size(), 1u);
  // Bios keep landing in the slot after the read: the clear takes them too.
  cpus_[0].slots[7].counts.bios += 2;
  cpus_[0].slots[7].counts.bytes += 8192;
  sw_blkg_counters last{};
  ASSERT_TRUE(slots_.Clear(read[0], &last));
  EXPECT_EQ(last.bios, 5u);
  EXPECT_EQ(last.bytes, 20480u);
  EXPECT_TRUE(slots_.Read().empty());
  EXPECT_EQ(cpus_[0].gen[7], 4u);
  // The program may take the slot again, for the same key or another.
  Claim(0, 7, {0x1000, 5}, 1, 4096);
  read = slots_.Read();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].counts.bios, 1u);
  EXPECT_EQ(read[0].gen, 6u);
}

TEST_F(BlkgSlotsTest, ClearRefusesASlotThatChangedSinceTheRead) {
  Claim(1, 9, {0x1000, 5}, 3, 12288);
  std::vector<BlkgSlots::Occupied> read = slots_.Read();
  ASSERT_EQ(read.size(), 1u);
  // Cleared and claimed again by another key before this clear.
  BlkgSlots::Occupied stale = read[0];
  sw_blkg_counters last{};
  ASSERT_TRUE(slots_.Clear(read[0], &last));
  Claim(1, 9, {0x4000, 6}, 1, 4096);
  EXPECT_FALSE(slots_.Clear(stale, &last));
  read = slots_.Read();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].key.blkg, 0x4000u);
  // A slot out of range is refused, not touched.
  BlkgSlots::Occupied bogus = read[0];
  bogus.cpu = 2;
  EXPECT_FALSE(slots_.Clear(bogus, &last));
}

}  // namespace
}  // namespace submitwatch
