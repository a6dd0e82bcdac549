#include "openhi/dicom/internal/parse_guard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace openhi::dicom::internal {
namespace {

const std::string kStream =
    std::string("ab\xFE\xFF\x00\xE0zz\xFF\xFE\xE0\x00q\xFE\xFF\x00\xE0\xFE\xFF\x00\xE0", 21);

TEST(ItemHeaderCounter, CountsBothByteOrders) {
  ItemHeaderCounter counter(100);
  counter.Feed(reinterpret_cast<const unsigned char*>(kStream.data()), kStream.size());
  EXPECT_EQ(counter.count(), 4u);
}

TEST(ItemHeaderCounter, CountsPatternsSplitAcrossPieces) {
  const auto* p = reinterpret_cast<const unsigned char*>(kStream.data());
  for (size_t a = 0; a <= kStream.size(); ++a) {
    for (size_t b = a; b <= kStream.size(); ++b) {
      ItemHeaderCounter counter(100);
      counter.Feed(p, a);
      counter.Feed(p + a, b - a);
      counter.Feed(p + b, kStream.size() - b);
      ASSERT_EQ(counter.count(), 4u) << "split at " << a << "," << b;
    }
  }
}

TEST(ItemHeaderCounter, StopsPastTheLimit) {
  ItemHeaderCounter counter(2);
  EXPECT_FALSE(
      counter.Feed(reinterpret_cast<const unsigned char*>(kStream.data()), kStream.size()));
  EXPECT_EQ(counter.count(), 3u);
}

TEST(ParseGuard, CountsItemHeadersOfPlainBytes) {
  auto count = CountItemHeaders(AsBytes(kStream), 100);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 4u);
}

TEST(ParseGuard, RunsOnABigStack) {
  std::atomic<int> depth_reached{0};
  std::function<void(int)> recurse = [&](int depth) {
    volatile char frame[1024];
    frame[0] = static_cast<char>(depth);
    if (depth < 20000) recurse(depth + 1);  // ~20+ MiB of stack
    depth_reached = std::max<int>(depth_reached, depth + frame[0] * 0);
  };
  ASSERT_TRUE(RunWithStack(size_t{256} << 20, [&] { recurse(0); }).ok());
  EXPECT_EQ(depth_reached, 20000);
}

}  // namespace
}  // namespace openhi::dicom::internal
