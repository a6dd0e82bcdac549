// Largest 6-connected component of a binary grid (breadth-first flood fill).
#include <cstdint>
#include <vector>

#include "openhi/mesh/internal/binary_grid.h"

namespace openhi::mesh::internal {

size_t KeepLargestComponent(BinaryGrid& grid) {
  const size_t n = grid.inside.size();
  const auto [nx, ny, nz] = grid.size;
  // component[v]: 0 = unvisited/background, else 1-based component number.
  std::vector<uint32_t> component(n, 0);
  std::vector<size_t> queue;
  uint32_t components = 0, best = 0;
  size_t best_size = 0;
  for (size_t seed = 0; seed < n; ++seed) {
    if (!grid.inside[seed] || component[seed] != 0) continue;
    const uint32_t id = ++components;
    component[seed] = id;
    queue.assign(1, seed);
    for (size_t head = 0; head < queue.size(); ++head) {
      const size_t v = queue[head];
      const size_t x = v % nx, y = (v / nx) % ny, z = v / (nx * ny);
      auto visit = [&](size_t w) {
        if (grid.inside[w] && component[w] == 0) {
          component[w] = id;
          queue.push_back(w);
        }
      };
      if (x > 0) visit(v - 1);
      if (x + 1 < nx) visit(v + 1);
      if (y > 0) visit(v - nx);
      if (y + 1 < ny) visit(v + nx);
      if (z > 0) visit(v - nx * ny);
      if (z + 1 < nz) visit(v + nx * ny);
    }
    if (queue.size() > best_size) {
      best_size = queue.size();
      best = id;
    }
  }
  for (size_t v = 0; v < n; ++v) grid.inside[v] = component[v] == best && best != 0 ? 1 : 0;
  return best_size;
}

}  // namespace openhi::mesh::internal
