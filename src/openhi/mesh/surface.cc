// ExtractSurface: label -> cropped binary grid -> largest component -> marching cubes -> LPS.
#include <algorithm>
#include <cmath>
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

}  // namespace

Result<TriangleMesh> ExtractSurface(const volume::Mask& mask, std::optional<uint8_t> label) {
  OPENHI_RETURN_IF_ERROR(Validate(mask, label));
  const volume::VolumeGeometry& g = mask.geometry;
  auto selected = [&](uint8_t v) { return label ? v == *label : v != 0; };

  // Bounding box of the selected voxels.
  std::array<size_t, 3> lo = g.size, hi = {0, 0, 0};
  bool any = false;
  for (size_t k = 0; k < g.size[2]; ++k) {
    for (size_t j = 0; j < g.size[1]; ++j) {
      for (size_t i = 0; i < g.size[0]; ++i) {
        if (!selected(mask.voxels[mask.Index(i, j, k)])) continue;
        any = true;
        const std::array<size_t, 3> p = {i, j, k};
        for (int a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], p[a]);
          hi[a] = std::max(hi[a], p[a]);
        }
      }
    }
  }
  if (!any) {
    return NotFound(label ? "surface: no voxel has label " + std::to_string(*label)
                          : std::string("surface: the mask is empty"));
  }

  // The box padded by one background voxel on every side: grid (x, y, z) is mask voxel
  // (x + lo[0] - 1, y + lo[1] - 1, z + lo[2] - 1).
  internal::BinaryGrid grid;
  for (int a = 0; a < 3; ++a) grid.size[a] = hi[a] - lo[a] + 3;
  grid.inside.assign(grid.size[0] * grid.size[1] * grid.size[2], 0);
  for (size_t k = lo[2]; k <= hi[2]; ++k) {
    for (size_t j = lo[1]; j <= hi[1]; ++j) {
      for (size_t i = lo[0]; i <= hi[0]; ++i) {
        grid.inside[grid.Index(i - lo[0] + 1, j - lo[1] + 1, k - lo[2] + 1)] =
            selected(mask.voxels[mask.Index(i, j, k)]) ? 1 : 0;
      }
    }
  }
  internal::KeepLargestComponent(grid);
  internal::IndexMesh index_mesh = internal::MarchingCubes(grid);

  TriangleMesh out;
  out.vertices.reserve(index_mesh.vertices.size());
  for (const auto& v : index_mesh.vertices) {
    const volume::Vec3 p = g.VoxelToLps(v[0] + double(lo[0]) - 1, v[1] + double(lo[1]) - 1,
                                        v[2] + double(lo[2]) - 1);
    out.vertices.push_back({float(p[0]), float(p[1]), float(p[2])});
  }
  // A left-handed index -> LPS map mirrors the surface: flip the winding to keep it outward.
  const bool mirrored = Determinant(g.direction) < 0;
  out.triangles = std::move(index_mesh.triangles);
  if (mirrored) {
    for (auto& t : out.triangles) std::swap(t[1], t[2]);
  }
  return out;
}

}  // namespace openhi::mesh
