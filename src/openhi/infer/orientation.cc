#include "openhi/infer/orientation.h"

#include <cmath>
#include <string>

namespace openhi::infer {

Result<std::array<AxisOrientation, 3>> IoOrientation(const Mat4& affine) {
  Mat3 rzs = Linear3(affine);
  for (const auto& row : rzs) {
    for (double v : row) {
      if (!std::isfinite(v)) return InvalidArgument("affine has a non-finite entry");
    }
  }
  // Normalise columns by their zooms (zero zooms stay as they are, as in nibabel).
  std::array<double, 3> zooms = ColumnNorms(rzs);
  for (int j = 0; j < 3; ++j) {
    const double z = zooms[j] == 0.0 ? 1.0 : zooms[j];
    for (int i = 0; i < 3; ++i) rzs[i][j] /= z;
  }
  Mat3 r;
  if (!PolarOrthogonalFactor(rzs, &r)) {
    return InvalidArgument("affine is singular: voxel axes are not independent");
  }
  std::array<AxisOrientation, 3> ornt;
  for (int in_ax = 0; in_ax < 3; ++in_ax) {
    int out_ax = 0;
    double best = -1;
    for (int w = 0; w < 3; ++w) {
      if (std::fabs(r[w][in_ax]) > best) {  // first maximum, as numpy.argmax
        best = std::fabs(r[w][in_ax]);
        out_ax = w;
      }
    }
    if (best <= 0.0) return InvalidArgument("affine column " + std::to_string(in_ax) + " is zero");
    ornt[in_ax] = {out_ax, r[out_ax][in_ax] < 0 ? -1 : 1};
    for (int c = 0; c < 3; ++c) r[out_ax][c] = 0.0;  // remove the used world axis
  }
  return ornt;
}

bool Reorientation::IsIdentity() const {
  for (int a = 0; a < 3; ++a) {
    if (source_axis[a] != a || flip[a]) return false;
  }
  return true;
}

std::array<int64_t, 3> Reorientation::OrientedShape(const std::array<int64_t, 3>& shape) const {
  return {shape[source_axis[0]], shape[source_axis[1]], shape[source_axis[2]]};
}

Mat4 Reorientation::OrientedAffine(const Mat4& affine, const std::array<int64_t, 3>& shape) const {
  // Oriented index o maps to input index n = source_axis[a]: x_n = flip ? (N-1) - o_a : o_a.
  Mat4 index_map{};
  index_map[3][3] = 1.0;
  for (int a = 0; a < 3; ++a) {
    const int n = source_axis[a];
    index_map[n][a] = flip[a] ? -1.0 : 1.0;
    if (flip[a]) index_map[n][3] = static_cast<double>(shape[n] - 1);
  }
  return Multiply(affine, index_map);
}

Result<Reorientation> ReorientToRas(const Mat4& ras_affine) {
  OPENHI_ASSIGN_OR_RETURN(auto ornt, IoOrientation(ras_affine));
  // nibabel.ornt_transform(src, axcodes2ornt("RAS")): RAS is the identity orientation, so
  // input axis n goes to output axis ornt[n].world_axis, flipped when its sign is -1.
  Reorientation r;
  for (int n = 0; n < 3; ++n) {
    r.source_axis[ornt[n].world_axis] = n;
    r.flip[ornt[n].world_axis] = ornt[n].sign < 0;
  }
  return r;
}

Mat4 RasAffineFromGeometry(const volume::VolumeGeometry& g) {
  Mat4 m{};
  for (int row = 0; row < 3; ++row) {
    const double lps_to_ras = row < 2 ? -1.0 : 1.0;
    for (int axis = 0; axis < 3; ++axis) {
      m[row][axis] = lps_to_ras * g.direction[axis][row] * g.spacing_mm[axis];
    }
    m[row][3] = lps_to_ras * g.origin_mm[row];
  }
  m[3][3] = 1.0;
  return m;
}

std::array<int64_t, 3> ArrayShape(const volume::VolumeGeometry& g) {
  return {static_cast<int64_t>(g.size[0]), static_cast<int64_t>(g.size[1]),
          static_cast<int64_t>(g.size[2])};
}

namespace {
std::array<int64_t, 3> IFastestStrides(const volume::VolumeGeometry& g) {
  const auto s = ArrayShape(g);
  return {1, s[0], s[0] * s[1]};
}
}  // namespace

StridedView<const float> ArrayView(const volume::Volume& v) {
  return {v.voxels.data(), ArrayShape(v.geometry), IFastestStrides(v.geometry)};
}

StridedView<uint8_t> ArrayView(volume::Mask& m) {
  return {m.voxels.data(), ArrayShape(m.geometry), IFastestStrides(m.geometry)};
}

}  // namespace openhi::infer
