// PlanVolume on synthetic series: orientations, input orders and every irregularity.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "openhi/volume/internal/vec_math.h"
#include "openhi/volume/volume_plan.h"

namespace openhi::volume {
namespace {

using internal::Add;
using internal::Cross;
using internal::Norm;
using internal::Normalized;
using internal::Scale;
using internal::Sub;
using ::testing::HasSubstr;

constexpr double kTol = 1e-9;

// n slices of 4 x 3 pixels (columns x rows), PixelSpacing [row 0.8, column 0.7] mm, slice k at
// first + k * step (LPS mm), in spatial order.
std::vector<SliceGeometry> Series(size_t n, Vec3 row, Vec3 column, Vec3 first, Vec3 step) {
  std::vector<SliceGeometry> out(n);
  for (size_t k = 0; k < n; ++k) {
    SliceGeometry& s = out[k];
    s.position = Add(first, Scale(step, static_cast<double>(k)));
    s.orientation = {row[0], row[1], row[2], column[0], column[1], column[2]};
    s.pixel_spacing = {0.8, 0.7};
    s.rows = 3;
    s.columns = 4;
  }
  return out;
}

std::vector<SliceGeometry> Axial(size_t n, double z0 = -100, double dz = 2) {
  return Series(n, {1, 0, 0}, {0, 1, 0}, {-50, -60, z0}, {0, 0, dz});
}

void ExpectNear(const Vec3& actual, const Vec3& expected, double tol = kTol) {
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(actual[a], expected[a], tol) << "axis " << a;
}

// Every placed slice's pixel (i, j) lands where its own IPP/IOP/PixelSpacing say.
void ExpectVoxelsAtSlicePositions(const VolumePlan& plan, const std::vector<SliceGeometry>& slices,
                                  double tol = 1e-6) {
  for (size_t k = 0; k < plan.slice_order.size(); ++k) {
    if (plan.slice_order[k] == VolumePlan::kNoSlice) continue;
    const SliceGeometry& s = slices[plan.slice_order[k]];
    Vec3 row = Normalized({s.orientation[0], s.orientation[1], s.orientation[2]});
    Vec3 col = Normalized({s.orientation[3], s.orientation[4], s.orientation[5]});
    for (double i : {0.0, 3.0}) {
      for (double j : {0.0, 2.0}) {
        Vec3 expected = Add(s.position, Add(Scale(row, i * s.pixel_spacing[1]),
                                            Scale(col, j * s.pixel_spacing[0])));
        ExpectNear(plan.geometry.VoxelToLps(i, j, static_cast<double>(k)), expected, tol);
      }
    }
  }
}

std::vector<size_t> Iota(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

TEST(PlanVolume, AxialInSpatialOrderKeepsOrderAndReportsNothing) {
  auto slices = Axial(10);
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const VolumeGeometry& g = plan->geometry;
  EXPECT_EQ(g.size, (std::array<size_t, 3>{4, 3, 10}));
  EXPECT_NEAR(g.spacing_mm[0], 0.7, kTol);  // PixelSpacing[1]: between columns
  EXPECT_NEAR(g.spacing_mm[1], 0.8, kTol);  // PixelSpacing[0]: between rows
  EXPECT_NEAR(g.spacing_mm[2], 2.0, kTol);
  ExpectNear(g.origin_mm, {-50, -60, -100});
  ExpectNear(g.direction[2], {0, 0, 1});
  EXPECT_EQ(plan->slice_order, Iota(10));
  EXPECT_NEAR(plan->slice_distance_mm[9], 18.0, kTol);
  EXPECT_TRUE(plan->issues.empty());
  EXPECT_EQ(plan->tilt_deg, 0);
  ExpectVoxelsAtSlicePositions(*plan, slices);
}

TEST(PlanVolume, ReversedInputIsSortedAlongTheNormal) {
  auto slices = Axial(6);
  std::reverse(slices.begin(), slices.end());  // feet-first stacks often come top-down
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{5, 4, 3, 2, 1, 0}));
  ExpectNear(plan->geometry.origin_mm, {-50, -60, -100});
  EXPECT_TRUE(plan->issues.empty());
}

TEST(PlanVolume, FeetFirstOrientationSortsAlongItsOwnNormal) {
  // Feet-first supine: IOP row (-1, 0, 0), column (0, 1, 0): normal (0, 0, -1).
  auto slices = Series(5, {-1, 0, 0}, {0, 1, 0}, {50, -60, -100}, {0, 0, 2});
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok());
  ExpectNear(plan->geometry.direction[2], {0, 0, -1});
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{4, 3, 2, 1, 0}));
  ExpectNear(plan->geometry.origin_mm, {50, -60, -92});
  ExpectVoxelsAtSlicePositions(*plan, slices);
}

