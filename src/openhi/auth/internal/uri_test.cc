#include "openhi/auth/internal/uri.h"

#include <gtest/gtest.h>

#include <string>

namespace openhi::auth::internal {
namespace {

std::string Encode(std::string_view s) {
  std::string out;
  UriEncodeTo(s, out);
  return out;
}

TEST(Uri, EncodesEverythingButUnreserved) {
  EXPECT_EQ(Encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(Encode(" +/=%:"), "%20%2B%2F%3D%25%3A");
  EXPECT_EQ(Encode("\xC3\xA9\x00"), "%C3%A9");
  EXPECT_EQ(Encode(std::string_view("\0\xFF", 2)), "%00%FF");
}

TEST(Uri, DecodesQueryComponents) {
  EXPECT_EQ(QueryDecode("tok%2B%2F%3D"), "tok+/=");
  EXPECT_EQ(QueryDecode("a+b"), "a b");
  EXPECT_EQ(QueryDecode("%e9%C3"), "\xE9\xC3");
  EXPECT_EQ(QueryDecode("100%"), "100%");
  EXPECT_EQ(QueryDecode("%4"), "%4");
  EXPECT_EQ(QueryDecode("%zz"), "%zz");
}

}  // namespace
}  // namespace openhi::auth::internal
