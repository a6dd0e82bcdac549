#pragma once
// Private building blocks of ExtractSurface (mesh.h): a binary voxel grid, its largest
// 6-connected component and marching cubes. Thread-compatible plain values.
#include <array>
#include <cstddef>
#include <cstdint>

#include "openhi/core/large_buffer.h"
#include "openhi/core/status.h"
#include "openhi/mesh/mesh.h"
#include "openhi/volume/geometry.h"

namespace openhi::mesh::internal {

// inside[x + size[0] * (y + size[1] * z)] is 1 for a foreground voxel, 0 otherwise (no other
// values). Big grids live on huge pages (LargeVector): they are written once, right after
// allocation.
struct BinaryGrid {
  std::array<size_t, 3> size = {0, 0, 0};
  LargeVector<uint8_t> inside;

  size_t Index(size_t x, size_t y, size_t z) const { return x + size[0] * (y + size[1] * z); }
};

// Clears every foreground voxel outside the largest 6-connected component (ties: the component
// whose first voxel comes first in memory order). Returns the kept voxel count (0 for an empty
// grid). Precondition: the grid is padded, i.e. the first and last voxel of every x row are
// background, and it has fewer than 2^32 voxels.
size_t KeepLargestComponent(BinaryGrid& grid);

// Where the grid lies in a mask: the grid is the box [box_low, box_high] of the mask padded by
// one voxel on every side, so grid voxel (x, y, z) is mask voxel (x + box_low[0] - 1, ...), and
// `geometry`'s VoxelToLps maps it to LPS mm.
struct GridPlacement {
  const volume::VolumeGeometry* geometry = nullptr;
  std::array<size_t, 3> box_low = {1, 1, 1};
  bool flip_winding = false;  // swap two vertices of every triangle (left-handed geometry)
};

// Marching cubes at iso 0.5 over every cube of 2x2x2 neighbouring voxel centres (the rules are
// in mesh.h), vertices mapped through `placement` (a vertex at grid index coordinates p is
// geometry->VoxelToLps(p + box_low - 1), rounded to float). Triangles wind counter-clockwise seen
// from outside in index space (right-handed axes), unless flip_winding. Voxels on the grid
// border must be background for the surface to be closed; the caller pads. Vertices shared
// between cubes are emitted once. Order: vertices and triangles follow the z, y, x sweep.
// kInvalidArgument when the surface could need 2^32 vertices or more (32-bit indices).
Result<TriangleMesh> MarchingCubes(const BinaryGrid& grid, const GridPlacement& placement);

}  // namespace openhi::mesh::internal