TEST(PlanVolume, ShuffledInputIsSorted) {
  auto spatial = Axial(40, 10, 1.25);
  std::vector<size_t> perm = Iota(spatial.size());
  std::shuffle(perm.begin(), perm.end(), std::mt19937(7));
  std::vector<SliceGeometry> shuffled;
  for (size_t p : perm) shuffled.push_back(spatial[p]);
  Result<VolumePlan> plan = PlanVolume(shuffled);
  ASSERT_TRUE(plan.ok());
  for (size_t k = 0; k < spatial.size(); ++k) EXPECT_EQ(perm[plan->slice_order[k]], k);
  EXPECT_TRUE(plan->issues.empty());
  ExpectVoxelsAtSlicePositions(*plan, shuffled);
}

TEST(PlanVolume, Coronal) {
  // row (1, 0, 0), column (0, 0, -1): normal (0, 1, 0).
  auto slices = Series(5, {1, 0, 0}, {0, 0, -1}, {-50, 20, 80}, {0, -3, 0});
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok());
  ExpectNear(plan->geometry.direction[2], {0, 1, 0});
  EXPECT_NEAR(plan->geometry.spacing_mm[2], 3.0, kTol);
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{4, 3, 2, 1, 0}));
  ExpectNear(plan->geometry.origin_mm, {-50, 8, 80});
  ExpectVoxelsAtSlicePositions(*plan, slices);
}

TEST(PlanVolume, SagittalSortsByProjectionNotByCoordinateSum) {
  // row (0, 1, 0), column (0, 0, -1): normal (-1, 0, 0). Spatial order is descending x, the
  // reverse of an order by coordinate sum or by x.
  auto slices = Series(4, {0, 1, 0}, {0, 0, -1}, {-30, -60, 80}, {5, 0, 0});
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok());
  ExpectNear(plan->geometry.direction[2], {-1, 0, 0});
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{3, 2, 1, 0}));
  ExpectNear(plan->geometry.origin_mm, {-15, -60, 80});
  ExpectVoxelsAtSlicePositions(*plan, slices);
}

TEST(PlanVolume, ObliqueSortsByProjectionOnTheNormal) {
  // An oblique frame whose normal has a large negative z: sorting by z or by x+y+z of the
  // positions would reverse this stack; the projection on the normal does not.
  Vec3 row = Normalized({0.6, 0.8, 0.0});
  Vec3 column = Normalized({0.4, -0.3, 0.866});
  column = Normalized(Sub(column, Scale(row, internal::Dot(row, column))));
  Vec3 normal = Normalized(Cross(row, column));
  ASSERT_LT(normal[2], -0.4);
  auto slices = Series(7, row, column, {10, 20, 30}, Scale(normal, 2.5));
  std::vector<SliceGeometry> input = {slices[3], slices[0], slices[6], slices[1],
                                      slices[5], slices[2], slices[4]};
  Result<VolumePlan> plan = PlanVolume(input);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{1, 3, 5, 0, 6, 4, 2}));
  ExpectNear(plan->geometry.direction[2], normal);
  EXPECT_NEAR(plan->geometry.spacing_mm[2], 2.5, kTol);
  ExpectNear(plan->geometry.origin_mm, {10, 20, 30});
  EXPECT_TRUE(plan->issues.empty());
  ExpectVoxelsAtSlicePositions(*plan, input);
}

TEST(PlanVolume, DuplicatePositionsAreFatalByDefault) {
  auto slices = Axial(5);
  slices.push_back(slices[2]);
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("duplicate_position"));
  EXPECT_THAT(plan.status().message(), HasSubstr("input indices 2, 5"));
  EXPECT_THAT(plan.status().message(), HasSubstr("-96.000"));
}

