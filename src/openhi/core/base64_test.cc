#include "openhi/core/base64.h"

#include <gtest/gtest.h>

namespace openhi {
namespace {

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : kVectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), enc);
    auto back = Base64Decode(enc);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(AsStringView(*back), plain);
  }
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9*").ok());
  EXPECT_FALSE(Base64Decode("Z=9v").ok());
}

}  // namespace
}  // namespace openhi
