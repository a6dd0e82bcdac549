#include "openhi/infer/sliding_window.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace openhi::infer {
namespace {

// Pointwise "network": channel c = (c + 1) * x + c, padding (x = 0) included.
Result<FloatTensor> PointwisePredictor(const FloatTensor& in) {
  FloatTensor out;
  out.shape = in.shape;
  out.shape[1] = 2;
  const int64_t n = in.shape[0];
  const int64_t vox = in.shape[2] * in.shape[3] * in.shape[4];
  out.data.resize(n * 2 * vox);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t v = 0; v < vox; ++v)
        out.data[(b * 2 + c) * vox + v] = float(c + 1) * in.data[b * vox + v] + float(c);
  return out;
}

std::vector<float> Image(const std::array<int64_t, 3>& shape) {
  std::vector<float> v(shape[0] * shape[1] * shape[2]);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float((i * 37) % 101) / 100.0f;
  return v;
}

TEST(SlidingWindow, WindowStartsMatchMonaiScanIntervals) {
  // roi 96, overlap 0.5 -> interval 48; 250: first d with 48 d + 96 >= 250 is 4 -> 5 windows,
  // the last shifted back to 250 - 96 = 154.
  EXPECT_EQ(WindowStarts(250, 96, 0.5), (std::vector<int64_t>{0, 48, 96, 144, 154}));
  // An axis no larger than the roi (after padding to 96) gets one window at 0.
  EXPECT_EQ(WindowStarts(96, 96, 0.5), (std::vector<int64_t>{0}));
  // 241 (LIDC after spacing): 48 * 3 + 96 = 240 < 241, so a fifth window at 145.
  EXPECT_EQ(WindowStarts(241, 96, 0.5), (std::vector<int64_t>{0, 48, 96, 144, 145}));
  // 138: 0, 42.
  EXPECT_EQ(WindowStarts(138, 96, 0.5), (std::vector<int64_t>{0, 42}));
  // overlap 0.6 (older App SDK variant): int(96 * 0.4) = 38.
  EXPECT_EQ(WindowStarts(200, 96, 0.6), (std::vector<int64_t>{0, 38, 76, 104}));
  // overlap 0: tiles.
  EXPECT_EQ(WindowStarts(192, 96, 0.0), (std::vector<int64_t>{0, 96}));
}

TEST(SlidingWindow, WindowCountFor250x250x69) {
  const std::array<int64_t, 3> shape = {250, 250, 69};
  const std::vector<float> image(shape[0] * shape[1] * shape[2], 0.5f);
  int64_t seen = 0;
  std::vector<int64_t> batch_sizes;
  auto predictor = [&](const FloatTensor& in) {
    seen += in.shape[0];
    batch_sizes.push_back(in.shape[0]);
    return PointwisePredictor(in);
  };
  SlidingWindowStats stats;
  auto out = SlidingWindowInference(image, shape, {}, predictor, &stats);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(stats.windows, 25);  // 5 x 5 x 1
  EXPECT_EQ(seen, 25);
  EXPECT_EQ(stats.batches, 7);  // batches of 4, the last one of 1
  EXPECT_EQ(batch_sizes.back(), 1);
  EXPECT_EQ(out->shape, (std::vector<int64_t>{2, 250, 250, 69}));
}

TEST(SlidingWindow, PointwiseStitchingEqualsWholeVolume) {
  SlidingWindowOptions options;
  options.roi = {16, 12, 10};
  options.sw_batch_size = 3;
  for (const auto& shape : std::vector<std::array<int64_t, 3>>{{40, 29, 23}, {16, 12, 10}}) {
    const auto image = Image(shape);
    auto out = SlidingWindowInference(image, shape, options, PointwisePredictor);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const int64_t vox = shape[0] * shape[1] * shape[2];
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t v = 0; v < vox; ++v)
        ASSERT_NEAR(out->data[c * vox + v], float(c + 1) * image[v] + float(c), 4e-6)
            << "channel " << c << " voxel " << v;
  }
}

TEST(SlidingWindow, SmallInputIsPaddedWithCvalAndCropped) {
  SlidingWindowOptions options;
  options.roi = {8, 8, 8};
  const std::array<int64_t, 3> shape = {3, 8, 5};  // pads 5 (2 before) and 3 (1 before)
  const auto image = Image(shape);
  FloatTensor seen_input;
  auto predictor = [&](const FloatTensor& in) {
    seen_input = in;
    return PointwisePredictor(in);
  };
  auto out = SlidingWindowInference(image, shape, options, predictor);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(seen_input.shape, (std::vector<int64_t>{1, 1, 8, 8, 8}));
  // Padded voxel (0, 0, 0) is cval; image voxel (0, 0, 0) sits at (2, 0, 1) in the window.
  EXPECT_EQ(seen_input.data[0], 0.0f);
  EXPECT_EQ(seen_input.data[(2 * 8 + 0) * 8 + 1], image[0]);
  EXPECT_EQ(out->shape, (std::vector<int64_t>{2, 3, 8, 5}));
  for (size_t v = 0; v < image.size(); ++v) EXPECT_NEAR(out->data[v], image[v], 1e-7);
}

TEST(SlidingWindow, OverlapsAreAveraged) {
  // A predictor that returns the window's batch index + 1 makes overlaps visible: with roi 4
  // and overlap 0.5 on a length-8 axis, windows start at 0, 2, 4 and voxel 2 is covered by the
  // first two windows (values 1 and 2) -> 1.5.
  SlidingWindowOptions options;
  options.roi = {1, 1, 4};
  options.sw_batch_size = 8;
  const std::array<int64_t, 3> shape = {1, 1, 8};
  const std::vector<float> image(8, 0.0f);
  auto predictor = [](const FloatTensor& in) -> Result<FloatTensor> {
    FloatTensor out;
    out.shape = in.shape;
    out.data.resize(in.data.size());
    for (int64_t b = 0; b < in.shape[0]; ++b)
      for (int64_t v = 0; v < 4; ++v) out.data[b * 4 + v] = float(b + 1);
    return out;
  };
  auto out = SlidingWindowInference(image, shape, options, predictor);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->data, (std::vector<float>{1, 1, 1.5f, 1.5f, 2.5f, 2.5f, 3, 3}));
}

TEST(SlidingWindow, RejectsBadOptionsAndBadModelOutput) {
  const std::array<int64_t, 3> shape = {4, 4, 4};
  const auto image = Image(shape);
  SlidingWindowOptions options;
  options.roi = {4, 4, 4};
  options.overlap = 1.0;
  auto bad = SlidingWindowInference(image, shape, options, PointwisePredictor);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);

  options.overlap = 0.5;
  auto wrong_shape = [](const FloatTensor& in) -> Result<FloatTensor> {
    FloatTensor out;
    out.shape = {in.shape[0], 2, 2, 2, 2};
    out.data.resize(in.shape[0] * 16);
    return out;
  };
  auto r = SlidingWindowInference(image, shape, options, wrong_shape);
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);

  auto failing = [](const FloatTensor&) -> Result<FloatTensor> { return Unavailable("boom"); };
  r = SlidingWindowInference(image, shape, options, failing);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);

  r = SlidingWindowInference(std::span<const float>(image).first(10), shape, options,
                             PointwisePredictor);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openhi::infer