TEST(PlanVolume, DuplicatesKeepFirstWhenAsked) {
  auto slices = Axial(5);
  slices.insert(slices.begin(), slices[3]);  // input 0 and input 4 share z = -94
  PlanOptions options;
  options.duplicates = DuplicatePolicy::kKeepFirst;
  Result<VolumePlan> plan = PlanVolume(slices, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{1, 2, 3, 0, 5}));
  EXPECT_EQ(plan->dropped_slices, (std::vector<size_t>{4}));
  ASSERT_EQ(plan->issues.size(), 1u);
  EXPECT_EQ(plan->issues[0].kind, IssueKind::kDuplicatePosition);
  EXPECT_THAT(plan->issues[0].message, HasSubstr("kept input index 0"));
}

TEST(PlanVolume, MissingSliceIsAGapFatalByDefault) {
  auto slices = Axial(10);
  slices.erase(slices.begin() + 4);
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("gap: 1 slice(s) missing between -94.000"));
}

TEST(PlanVolume, GapsCanBeFilledWithEmptySlices) {
  auto slices = Axial(10);
  slices.erase(slices.begin() + 6, slices.begin() + 8);  // two missing: z = -88, -86
  slices.erase(slices.begin() + 2);                      // one missing: z = -96
  PlanOptions options;
  options.gaps = GapPolicy::kFillEmptySlices;
  options.empty_slice_value = -1024;
  Result<VolumePlan> plan = PlanVolume(slices, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  constexpr size_t kNo = VolumePlan::kNoSlice;
  EXPECT_EQ(plan->slice_order, (std::vector<size_t>{0, 1, kNo, 2, 3, 4, kNo, kNo, 5, 6}));
  EXPECT_NEAR(plan->geometry.spacing_mm[2], 2.0, kTol);
  EXPECT_NEAR(plan->slice_distance_mm[6], 12.0, kTol);
  EXPECT_EQ(plan->empty_slice_value, -1024);
  ASSERT_EQ(plan->issues.size(), 2u);
  EXPECT_EQ(plan->issues[0].kind, IssueKind::kGap);
  EXPECT_THAT(plan->issues[1].message, HasSubstr("2 slice(s) missing"));
  ExpectVoxelsAtSlicePositions(*plan, slices);
}

TEST(PlanVolume, IrregularSpacingIsFatalByDefaultAndCanBeStacked) {
  auto slices = Axial(6);
  slices[3].position[2] += 0.5;  // 1.25 mm away from a 2 mm grid... 25 %: irregular
  Result<VolumePlan> rejected = PlanVolume(slices);
  ASSERT_FALSE(rejected.ok());
  EXPECT_THAT(rejected.status().message(), HasSubstr("irregular_spacing: steps along the normal"));

  PlanOptions options;
  options.irregular_spacing = IrregularSpacingPolicy::kStackAtMeanSpacing;
  Result<VolumePlan> plan = PlanVolume(slices, options);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->issues.size(), 1u);
  EXPECT_EQ(plan->issues[0].kind, IssueKind::kIrregularSpacing);
  EXPECT_THAT(plan->issues[0].message, HasSubstr("0.500 mm from its grid position; tolerated"));
  EXPECT_EQ(plan->slice_order, Iota(6));
  EXPECT_NEAR(plan->geometry.spacing_mm[2], 2.0, kTol);  // (last - first) / 5
  EXPECT_NEAR(plan->slice_distance_mm[3], 6.5, kTol);    // the real position, for resampling
}

TEST(PlanVolume, JitterWithinTheToleranceIsRegular) {
  auto slices = Axial(8, 0, 0.625);
  for (size_t k = 0; k < slices.size(); ++k) slices[k].position[2] += (k % 2 ? 1 : -1) * 0.003;
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->issues.empty());
}

