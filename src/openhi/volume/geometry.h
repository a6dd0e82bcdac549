#pragma once
// Voxel grids in DICOM patient coordinates (LPS, mm): the one geometry type shared by the
// synthetic series generator, the connector's volume assembly, the app SDK's operators and the
// label writers. Plain values: thread-compatible, no shared state.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "openhi/core/large_buffer.h"

namespace openhi::volume {

using Vec3 = std::array<double, 3>;

// A regular grid of voxel centres. Index order is (i, j, k) with i fastest:
//   i = column index, steps along direction[0] (the IOP row direction) by spacing_mm[0];
//   j = row index,    steps along direction[1] (the IOP column direction) by spacing_mm[1];
//   k = slice index,  steps along direction[2] (the slice normal, row x column) by spacing_mm[2].
// For a DICOM series, origin_mm is the ImagePositionPatient of spatial slice k = 0, and
// spacing_mm = {PixelSpacing[1], PixelSpacing[0], distance between slice centres}.
// Exception: for a gantry-tilted series planned by volume::PlanVolume (volume_plan.h),
// direction[2] is the unit vector of the actual step between slice origins and spacing_mm[2]
// its length, so direction[2] is not orthogonal to direction[0..1] (a sheared grid);
// VoxelToLps stays exact. See docs/formats/volume.md.
struct VolumeGeometry {
  std::array<size_t, 3> size = {0, 0, 0};  // columns, rows, slices
  Vec3 origin_mm = {0, 0, 0};              // LPS centre of voxel (0, 0, 0)
  Vec3 spacing_mm = {1, 1, 1};             // > 0
  std::array<Vec3, 3> direction = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};  // unit LPS axes

  size_t VoxelCount() const { return size[0] * size[1] * size[2]; }

  // LPS position (mm) of the centre of voxel (i, j, k); indices may be fractional.
  Vec3 VoxelToLps(double i, double j, double k) const {
    Vec3 p = origin_mm;
    for (int a = 0; a < 3; ++a) {
      p[a] += i * spacing_mm[0] * direction[0][a] + j * spacing_mm[1] * direction[1][a] +
              k * spacing_mm[2] * direction[2][a];
    }
    return p;
  }
};

// A label volume: voxels[i + size[0] * (j + size[1] * k)], 0 = background.
struct Mask {
  VolumeGeometry geometry;
  LargeVector<uint8_t> voxels;

  size_t Index(size_t i, size_t j, size_t k) const {
    return i + geometry.size[0] * (j + geometry.size[1] * k);
  }
  // Number of voxels whose label is not 0.
  size_t CountNonZero() const {
    size_t n = 0;
    for (uint8_t v : voxels) n += v != 0;
    return n;
  }
};

// A scalar image volume on `geometry`: voxels[i + size[0] * (j + size[1] * k)] (same order as
// Mask). For CT the values are Hounsfield units: RescaleSlope/RescaleIntercept already applied.
struct Volume {
  VolumeGeometry geometry;
  LargeVector<float> voxels;

  size_t Index(size_t i, size_t j, size_t k) const {
    return i + geometry.size[0] * (j + geometry.size[1] * k);
  }
};

}  // namespace openhi::volume
