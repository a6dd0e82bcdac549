#include <algorithm>
#include "openhi/volume/slice_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

namespace openhi::volume {
namespace {

// A plan of `slices` axial slices of 3 x 2 pixels.
VolumePlan SmallPlan(size_t slices) {
  std::vector<SliceGeometry> input(slices);
  for (size_t k = 0; k < slices; ++k) {
    input[k].position = {0, 0, 2.0 * k};
    input[k].rows = 2;
    input[k].columns = 3;
  }
  Result<VolumePlan> plan = PlanVolume(input);
  EXPECT_TRUE(plan.ok());
  return *plan;
}

template <typename T>
codec::Image Frame(std::vector<T> values, uint8_t bits_stored, bool is_signed, uint32_t width = 3,
                   uint32_t height = 2) {
  codec::Image img;
  img.desc = {width, height, 1, bits_stored, static_cast<uint8_t>(sizeof(T)), is_signed};
  img.samples.resize(values.size() * sizeof(T));
  std::memcpy(img.samples.data(), values.data(), img.samples.size());
  return img;
}

std::vector<float> SliceOf(const Volume& v, size_t k) {
  size_t n = v.geometry.size[0] * v.geometry.size[1];
  return {v.voxels.begin() + k * n, v.voxels.begin() + (k + 1) * n};
}

TEST(WriteSlice, AppliesSlopeAndInterceptForEverySampleType) {
  VolumePlan plan = SmallPlan(4);
  Volume v = AllocateVolume(plan);
  ASSERT_EQ(v.voxels.size(), 24u);
  ASSERT_TRUE(
      WriteSlice(plan, 0, Frame<uint8_t>({0, 1, 2, 128, 254, 255}, 8, false), 2, -1, &v).ok());
  ASSERT_TRUE(
      WriteSlice(plan, 1, Frame<int8_t>({-128, -1, 0, 1, 100, 127}, 8, true), 1, 0, &v).ok());
  ASSERT_TRUE(
      WriteSlice(plan, 2, Frame<uint16_t>({0, 1, 4095, 4096, 40000, 65535}, 16, false), 0.5, 10, &v)
          .ok());
  ASSERT_TRUE(WriteSlice(plan, 3, Frame<int16_t>({-32768, -2000, -1, 0, 1000, 32767}, 16, true), 1,
                         -1024, &v)
                  .ok());
  EXPECT_EQ(SliceOf(v, 0), (std::vector<float>{-1, 1, 3, 255, 507, 509}));
  EXPECT_EQ(SliceOf(v, 1), (std::vector<float>{-128, -1, 0, 1, 100, 127}));
  EXPECT_EQ(SliceOf(v, 2), (std::vector<float>{10, 10.5, 2057.5, 2058, 20010, 32777.5}));
  EXPECT_EQ(SliceOf(v, 3), (std::vector<float>{-33792, -3024, -1025, -1024, -24, 31743}));
}

TEST(WriteSlice, VoxelOrderIsColumnFastestThenRow) {
  VolumePlan plan = SmallPlan(2);
  Volume v = AllocateVolume(plan);
  std::fill(v.voxels.begin(), v.voxels.end(), -7.0f);  // placed slices start uninitialised
  // Row 0: 10 11 12; row 1: 20 21 22.
  ASSERT_TRUE(
      WriteSlice(plan, 1, Frame<uint16_t>({10, 11, 12, 20, 21, 22}, 12, false), 1, 0, &v).ok());
  EXPECT_EQ(v.voxels[v.Index(2, 0, 1)], 12);
  EXPECT_EQ(v.voxels[v.Index(0, 1, 1)], 20);
  EXPECT_EQ(v.voxels[v.Index(2, 1, 1)], 22);
  EXPECT_EQ(v.voxels[v.Index(2, 1, 0)], -7.0f);  // another slice is not touched
}

TEST(WriteSlice, RejectsWhatDoesNotFit) {
  VolumePlan plan = SmallPlan(2);
  Volume v = AllocateVolume(plan);
  codec::Image good = Frame<uint16_t>({1, 2, 3, 4, 5, 6}, 16, false);
  EXPECT_EQ(WriteSlice(plan, 2, good, 1, 0, &v).code(), StatusCode::kInvalidArgument);

  codec::Image rgb = Frame<uint8_t>(std::vector<uint8_t>(18, 1), 8, false);
  rgb.desc.components = 3;
  EXPECT_EQ(WriteSlice(plan, 0, rgb, 1, 0, &v).code(), StatusCode::kInvalidArgument);

  codec::Image wide = Frame<uint16_t>({1, 2, 3, 4, 5, 6, 7, 8}, 16, false, 4, 2);
  EXPECT_EQ(WriteSlice(plan, 0, wide, 1, 0, &v).code(), StatusCode::kInvalidArgument);

  codec::Image short_buffer = good;
  short_buffer.samples.pop_back();
  EXPECT_EQ(WriteSlice(plan, 0, short_buffer, 1, 0, &v).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(WriteSlice(plan, 0, good, std::nan(""), 0, &v).code(), StatusCode::kInvalidArgument);

  Volume wrong;
  EXPECT_EQ(WriteSlice(plan, 0, good, 1, 0, &wrong).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteSlice(plan, 0, good, 1, 0, nullptr).code(), StatusCode::kInvalidArgument);
}

TEST(WriteSlice, RejectsPlaceholderSlicesWhichKeepTheFillValue) {
  std::vector<SliceGeometry> input(3);
  for (size_t k = 0; k < 3; ++k) {
    input[k].rows = 2;
    input[k].columns = 3;
  }
  input[1].position = {0, 0, 2};
  input[2].position = {0, 0, 6};  // the slice at 4 mm is missing
  PlanOptions options;
  options.gaps = GapPolicy::kFillEmptySlices;
  options.empty_slice_value = -1024;
  Result<VolumePlan> plan = PlanVolume(input, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Volume v = AllocateVolume(*plan);
  codec::Image frame = Frame<int16_t>({1, 2, 3, 4, 5, 6}, 16, true);
  ASSERT_EQ(plan->slice_order[2], VolumePlan::kNoSlice);
  EXPECT_EQ(WriteSlice(*plan, 2, frame, 1, 0, &v).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SliceOf(v, 2), std::vector<float>(6, -1024));
}

TEST(WriteSlice, DistinctSlicesFromManyThreads) {
  constexpr size_t kSlices = 64;
  VolumePlan plan = SmallPlan(kSlices);
  Volume v = AllocateVolume(plan);
  std::vector<std::thread> threads;
  std::vector<Status> results(kSlices);
  for (size_t k = 0; k < kSlices; ++k) {
    threads.emplace_back([&, k] {
      auto value = static_cast<int16_t>(k);
      results[k] =
          WriteSlice(plan, k, Frame<int16_t>(std::vector<int16_t>(6, value), 16, true), 1, 0.5, &v);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t k = 0; k < kSlices; ++k) {
    ASSERT_TRUE(results[k].ok());
    EXPECT_EQ(SliceOf(v, k), std::vector<float>(6, k + 0.5f));
  }
}

// Row by row gives the same voxels as WriteSlice, for every sample type and both rescale paths.
TEST(SliceRowWriter, WritesWhatWriteSliceWrites) {
  VolumePlan plan = SmallPlan(4);
  const codec::Image frames[] = {
      Frame<uint8_t>({0, 1, 2, 128, 254, 255}, 8, false),
      Frame<int8_t>({-128, -1, 0, 1, 100, 127}, 8, true),
      Frame<uint16_t>({0, 1, 4095, 4096, 40000, 65535}, 16, false),
      Frame<int16_t>({-32768, -2000, -1, 0, 1000, 32767}, 16, true)};
  const double slopes[] = {2, 1, 0.5, 1};
  const double intercepts[] = {-1, 0, 10, -1024};
  Volume whole = AllocateVolume(plan);
  Volume rows = AllocateVolume(plan);
  for (size_t k = 0; k < 4; ++k) {
    const codec::Image& f = frames[k];
    ASSERT_TRUE(WriteSlice(plan, k, f, slopes[k], intercepts[k], &whole).ok());
    SliceRowWriter writer;
    ASSERT_TRUE(writer.Begin(plan, k, f.desc, slopes[k], intercepts[k], &rows).ok());
    const size_t row_bytes = size_t{f.desc.width} * f.desc.bytes_per_sample;
    // Rows in reverse order: each lands on its own voxel row.
    for (uint32_t j = f.desc.height; j-- > 0;) {
      ASSERT_TRUE(writer.WriteRows(j, ByteView(f.samples).subspan(j * row_bytes, row_bytes)).ok());
    }
    EXPECT_EQ(SliceOf(rows, k), SliceOf(whole, k)) << "slice " << k;
    // All rows in one band.
    std::fill_n(rows.voxels.data() + k * 6, 6, 0.0f);
    ASSERT_TRUE(writer.WriteRows(0, f.samples).ok());
    EXPECT_EQ(SliceOf(rows, k), SliceOf(whole, k)) << "slice " << k;
  }
}

TEST(SliceRowWriter, RejectsWhatWriteSliceRejectsAndBadRows) {
  VolumePlan plan = SmallPlan(2);
  Volume v = AllocateVolume(plan);
  const codec::Image f = Frame<int16_t>({1, 2, 3, 4, 5, 6}, 16, true);
  SliceRowWriter writer;
  const ByteView row0 = ByteView(f.samples).first(6);
  EXPECT_EQ(writer.WriteRows(0, row0).code(), StatusCode::kInvalidArgument);  // no Begin
  EXPECT_EQ(writer.Begin(plan, 2, f.desc, 1, 0, &v).code(), StatusCode::kInvalidArgument);
  codec::ImageDesc rgb = f.desc;
  rgb.components = 3;
  EXPECT_EQ(writer.Begin(plan, 0, rgb, 1, 0, &v).code(), StatusCode::kInvalidArgument);
  codec::ImageDesc wide = f.desc;
  wide.width = 4;
  EXPECT_EQ(writer.Begin(plan, 0, wide, 1, 0, &v).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Begin(plan, 0, f.desc, NAN, 0, &v).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.WriteRows(0, row0).code(), StatusCode::kInvalidArgument);  // failed Begin
  ASSERT_TRUE(writer.Begin(plan, 0, f.desc, 1, 0, &v).ok());
  EXPECT_TRUE(writer.WriteRows(0, row0).ok());
  EXPECT_TRUE(writer.WriteRows(0, f.samples).ok());
  EXPECT_EQ(writer.WriteRows(2, row0).code(), StatusCode::kInvalidArgument);       // past the end
  EXPECT_EQ(writer.WriteRows(1, f.samples).code(), StatusCode::kInvalidArgument);  // runs past
  EXPECT_EQ(writer.WriteRows(1, ByteView(f.samples).first(4)).code(),
            StatusCode::kInvalidArgument);  // part of a row
  EXPECT_EQ(writer.WriteRows(0, ByteView(f.samples).first(0)).code(),
            StatusCode::kInvalidArgument);  // no rows
}

}  // namespace
}  // namespace openhi::volume
