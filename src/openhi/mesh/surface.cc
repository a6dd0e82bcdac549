// ExtractSurface: label -> cropped binary grid -> largest component -> marching cubes -> LPS.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "openhi/mesh/internal/binary_grid.h"
#include "openhi/mesh/mesh.h"

namespace openhi::mesh {
namespace {

double Determinant(const std::array<volume::Vec3, 3>& d) {
  return d[0][0] * (d[1][1] * d[2][2] - d[1][2] * d[2][1]) -
         d[0][1] * (d[1][0] * d[2][2] - d[1][2] * d[2][0]) +
         d[0][2] * (d[1][0] * d[2][1] - d[1][1] * d[2][0]);
}

Status Validate(const volume::Mask& mask, std::optional<uint8_t> label) {
  const volume::VolumeGeometry& g = mask.geometry;
  if (g.size[0] == 0 || g.size[1] == 0 || g.size[2] == 0) {
    return InvalidArgument("surface: the mask has a zero dimension");
  }
  if (mask.voxels.size() != g.VoxelCount()) {
    return InvalidArgument("surface: the mask has " + std::to_string(mask.voxels.size()) +
                           " voxels, its geometry " + std::to_string(g.VoxelCount()));
  }
  for (double s : g.spacing_mm) {
    if (!(s > 0) || !std::isfinite(s)) return InvalidArgument("surface: spacing must be > 0");
  }
  if (!(std::abs(Determinant(g.direction)) > 1e-6)) {
    return InvalidArgument("surface: the direction matrix is singular");
  }
  if (label && *label == 0) return InvalidArgument("surface: label 0 is the background");
  return Status();
}

// The selected voxels of a label volume: `label` when given, else every non-zero voxel.
struct IsLabel {
  uint8_t label;
  bool operator()(uint8_t v) const { return v == label; }
};
struct IsNonZero {
  bool operator()(uint8_t v) const { return v != 0; }
};

// Inclusive box of the selected voxels; false when there are none. Row by row: a branch-free
// "any" pass (vectorised), then the first and last hit of the rows that have one.
template <typename Selected>
bool BoundingBox(const volume::Mask& mask, Selected selected, std::array<size_t, 3>& lo,
                 std::array<size_t, 3>& hi) {
  const auto [nx, ny, nz] = mask.geometry.size;
  lo = mask.geometry.size;
  hi = {0, 0, 0};
  bool found = false;
  for (size_t k = 0; k < nz; ++k) {
    for (size_t j = 0; j < ny; ++j) {
      const uint8_t* row = mask.voxels.data() + mask.Index(0, j, k);
      bool any = false;
      for (size_t i = 0; i < nx; ++i) any |= selected(row[i]);
      if (!any) continue;
      size_t first = 0, last = nx - 1;
      while (!selected(row[first])) ++first;
      while (!selected(row[last])) --last;
      found = true;
      lo = {std::min(lo[0], first), std::min(lo[1], j), std::min(lo[2], k)};
      hi = {std::max(hi[0], last), std::max(hi[1], j), std::max(hi[2], k)};
    }
  }
  return found;
}

// The box [lo, hi] of the selection padded by one background voxel on every side: grid (x, y,
// z) is mask voxel (x + lo[0] - 1, y + lo[1] - 1, z + lo[2] - 1). Every byte written once.
template <typename Selected>
internal::BinaryGrid PaddedGrid(const volume::Mask& mask, Selected selected,
                                const std::array<size_t, 3>& lo, const std::array<size_t, 3>& hi) {
  internal::BinaryGrid grid;
  for (int a = 0; a < 3; ++a) grid.size[a] = hi[a] - lo[a] + 3;
  const auto [gx, gy, gz] = grid.size;
  grid.inside.resize(gx * gy * gz);  // uninitialised: filled below
  uint8_t* out = grid.inside.data();
  std::memset(out, 0, gx * gy);                       // plane z = 0
  std::memset(out + (gz - 1) * gx * gy, 0, gx * gy);  // plane z = gz - 1
  for (size_t z = 1; z + 1 < gz; ++z) {
    uint8_t* plane = out + z * gx * gy;
    std::memset(plane, 0, gx);                  // row y = 0
    std::memset(plane + (gy - 1) * gx, 0, gx);  // row y = gy - 1
    for (size_t y = 1; y + 1 < gy; ++y) {
      uint8_t* row = plane + y * gx;
      const uint8_t* in = mask.voxels.data() + mask.Index(lo[0], y + lo[1] - 1, z + lo[2] - 1);
      row[0] = 0;
      for (size_t x = 0; x + 2 < gx; ++x) row[x + 1] = selected(in[x]) ? 1 : 0;
      row[gx - 1] = 0;
    }
  }
  return grid;
}

// kNotFound with `none_selected` when no voxel is selected.
template <typename Selected>
Result<TriangleMesh> Surface(const volume::Mask& mask, Selected selected,
                             const std::string& none_selected) {
  std::array<size_t, 3> lo, hi;
  if (!BoundingBox(mask, selected, lo, hi)) return NotFound(none_selected);
  internal::BinaryGrid grid = PaddedGrid(mask, selected, lo, hi);
  if (grid.inside.size() >= (size_t{1} << 32)) {
    return InvalidArgument("surface: the label's bounding box has 2^32 voxels or more");
  }
  internal::KeepLargestComponent(grid);
  internal::GridPlacement placement;
  placement.geometry = &mask.geometry;
  placement.box_low = lo;
  // A left-handed index -> LPS map mirrors the surface: flip the winding to keep it outward.
  placement.flip_winding = Determinant(mask.geometry.direction) < 0;
  return internal::MarchingCubes(grid, placement);
}

}  // namespace

Result<TriangleMesh> ExtractSurface(const volume::Mask& mask, std::optional<uint8_t> label) {
  OPENHI_RETURN_IF_ERROR(Validate(mask, label));
  if (label) {
    return Surface(mask, IsLabel{*label}, "surface: no voxel has label " + std::to_string(*label));
  }
  return Surface(mask, IsNonZero{}, "surface: the mask is empty");
}

}  // namespace openhi::mesh
