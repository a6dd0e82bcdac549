#include "openhi/infer/spacing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace openhi::infer {
namespace {

Mat4 DiagonalAffine(std::array<double, 3> spacing, std::array<double, 3> origin) {
  Mat4 m = Identity4();
  for (int a = 0; a < 3; ++a) {
    m[a][a] = spacing[a];
    m[a][3] = origin[a];
  }
  return m;
}

// MONAI's shape formula for an axis-aligned, positively oriented input:
//   round_half_even((n - 1) * spacing / pixdim + 1)
// (compute_shape_offset: ptp of the corner coordinates in output index space, plus one).
TEST(Spacing, ShapesFollowMonaiFormula) {
  struct Case {
    std::array<int64_t, 3> shape;
    std::array<double, 3> spacing;
    std::array<double, 3> pixdim;
    std::array<int64_t, 3> expected;
  };
  const std::vector<Case> cases = {
      // LIDC-like 512x512x138, 0.703125 mm, 2 mm: 511 * 0.703125 / 1.5 + 1 = 240.53 -> 241.
      {{512, 512, 138}, {0.703125, 0.703125, 2.0}, {1.5, 1.5, 2.0}, {241, 241, 138}},
      // 250x250x69 at 0.9 mm, 3 mm: 249 * 0.9 / 1.5 + 1 = 150.4 -> 150; 68 * 3 / 2 + 1 = 103.
      {{250, 250, 69}, {0.9, 0.9, 3.0}, {1.5, 1.5, 2.0}, {150, 150, 103}},
      // Upsampling: 10 * 1 / 0.5 + 1 = 21.
      {{11, 11, 11}, {1.0, 1.0, 1.0}, {0.5, 0.5, 0.5}, {21, 21, 21}},
      // Half-way cases round to even: 3/2+1 = 2.5 -> 2, 5/2+1 = 3.5 -> 4, 7/2+1 = 4.5 -> 4.
      {{4, 6, 8}, {1.0, 1.0, 1.0}, {2.0, 2.0, 2.0}, {2, 4, 4}},
      // One slice stays one slice.
      {{64, 64, 1}, {1.0, 1.0, 5.0}, {1.5, 1.5, 2.0}, {43, 43, 1}},
  };
  for (const Case& c : cases) {
    auto plan = PlanSpacing(c.shape, DiagonalAffine(c.spacing, {0, 0, 0}), c.pixdim);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->shape, c.expected) << c.shape[0] << "x" << c.shape[1] << "x" << c.shape[2];
    // The output grid starts at the input's first voxel and has the requested spacing.
    for (int a = 0; a < 3; ++a) {
      EXPECT_DOUBLE_EQ(plan->affine[a][a], c.pixdim[a]);
      EXPECT_DOUBLE_EQ(plan->affine[a][3], 0.0);
    }
  }
}

TEST(Spacing, SpacingWithinAffineTolIsKept) {
  auto plan = PlanSpacing({100, 100, 40}, DiagonalAffine({1.5004, 0.7, 2.0}, {1, 2, 3}),
                          {1.5, 1.5, 2.0});
  ASSERT_TRUE(plan.ok());
  EXPECT_DOUBLE_EQ(plan->pixdim[0], 1.5004);
  EXPECT_DOUBLE_EQ(plan->pixdim[1], 1.5);
  EXPECT_EQ(plan->shape[0], 100);
  EXPECT_DOUBLE_EQ(plan->affine[0][3], 1.0);
}

TEST(Spacing, RotationIsKeptAndShapeIsRotationInvariant) {
  const double c = std::cos(0.3), s = std::sin(0.3);
  Mat4 m = Identity4();
  const std::array<double, 3> sp = {0.8, 0.8, 2.5};
  // columns: rotated x/y axes scaled by spacing
  m[0][0] = c * sp[0];
  m[1][0] = s * sp[0];
  m[0][1] = -s * sp[1];
  m[1][1] = c * sp[1];
  m[2][2] = sp[2];
  m[0][3] = 10;
  m[1][3] = -20;
  m[2][3] = 30;
  auto plan = PlanSpacing({200, 150, 40}, m, {1.5, 1.5, 2.0});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->shape, (std::array<int64_t, 3>{107, 80, 50}));
  EXPECT_NEAR(plan->affine[0][0], c * 1.5, 1e-12);
  EXPECT_NEAR(plan->affine[1][0], s * 1.5, 1e-12);
  EXPECT_NEAR(plan->affine[0][3], 10, 1e-9);
}

