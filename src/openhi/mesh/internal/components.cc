// Largest 6-connected component of a binary grid: union-find over the runs of foreground
// voxels along x. Two runs are 6-connected when they lie in neighbouring rows (y +- 1 in the
// same slice, or z +- 1 in the same row position) and share at least one x. Label volumes are
// mostly long runs, so this touches each voxel once (the run scan) instead of once per
// neighbour, and needs memory per run, not per voxel.
#include <cstdint>
#include <cstring>
#include <vector>

#include "openhi/core/check.h"
#include "openhi/core/large_buffer.h"
#include "openhi/mesh/internal/binary_grid.h"

namespace openhi::mesh::internal {
namespace {

struct Run {
  uint32_t begin, end;  // x range [begin, end) within its row
};

// Union-find whose root is always the smallest run index of its set: runs are numbered in
// memory order, so the root is the run holding the component's first voxel.
class RunForest {
 public:
  explicit RunForest(size_t n) : parent_(n) {
    for (size_t i = 0; i < n; ++i) parent_[i] = uint32_t(i);
  }
  uint32_t Find(uint32_t a) {
    while (parent_[a] != a) {
      parent_[a] = parent_[parent_[a]];  // path halving
      a = parent_[a];
    }
    return a;
  }
  void Union(uint32_t a, uint32_t b) {
    a = Find(a);
    b = Find(b);
    if (a < b) {
      parent_[b] = a;
    } else if (b < a) {
      parent_[a] = b;
    }
  }

 private:
  LargeVector<uint32_t> parent_;
};

// Unions the runs [a, a_end) with the runs [b, b_end) of a neighbouring row that overlap them
// in x (both lists sorted by x).
void UnionOverlapping(const Run* runs, uint32_t a, uint32_t a_end, uint32_t b, uint32_t b_end,
                      RunForest& forest) {
  while (a < a_end && b < b_end) {
    const Run& ra = runs[a];
    const Run& rb = runs[b];
    if (ra.begin < rb.end && rb.begin < ra.end) forest.Union(a, b);
    if (ra.end < rb.end) {
      ++a;
    } else {
      ++b;
    }
  }
}

}  // namespace

size_t KeepLargestComponent(BinaryGrid& grid) {
  const auto [nx, ny, nz] = grid.size;
  const size_t rows = ny * nz;
  OPENHI_CHECK(grid.inside.size() == nx * rows && grid.inside.size() < (size_t{1} << 32));
  uint8_t* const voxels = grid.inside.data();

  // Runs in memory order; row r = y + ny * z holds runs [row_first[r], row_first[r + 1]).
  LargeVector<Run> runs;
  std::vector<uint32_t> row_first(rows + 1);
  for (size_t r = 0; r < rows; ++r) {
    row_first[r] = uint32_t(runs.size());
    const uint8_t* row = voxels + r * nx;
    const uint8_t* end = row + nx;
    const uint8_t* p = row;
    while (p < end) {
      const void* first = std::memchr(p, 1, size_t(end - p));
      if (first == nullptr) break;
      const uint8_t* b = static_cast<const uint8_t*>(first);
      const void* after = std::memchr(b, 0, size_t(end - b));
      const uint8_t* e = after ? static_cast<const uint8_t*>(after) : end;
      runs.push_back({uint32_t(b - row), uint32_t(e - row)});
      p = e;
    }
  }
  row_first[rows] = uint32_t(runs.size());
  if (runs.empty()) return 0;

  RunForest forest(runs.size());
  for (size_t z = 0; z < nz; ++z) {
    for (size_t y = 0; y < ny; ++y) {
      const size_t r = y + ny * z;
      if (row_first[r] == row_first[r + 1]) continue;
      if (y > 0) {
        UnionOverlapping(runs.data(), row_first[r], row_first[r + 1], row_first[r - 1],
                         row_first[r], forest);
      }
      if (z > 0) {
        UnionOverlapping(runs.data(), row_first[r], row_first[r + 1], row_first[r - ny],
                         row_first[r - ny + 1], forest);
      }
    }
  }

  // Voxel counts per root; the largest wins, the smallest root (first voxel) on a tie.
  LargeVector<uint64_t> count(runs.size(), 0);
  for (uint32_t i = 0; i < runs.size(); ++i) count[forest.Find(i)] += runs[i].end - runs[i].begin;
  uint32_t best = 0;
  for (uint32_t i = 1; i < runs.size(); ++i) {
    if (count[i] > count[best]) best = i;
  }

  // Clear the runs of every other component.
  for (size_t r = 0; r < rows; ++r) {
    for (uint32_t i = row_first[r]; i < row_first[r + 1]; ++i) {
      if (forest.Find(i) != best) {
        std::memset(voxels + r * nx + runs[i].begin, 0, runs[i].end - runs[i].begin);
      }
    }
  }
  return count[best];
}

}  // namespace openhi::mesh::internal
