// StableBlocks: what the model's entries rely on (their addresses are
// linked from their pairs).
#include "model/stable_blocks.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace submitwatch::model_internal {
namespace {

TEST(StableBlocks, ElementsStayWhereTheyWerePlacedAsItGrows) {
  StableBlocks<std::string, 4> strings;
  std::vector<const std::string*> placed;
  for (int i = 0; i < 37; ++i) placed.push_back(&strings.push_back(std::to_string(i)));
  ASSERT_EQ(strings.size(), 37u);
  for (uint32_t i = 0; i < strings.size(); ++i) {
    EXPECT_EQ(&strings[i], placed[i]) << i;
    EXPECT_EQ(strings[i], std::to_string(i));
  }
}

TEST(StableBlocks, ForEachVisitsInOrderAndAMoveTakesTheBlocks) {
  StableBlocks<int, 8> numbers;
  for (int i = 0; i < 20; ++i) numbers.push_back(i * 3);
  const int* first = &numbers[0];
  StableBlocks<int, 8> moved = std::move(numbers);
  EXPECT_EQ(&moved[0], first);
  std::vector<int> seen;
  moved.ForEach([&](int& n) { seen.push_back(n); });
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[i], i * 3);
}

}  // namespace
}  // namespace submitwatch::model_internal
