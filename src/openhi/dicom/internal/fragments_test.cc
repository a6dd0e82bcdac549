#include "openhi/dicom/internal/fragments.h"

#include <gtest/gtest.h>

#include <cstring>

namespace openhi::dicom::internal {
namespace {

// Fragments with the given sizes whose first bytes are a J2K SOC marker when `starts` says so.
struct Fixture {
  std::vector<Bytes> storage;
  Bytes bot_storage;
  FragmentList list;

  Fixture(const std::vector<size_t>& sizes, const std::vector<bool>& starts) {
    storage.reserve(sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      Bytes b(sizes[i], std::byte{0x11});
      if (starts[i] && b.size() >= 2) {
        b[0] = std::byte{0xFF};
        b[1] = std::byte{0x4F};
      }
      storage.push_back(std::move(b));
    }
    for (const Bytes& b : storage) list.fragments.push_back(b);
  }
  void SetBot(const std::vector<uint32_t>& offsets) {
    bot_storage.resize(offsets.size() * 4);
    std::memcpy(bot_storage.data(), offsets.data(), bot_storage.size());
    list.basic_offset_table = bot_storage;
  }
};

TEST(FragmentMapping, UsesBasicOffsetTable) {
  Fixture f({10, 20, 30, 40}, {true, false, true, false});
  f.SetBot({0, 8 + 10 + 8 + 20});
  auto ranges = MapFragmentsToFrames(f.list, 2, SyntaxFamily::kJ2k);
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].first, 0u);
  EXPECT_EQ((*ranges)[0].last, 2u);
  EXPECT_EQ((*ranges)[1].first, 2u);
  EXPECT_EQ((*ranges)[1].last, 4u);
}

TEST(FragmentMapping, UsesExtendedOffsetTable) {
  Fixture f({10, 20, 30}, {true, true, true});
  std::vector<uint64_t> offsets = {0, 18, 18 + 28};
  Bytes eot(offsets.size() * 8);
  std::memcpy(eot.data(), offsets.data(), eot.size());
  f.list.extended_offsets = eot;
  f.SetBot({0, 1, 2});  // nonsense: the EOT wins
  auto ranges = MapFragmentsToFrames(f.list, 3, SyntaxFamily::kHtj2k);
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ((*ranges)[2].first, 2u);
  EXPECT_EQ((*ranges)[2].last, 3u);
}

TEST(FragmentMapping, OneFragmentPerFrameWithoutOffsetTable) {
  Fixture f({4, 4, 4}, {false, false, false});
  auto ranges = MapFragmentsToFrames(f.list, 3, SyntaxFamily::kDcmtkRle);
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ((*ranges)[1].first, 1u);
  EXPECT_EQ((*ranges)[1].last, 2u);
}

TEST(FragmentMapping, SingleFrameTakesAllFragments) {
  Fixture f({4, 6, 8}, {true, false, false});
  auto ranges = MapFragmentsToFrames(f.list, 1, SyntaxFamily::kJ2k);
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ((*ranges)[0].first, 0u);
  EXPECT_EQ((*ranges)[0].last, 3u);
  Bytes scratch;
  EXPECT_EQ(FrameBytes(f.list, (*ranges)[0], &scratch).size(), 18u);
}

TEST(FragmentMapping, FindsFrameStartsByMarker) {
  Fixture f({4, 6, 8, 2}, {true, false, true, false});
  auto ranges = MapFragmentsToFrames(f.list, 2, SyntaxFamily::kJ2k);
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ((*ranges)[0].last, 2u);
  EXPECT_EQ((*ranges)[1].first, 2u);
  EXPECT_EQ((*ranges)[1].last, 4u);
}

TEST(FragmentMapping, InconsistentBasicOffsetTableFallsBack) {
  Fixture f({4, 4}, {true, true});
  f.SetBot({0, 5});  // 5 is not a fragment start
  auto ranges = MapFragmentsToFrames(f.list, 2, SyntaxFamily::kJ2k);
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ((*ranges)[1].first, 1u);
}

TEST(FragmentMapping, MissingFramesOfTruncatedDataGetEmptyRanges) {
  Fixture f({4, 4, 4}, {true, true, true});
  auto ranges = MapFragmentsToFrames(f.list, 5, SyntaxFamily::kJ2k);
  ASSERT_TRUE(ranges.ok());
  ASSERT_EQ(ranges->size(), 5u);
  EXPECT_LT((*ranges)[2].first, (*ranges)[2].last);
  EXPECT_EQ((*ranges)[3].first, (*ranges)[3].last);
  EXPECT_EQ((*ranges)[4].first, (*ranges)[4].last);
}

TEST(FragmentMapping, BasicOffsetTablePastTheEndMarksMissingFrames) {
  Fixture f({4, 4}, {true, true});
  f.SetBot({0, 12, 24});
  auto ranges = MapFragmentsToFrames(f.list, 3, SyntaxFamily::kJ2k);
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ((*ranges)[1].first, 1u);
  EXPECT_EQ((*ranges)[1].last, 2u);
  EXPECT_EQ((*ranges)[2].first, (*ranges)[2].last);
}

TEST(FragmentMapping, FailsWhenFragmentsCannotBeAssigned) {
  Fixture f({4, 4, 4}, {false, false, false});
  auto ranges = MapFragmentsToFrames(f.list, 2, SyntaxFamily::kJ2k);
  EXPECT_EQ(ranges.status().code(), StatusCode::kInvalidArgument);
}

TEST(FragmentMapping, FrameBytesConcatenatesFragments) {
  Fixture f({3, 5}, {true, false});
  Bytes scratch;
  ByteView all = FrameBytes(f.list, {0, 2}, &scratch);
  EXPECT_EQ(all.size(), 8u);
  EXPECT_EQ(all.data(), scratch.data());
  ByteView one = FrameBytes(f.list, {1, 2}, &scratch);
  EXPECT_EQ(one.data(), f.storage[1].data());  // no copy for a single fragment
}

}  // namespace
}  // namespace openhi::dicom::internal
