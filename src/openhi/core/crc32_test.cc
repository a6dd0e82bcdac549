#include "openhi/core/crc32.h"

#include <gtest/gtest.h>

namespace openhi {
namespace {

TEST(Crc32, MatchesTheZlibCheckValue) {
  // The standard CRC-32 check value for "123456789".
  EXPECT_EQ(Crc32(AsBytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(Crc32(AsBytes("")), 0u);
}

TEST(Crc32, ContinuesFromSeed) {
  EXPECT_EQ(Crc32(AsBytes("6789"), Crc32(AsBytes("12345"))), 0xCBF43926u);
}

}  // namespace
}  // namespace openhi
