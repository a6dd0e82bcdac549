#include "openhi/infer/orientation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace openhi::infer {
namespace {

volume::VolumeGeometry MakeGeometry(std::array<size_t, 3> size, volume::Vec3 row,
                                    volume::Vec3 col, volume::Vec3 spacing = {0.8, 0.9, 2.5}) {
  volume::VolumeGeometry g;
  g.size = size;
  g.spacing_mm = spacing;
  g.origin_mm = {-100.5, 20.25, -300.0};
  const volume::Vec3 normal = {row[1] * col[2] - row[2] * col[1],
                               row[2] * col[0] - row[0] * col[2],
                               row[0] * col[1] - row[1] * col[0]};
  g.direction = {row, col, normal};
  return g;
}

Reorientation Orient(const volume::VolumeGeometry& g) {
  auto r = ReorientToRas(RasAffineFromGeometry(g));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.value_or(Reorientation{});
}

// The oriented affine must place every oriented voxel where the original voxel it reads is.
void ExpectWorldConsistent(const volume::VolumeGeometry& g, const Reorientation& r) {
  const Mat4 affine = RasAffineFromGeometry(g);
  const auto shape = ArrayShape(g);
  const Mat4 oriented = r.OrientedAffine(affine, shape);
  const auto oshape = r.OrientedShape(shape);
  // Strided view over a buffer of linear indices tells which original voxel each one reads.
  std::vector<float> ids(shape[0] * shape[1] * shape[2]);
  for (size_t n = 0; n < ids.size(); ++n) ids[n] = static_cast<float>(n);
  StridedView<const float> base{ids.data(), shape, {1, shape[0], shape[0] * shape[1]}};
  const auto view = r.Apply(base);
  for (int64_t a : {int64_t{0}, oshape[0] - 1}) {
    for (int64_t b : {int64_t{0}, oshape[1] / 2, oshape[1] - 1}) {
      for (int64_t c : {int64_t{0}, oshape[2] - 1}) {
        const int64_t n = static_cast<int64_t>(view.At(a, b, c));
        const int64_t i = n % shape[0], j = (n / shape[0]) % shape[1], k = n / (shape[0] * shape[1]);
        const volume::Vec3 lps = g.VoxelToLps(double(i), double(j), double(k));
        for (int row = 0; row < 3; ++row) {
          const double ras = oriented[row][0] * a + oriented[row][1] * b + oriented[row][2] * c +
                             oriented[row][3];
          EXPECT_NEAR(ras, (row < 2 ? -1 : 1) * lps[row], 1e-9);
        }
      }
    }
  }
  // Oriented axes run along +R, +A, +S.
  for (int a = 0; a < 3; ++a) EXPECT_GT(oriented[a][a], 0.0);
}

TEST(Orientation, LpsAxialFlipsIAndJ) {
  const auto g = MakeGeometry({7, 5, 3}, {1, 0, 0}, {0, 1, 0});
  const Reorientation r = Orient(g);
  EXPECT_EQ(r.source_axis, (std::array<int, 3>{0, 1, 2}));
  EXPECT_EQ(r.flip, (std::array<bool, 3>{true, true, false}));
  ExpectWorldConsistent(g, r);
}

TEST(Orientation, FeetFirstFlipsJAndK) {
  // Feet-first supine: rows run to patient right (-x), the slice normal points to the feet.
  const auto g = MakeGeometry({7, 5, 3}, {-1, 0, 0}, {0, 1, 0});
  const Reorientation r = Orient(g);
  EXPECT_EQ(r.source_axis, (std::array<int, 3>{0, 1, 2}));
  EXPECT_EQ(r.flip, (std::array<bool, 3>{false, true, true}));
  ExpectWorldConsistent(g, r);
}

TEST(Orientation, CoronalPermutesAndFlips) {
  const auto g = MakeGeometry({7, 5, 3}, {1, 0, 0}, {0, 0, -1});  // normal +y (posterior)
  const Reorientation r = Orient(g);
  EXPECT_EQ(r.source_axis, (std::array<int, 3>{0, 2, 1}));
  EXPECT_EQ(r.flip, (std::array<bool, 3>{true, true, true}));
  EXPECT_EQ(r.OrientedShape({7, 5, 3}), (std::array<int64_t, 3>{7, 3, 5}));
  ExpectWorldConsistent(g, r);
}

TEST(Orientation, SagittalPermutesAndFlips) {
  const auto g = MakeGeometry({7, 5, 3}, {0, 1, 0}, {0, 0, -1});  // normal -x (patient right)
  const Reorientation r = Orient(g);
  EXPECT_EQ(r.source_axis, (std::array<int, 3>{2, 0, 1}));
  EXPECT_EQ(r.flip, (std::array<bool, 3>{false, true, true}));
  ExpectWorldConsistent(g, r);
}

TEST(Orientation, ObliqueFollowsTheDominantAxis) {
  const double c = std::cos(0.5), s = std::sin(0.5);  // 28.6 degrees about z
  const auto g = MakeGeometry({6, 4, 3}, {c, s, 0}, {-s, c, 0});
  const Reorientation r = Orient(g);
  EXPECT_EQ(r.source_axis, (std::array<int, 3>{0, 1, 2}));
  EXPECT_EQ(r.flip, (std::array<bool, 3>{true, true, false}));
  const Mat4 oriented = r.OrientedAffine(RasAffineFromGeometry(g), ArrayShape(g));
  for (int a = 0; a < 3; ++a) EXPECT_GT(oriented[a][a], 0.0);
}

TEST(Orientation, IoOrientationMatchesNibabelGreedyChoice) {
  // Columns (in RAS): axis 0 along -y, axis 1 along +z, axis 2 along -x.
  Mat4 m{};
  m[1][0] = -2.0;
  m[2][1] = 0.5;
  m[0][2] = -1.0;
  m[3][3] = 1.0;
  auto ornt = IoOrientation(m);
  ASSERT_TRUE(ornt.ok());
  EXPECT_EQ((*ornt)[0].world_axis, 1);
  EXPECT_EQ((*ornt)[0].sign, -1);
  EXPECT_EQ((*ornt)[1].world_axis, 2);
  EXPECT_EQ((*ornt)[1].sign, 1);
  EXPECT_EQ((*ornt)[2].world_axis, 0);
  EXPECT_EQ((*ornt)[2].sign, -1);
}

TEST(Orientation, SingularAffineIsInvalidArgument) {
  Mat4 m{};
  m[0][0] = 1;
  m[0][1] = 1;  // two columns along x, nothing along z
  m[1][2] = 1;
  m[3][3] = 1;
  auto r = ReorientToRas(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(Orientation, RoundTripIsIdentity) {
  for (const auto& [row, col] : std::vector<std::pair<volume::Vec3, volume::Vec3>>{
           {{1, 0, 0}, {0, 1, 0}},
           {{-1, 0, 0}, {0, 1, 0}},
           {{1, 0, 0}, {0, 0, -1}},
           {{0, 1, 0}, {0, 0, -1}},
           {{0, -1, 0}, {1, 0, 0}}}) {
    volume::Volume v;
    v.geometry = MakeGeometry({5, 4, 3}, row, col);
    v.voxels.resize(v.geometry.VoxelCount());
    for (size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = float(n) * 1.5f - 7.0f;
    const Reorientation r = Orient(v.geometry);
    const auto oriented = r.Apply(ArrayView(v));
    // Materialise the RAS array (C order), then write it back through the inverse mapping.
    std::vector<float> ras(oriented.Count());
    const auto ras_view = COrderView(ras.data(), oriented.shape);
    for (int64_t a = 0; a < oriented.shape[0]; ++a)
      for (int64_t b = 0; b < oriented.shape[1]; ++b)
        for (int64_t c = 0; c < oriented.shape[2]; ++c) ras_view.At(a, b, c) = oriented.At(a, b, c);
    std::vector<float> back(v.voxels.size(), -1.0f);
    StridedView<float> back_view{back.data(), ArrayShape(v.geometry),
                                 {1, int64_t(v.geometry.size[0]),
                                  int64_t(v.geometry.size[0] * v.geometry.size[1])}};
    const auto back_oriented = r.Apply(back_view);
    for (int64_t a = 0; a < oriented.shape[0]; ++a)
      for (int64_t b = 0; b < oriented.shape[1]; ++b)
        for (int64_t c = 0; c < oriented.shape[2]; ++c)
          back_oriented.At(a, b, c) = ras_view.At(a, b, c);
    EXPECT_TRUE(std::equal(back.begin(), back.end(), v.voxels.begin(), v.voxels.end()));
    // And the RAS array's own orientation is already RAS.
    const Mat4 oa = r.OrientedAffine(RasAffineFromGeometry(v.geometry), ArrayShape(v.geometry));
    auto again = ReorientToRas(oa);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->IsIdentity());
  }
}

}  // namespace
}  // namespace openhi::infer
