#pragma once
// Private building blocks of ExtractSurface (mesh.h): a binary voxel grid, its largest
// 6-connected component and marching cubes in index space. Thread-compatible plain values.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace openhi::mesh::internal {

// inside[x + size[0] * (y + size[1] * z)] is 1 for a foreground voxel, 0 otherwise.
struct BinaryGrid {
  std::array<size_t, 3> size = {0, 0, 0};
  std::vector<uint8_t> inside;

  size_t Index(size_t x, size_t y, size_t z) const { return x + size[0] * (y + size[1] * z); }
};

// A triangle mesh with vertices in the grid's index coordinates (voxel centres at integers).
// Triangles wind counter-clockwise seen from outside in index space (right-handed axes).
struct IndexMesh {
  std::vector<std::array<double, 3>> vertices;
  std::vector<std::array<uint32_t, 3>> triangles;
};

// Clears every foreground voxel outside the largest 6-connected component (ties: the component
// reached first in memory order). Returns the kept voxel count (0 for an empty grid).
size_t KeepLargestComponent(BinaryGrid& grid);

// Marching cubes at iso 0.5 over every cube of 2x2x2 neighbouring voxel centres (the rules are
// in mesh.h). Voxels on the grid border must be background for the surface to be closed; the
// caller pads. Vertices shared between cubes are emitted once.
IndexMesh MarchingCubes(const BinaryGrid& grid);

}  // namespace openhi::mesh::internal
