// PerCpuMapReader on a real per-CPU hash map: batches and the per-entry
// fallback read exactly what was put in, every key once with every CPU's
// value.
#include "collector/map_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

struct Value {
  uint64_t a;
  uint64_t b;
};

class MapReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cpus_ = libbpf_num_possible_cpus();
    ASSERT_GT(cpus_, 0);
    fd_ = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sw_test_reader", sizeof(uint64_t),
                         sizeof(Value), kEntries, nullptr);
    if (fd_ < 0) SW_SKIP_OR_FAIL("cannot create a BPF per-CPU hash map (needs CAP_BPF)");
    std::vector<Value> per_cpu(cpus_);
    for (uint64_t key = 1; key <= kEntries; ++key) {
      for (int cpu = 0; cpu < cpus_; ++cpu) per_cpu[cpu] = {key * 1000 + cpu, key};
      ASSERT_EQ(bpf_map_update_elem(fd_, &key, per_cpu.data(), BPF_NOEXIST), 0) << key;
    }
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
  }

  // key -> its values, as the reader saw them; a key seen twice fails.
  std::map<uint64_t, std::vector<Value>> Read(PerCpuMapReader& reader) {
    std::map<uint64_t, std::vector<Value>> seen;
    absl::Status s = reader.ForEach<uint64_t, Value>(
        fd_, "sw_test_reader", [&](uint64_t key, absl::Span<const Value> values) {
          EXPECT_TRUE(seen.emplace(key, std::vector<Value>(values.begin(), values.end())).second)
              << "key " << key << " seen twice";
        });
    EXPECT_TRUE(s.ok()) << s;
    return seen;
  }

  void ExpectAll(const std::map<uint64_t, std::vector<Value>>& seen) {
    ASSERT_EQ(seen.size(), static_cast<size_t>(kEntries));
    for (const auto& [key, values] : seen) {
      ASSERT_EQ(values.size(), static_cast<size_t>(cpus_));
      for (int cpu = 0; cpu < cpus_; ++cpu) {
        EXPECT_EQ(values[cpu].a, key * 1000 + cpu);
        EXPECT_EQ(values[cpu].b, key);
      }
    }
  }

  static constexpr uint32_t kEntries = 5000;
  int cpus_ = 0;
  int fd_ = -1;
};

TEST_F(MapReaderTest, BatchesReadEveryEntryOnce) {
  PerCpuMapReader reader(cpus_);
  ExpectAll(Read(reader));
  // This kernel (5.6+) has batches: the reader did not fall back.
  EXPECT_EQ(reader.method(), PerCpuMapReader::Method::kBatch);
  ExpectAll(Read(reader));  // its buffers reused
}

TEST_F(MapReaderTest, PerEntryFallbackReadsTheSame) {
  PerCpuMapReader reader(cpus_, PerCpuMapReader::Method::kPerEntry);
  ExpectAll(Read(reader));
}

TEST_F(MapReaderTest, AnEmptyMapIsNoEntries) {
  for (uint64_t key = 1; key <= kEntries; ++key) ASSERT_EQ(bpf_map_delete_elem(fd_, &key), 0);
  PerCpuMapReader reader(cpus_);
  EXPECT_TRUE(Read(reader).empty());
  EXPECT_EQ(reader.method(), PerCpuMapReader::Method::kBatch);
}

}  // namespace
}  // namespace submitwatch::testing