TEST(PlanVolume, GantryTiltIsToleratedWithShearedGeometry) {
  // Origins advance by (0, 1, 2) mm per slice: 26.57 deg from the axial normal.
  auto slices = Series(6, {1, 0, 0}, {0, 1, 0}, {-50, -60, -100}, {0, 1, 2});
  std::reverse(slices.begin(), slices.end());
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->issues.size(), 1u);
  EXPECT_EQ(plan->issues[0].kind, IssueKind::kGantryTilt);
  EXPECT_THAT(plan->issues[0].message, HasSubstr("26.57 deg"));
  EXPECT_NEAR(plan->tilt_deg, std::atan(0.5) * 180 / M_PI, 1e-9);
  ExpectNear(plan->geometry.direction[2], Normalized({0, 1, 2}));
  EXPECT_NEAR(plan->geometry.spacing_mm[2], std::sqrt(5.0), kTol);
  EXPECT_NEAR(plan->slice_distance_mm[5], 10.0, kTol);
  ExpectVoxelsAtSlicePositions(*plan, slices);

  PlanOptions strict;
  strict.allow_gantry_tilt = false;
  Result<VolumePlan> rejected = PlanVolume(slices, strict);
  ASSERT_FALSE(rejected.ok());
  EXPECT_THAT(rejected.status().message(), HasSubstr("gantry_tilt"));
}

TEST(PlanVolume, TiltedOrientationWithAxialStepsIsATilt) {
  // The GE head CT pattern: IOP column tilted 18.5 deg, table steps along z.
  double t = 18.5 * M_PI / 180;
  auto slices =
      Series(5, {1, 0, 0}, {0, std::cos(t), -std::sin(t)}, {-125, -123.5, 5.8}, {0, 0, 4.22});
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->HasIssue(IssueKind::kGantryTilt));
  EXPECT_NEAR(plan->tilt_deg, 18.5, 1e-9);
  ExpectNear(plan->geometry.direction[2], {0, 0, 1});
  EXPECT_NEAR(plan->geometry.spacing_mm[2], 4.22, kTol);
  EXPECT_NEAR(plan->slice_distance_mm[1], 4.22 * std::cos(t), kTol);
  ExpectVoxelsAtSlicePositions(*plan, slices);
}

TEST(PlanVolume, SingleSliceUsesSliceThicknessAndIsReported) {
  auto slices = Axial(1);
  slices[0].slice_thickness_mm = 5;
  Result<VolumePlan> plan = PlanVolume(slices);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->geometry.size[2], 1u);
  EXPECT_NEAR(plan->geometry.spacing_mm[2], 5, kTol);
  ASSERT_EQ(plan->issues.size(), 1u);
  EXPECT_EQ(plan->issues[0].kind, IssueKind::kSingleSlice);

  PlanOptions strict;
  strict.allow_single_slice = false;
  EXPECT_EQ(PlanVolume(slices, strict).status().code(), StatusCode::kFailedPrecondition);
}

TEST(PlanVolume, MixedSizesOrientationsOrPixelSpacingsAreFatal) {
  auto sizes = Axial(4);
  sizes[2].rows = 4;
  Result<VolumePlan> plan = PlanVolume(sizes);
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("mixed_size: slice 2 is 4x4"));

  auto orientations = Axial(4);
  orientations[1].orientation = {0.999, 0.0447, 0, -0.0447, 0.999, 0};
  plan = PlanVolume(orientations);
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("mixed_orientation: slice 1"));

  auto spacings = Axial(4);
  spacings[3].pixel_spacing = {0.8, 0.75};
  plan = PlanVolume(spacings);
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("mixed_pixel_spacing: slice 3"));
}

TEST(PlanVolume, RejectsInvalidInput) {
  EXPECT_EQ(PlanVolume({}).status().code(), StatusCode::kInvalidArgument);
  auto skewed = Axial(3);
  for (auto& s : skewed) s.orientation = {1, 0, 0, 0.5, 0.866, 0};
  EXPECT_EQ(PlanVolume(skewed).status().code(), StatusCode::kInvalidArgument);
  auto zero = Axial(3);
  zero[1].pixel_spacing = {0, 0.7};
  EXPECT_EQ(PlanVolume(zero).status().code(), StatusCode::kInvalidArgument);
  auto nan = Axial(3);
  nan[0].position[1] = std::nan("");
  EXPECT_EQ(PlanVolume(nan).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openhi::volume