TEST(Spacing, BadPixdimIsInvalidArgument) {
  auto plan = PlanSpacing({4, 4, 4}, Identity4(), {1.5, 0.0, 2.0});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
}

double Ramp(double a, double b, double c) { return 3.0 * a - 2.0 * b + 0.5 * c + 7.0; }

TEST(Spacing, LinearRampIsExactInTheInterior) {
  const std::array<int64_t, 3> shape = {30, 25, 12};
  std::vector<float> src(shape[0] * shape[1] * shape[2]);
  const auto src_view = COrderView(src.data(), shape);
  for (int64_t a = 0; a < shape[0]; ++a)
    for (int64_t b = 0; b < shape[1]; ++b)
      for (int64_t c = 0; c < shape[2]; ++c) src_view.At(a, b, c) = float(Ramp(a, b, c));
  const Mat4 affine = DiagonalAffine({0.7, 0.9, 3.0}, {-5, 5, 50});
  auto plan = PlanSpacing(shape, affine, {1.5, 1.5, 2.0});
  ASSERT_TRUE(plan.ok());
  auto xform = IndexTransform(affine, plan->affine);
  ASSERT_TRUE(xform.ok());
  std::vector<float> dst(plan->shape[0] * plan->shape[1] * plan->shape[2]);
  const auto dst_view = COrderView(dst.data(), plan->shape);
  ResampleTrilinear(COrderView<const float>(src.data(), shape), *xform, dst_view);
  int64_t checked = 0;
  for (int64_t a = 0; a < plan->shape[0]; ++a) {
    for (int64_t b = 0; b < plan->shape[1]; ++b) {
      for (int64_t c = 0; c < plan->shape[2]; ++c) {
        const double x0 = a * 1.5 / 0.7, x1 = b * 1.5 / 0.9, x2 = c * 2.0 / 3.0;
        if (x0 > shape[0] - 1 || x1 > shape[1] - 1 || x2 > shape[2] - 1) continue;
        EXPECT_NEAR(dst_view.At(a, b, c), Ramp(x0, x1, x2), 1e-4);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(Spacing, BorderPaddingClampsOutsideSamples) {
  const std::array<int64_t, 3> shape = {2, 2, 2};
  std::vector<float> src = {1, 2, 3, 4, 5, 6, 7, 8};
  Mat4 xform = Identity4();
  xform[0][3] = -5.0;  // every output sample lies before the first voxel along axis 0
  std::vector<float> dst(8, -1.0f);
  ResampleTrilinear(COrderView<const float>(src.data(), shape), xform,
                    COrderView(dst.data(), shape));
  EXPECT_EQ(dst, (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4}));
}

TEST(Spacing, InverseRestoresTheOriginalGrid) {
  const std::array<int64_t, 3> shape = {40, 33, 9};
  const Mat4 affine = DiagonalAffine({0.8, 1.1, 4.0}, {12, -3, 100});
  auto plan = PlanSpacing(shape, affine, {1.5, 1.5, 2.0});
  ASSERT_TRUE(plan.ok());
  auto forward = IndexTransform(affine, plan->affine);
  auto inverse = IndexTransform(plan->affine, affine);
  ASSERT_TRUE(forward.ok() && inverse.ok());
  const Mat4 round_trip = Multiply(*forward, *inverse);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(round_trip[r][c], r == c ? 1.0 : 0.0, 1e-12);

  // Ramp -> spacing grid -> back onto the original grid (of the original shape).
  std::vector<float> src(shape[0] * shape[1] * shape[2]);
  const auto src_view = COrderView(src.data(), shape);
  for (int64_t a = 0; a < shape[0]; ++a)
    for (int64_t b = 0; b < shape[1]; ++b)
      for (int64_t c = 0; c < shape[2]; ++c) src_view.At(a, b, c) = float(Ramp(a, b, c));
  std::vector<float> mid(plan->shape[0] * plan->shape[1] * plan->shape[2]);
  ResampleTrilinear(COrderView<const float>(src.data(), shape), *forward,
                    COrderView(mid.data(), plan->shape));
  std::vector<float> back(src.size(), 0.0f);
  ResampleTrilinear(COrderView<const float>(mid.data(), plan->shape), *inverse,
                    COrderView(back.data(), shape));
  // Interior voxels (whose resampled neighbours were not clamped) come back exactly.
  const std::array<double, 3> sp = {0.8, 1.1, 4.0}, pix = {1.5, 1.5, 2.0};
  auto interior = [&](int axis, int64_t i) {
    const double mm = i * sp[axis] + pix[axis];
    return mm <= (shape[axis] - 1) * sp[axis] && mm <= (plan->shape[axis] - 1) * pix[axis];
  };
  int64_t checked = 0;
  for (int64_t a = 0; a < shape[0]; ++a)
    for (int64_t b = 0; b < shape[1]; ++b)
      for (int64_t c = 0; c < shape[2]; ++c) {
        if (!interior(0, a) || !interior(1, b) || !interior(2, c)) continue;
        ++checked;
        EXPECT_NEAR(back[(a * shape[1] + b) * shape[2] + c], src_view.At(a, b, c), 1e-3);
      }
  EXPECT_GT(checked, 1000);
}

TEST(Spacing, ArgmaxPicksTheLargerInterpolatedChannel) {
  // Two channels on a 1x1x4 grid; channel 1 rises along axis 2.
  const std::array<int64_t, 3> shape = {1, 1, 4};
  std::vector<float> probs = {1.0f, 0.8f, 0.2f, 0.0f,   // channel 0
                              0.0f, 0.2f, 0.8f, 1.0f};  // channel 1
  std::vector<uint8_t> labels(7, 9);
  Mat4 xform = Identity4();
  xform[2][2] = 0.5;  // output index c samples input 0.5 * c
  ResampleArgmax(probs.data(), 2, shape, xform,
                 COrderView(labels.data(), std::array<int64_t, 3>{1, 1, 7}));
  // samples at 0, .5, 1, 1.5 (tie -> 0), 2, 2.5, 3
  EXPECT_EQ(labels, (std::vector<uint8_t>{0, 0, 0, 0, 1, 1, 1}));
}

TEST(Spacing, APoolGivesBitIdenticalResults) {
  // An oblique map over a noisy array: every output voxel must not depend on the threads.
  const std::array<int64_t, 3> shape = {23, 17, 29}, out_shape = {31, 19, 27};
  std::vector<float> src(shape[0] * shape[1] * shape[2]);
  uint32_t state = 12345;
  for (float& v : src) {
    state = state * 1664525u + 1013904223u;
    v = float(state >> 8) / float(1 << 24);
  }
  Mat4 xform = Identity4();
  xform[0][0] = 0.7;
  xform[0][1] = 0.1;
  xform[1][2] = -0.2;
  xform[1][3] = 3.5;
  xform[2][2] = 1.1;
  const size_t n = out_shape[0] * out_shape[1] * out_shape[2];
  std::vector<float> serial(n), parallel(n, -1);
  ThreadPool pool(3);
  ResampleTrilinear(COrderView<const float>(src.data(), shape), xform,
                    COrderView(serial.data(), out_shape));
  ResampleTrilinear(COrderView<const float>(src.data(), shape), xform,
                    COrderView(parallel.data(), out_shape), &pool);
  EXPECT_EQ(serial, parallel);

  std::vector<float> probs(src.size() * 2);
  for (size_t i = 0; i < src.size(); ++i) {
    probs[i] = src[i];
    probs[src.size() + i] = 1 - src[i];
  }
  std::vector<uint8_t> labels_serial(n), labels_parallel(n, 9);
  ResampleArgmax(probs.data(), 2, shape, xform, COrderView(labels_serial.data(), out_shape));
  ResampleArgmax(probs.data(), 2, shape, xform, COrderView(labels_parallel.data(), out_shape),
                 &pool);
  EXPECT_EQ(labels_serial, labels_parallel);
  size_t ones = 0;
  for (uint8_t l : labels_serial) ones += l;
  EXPECT_GT(ones, n / 4);  // both channels win somewhere
  EXPECT_LT(ones, 3 * n / 4);
}

}  // namespace
}  // namespace openhi::infer
