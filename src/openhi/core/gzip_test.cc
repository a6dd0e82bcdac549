#include "openhi/core/gzip.h"

#include <gtest/gtest.h>

namespace openhi {
namespace {

TEST(Gzip, RoundTripsAndWritesTheGzipMagic) {
  std::string text(100000, 'x');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  auto gz = GzipCompress(AsBytes(text));
  ASSERT_TRUE(gz.ok());
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ((*gz)[0], std::byte{0x1f});
  EXPECT_EQ((*gz)[1], std::byte{0x8b});
  auto back = GzipDecompress(*gz);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(AsStringView(*back), text);
}

TEST(Gzip, RejectsCorruptAndTruncatedInput) {
  auto gz = *GzipCompress(AsBytes(std::string(5000, 'q')));
  Bytes truncated(gz.begin(), gz.begin() + gz.size() / 2);
  EXPECT_EQ(GzipDecompress(truncated).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GzipDecompress(AsBytes("not gzip at all")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Gzip, EnforcesTheOutputLimit) {
  auto gz = *GzipCompress(AsBytes(std::string(1 << 20, 'z')));
  EXPECT_EQ(GzipDecompress(gz, 1 << 16).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace openhi
