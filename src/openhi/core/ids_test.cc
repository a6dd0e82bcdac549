#include "openhi/core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace openhi {
namespace {

TEST(Ids, AreThirtyTwoLowerHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    EXPECT_TRUE(IsValidId(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, RejectsPathTricksAndWrongShapes) {
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("../../../../etc/passwd0000000000"));
  EXPECT_FALSE(IsValidId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(IsValidId("0123456789abcdef0123456789abcde"));
  EXPECT_TRUE(IsValidId("0123456789abcdef0123456789abcdef"));
}

}  // namespace
}  // namespace openhi
