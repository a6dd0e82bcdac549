// Marching cubes on a binary grid with a case table derived from the face rule of mesh.h.
//
// The sweep runs slab by slab (the cubes between voxel planes z and z + 1). Before a slab, the
// vertices of its new edges are created: those of plane z + 1 (x and y edges) and the z edges
// between the two planes, one per edge whose two voxels differ, in x, y order. Their ids go to
// dense per-plane slot arrays (x and y edges of planes z and z + 1, z edges of the slab), so a
// cube finds the vertex of each of its edges by index: no hashing, and slots of edges without a
// vertex are never read, so nothing is reset. Runs of 8 cubes whose 4 voxel rows are equal and
// constant (inside or outside) are skipped with a few 64-bit compares.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include "openhi/core/check.h"
#include "openhi/mesh/internal/binary_grid.h"

namespace openhi::mesh::internal {
namespace {

using Vec = std::array<double, 3>;

// Cube corner c sits at (c & 1, (c >> 1) & 1, (c >> 2) & 1).
Vec Corner(int c) { return {double(c & 1), double((c >> 1) & 1), double((c >> 2) & 1)}; }

struct Edge {
  int a, b;  // corners; b = a + (1 << axis)
  int axis;
};

std::array<Edge, 12> MakeEdges() {
  std::array<Edge, 12> edges{};
  int n = 0;
  for (int axis = 0; axis < 3; ++axis) {
    for (int a = 0; a < 8; ++a) {
      if (((a >> axis) & 1) == 0) edges[n++] = {a, a | (1 << axis), axis};
    }
  }
  return edges;
}

const std::array<Edge, 12> kEdges = MakeEdges();

Vec Midpoint(int edge) {
  const Vec a = Corner(kEdges[edge].a), b = Corner(kEdges[edge].b);
  return {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
}

Vec Cross(const Vec& u, const Vec& v) {
  return {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
}
double Dot(const Vec& u, const Vec& v) { return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]; }
Vec Sub(const Vec& u, const Vec& v) { return {u[0] - v[0], u[1] - v[1], u[2] - v[2]}; }

// The closed contour loops of one configuration (bit c of `config` = corner c inside), each a
// list of edge indices ordered counter-clockwise seen from outside the object.
using Loops = std::vector<std::vector<uint8_t>>;

Loops DeriveCase(int config) {
  auto inside = [config](int c) { return ((config >> c) & 1) != 0; };
  std::array<int, 12> next;
  next.fill(-1);
  // Orients the contour segment p-q on a face with outward normal `normal` so that the right-
  // hand rule gives an outward surface normal, then records it.
  auto add_segment = [&](int p, int q, int inside_corner, const Vec& normal) {
    const Vec pp = Midpoint(p), qq = Midpoint(q);
    const Vec mid = {(pp[0] + qq[0]) / 2, (pp[1] + qq[1]) / 2, (pp[2] + qq[2]) / 2};
    const Vec to_inside = Sub(Corner(inside_corner), mid);
    if (Dot(Sub(qq, pp), Cross(normal, to_inside)) < 0) std::swap(p, q);
    OPENHI_CHECK(next[p] == -1);
    next[p] = q;
  };
  for (int axis = 0; axis < 3; ++axis) {
    for (int side = 0; side < 2; ++side) {
      Vec normal = {0, 0, 0};
      normal[axis] = side ? 1 : -1;
      std::vector<int> corners, crossing;
      for (int c = 0; c < 8; ++c) {
        if (((c >> axis) & 1) == side) corners.push_back(c);
      }
      auto on_face = [&](const Edge& e) {
        return ((e.a >> axis) & 1) == side && ((e.b >> axis) & 1) == side;
      };
      for (int e = 0; e < 12; ++e) {
        if (on_face(kEdges[e]) && inside(kEdges[e].a) != inside(kEdges[e].b)) crossing.push_back(e);
      }
      if (crossing.size() == 2) {
        int in = -1;
        for (int c : corners) {
          if (inside(c)) in = c;
        }
        add_segment(crossing[0], crossing[1], in, normal);
      } else if (crossing.size() == 4) {
        // Ambiguous face: cut off each inside corner on its own.
        for (int c : corners) {
          if (!inside(c)) continue;
          std::vector<int> at_corner;
          for (int e : crossing) {
            if (kEdges[e].a == c || kEdges[e].b == c) at_corner.push_back(e);
          }
          OPENHI_CHECK(at_corner.size() == 2);
          add_segment(at_corner[0], at_corner[1], c, normal);
        }
      } else {
        OPENHI_CHECK(crossing.empty());
      }
    }
  }
  Loops loops;
  std::array<bool, 12> used{};
  for (int start = 0; start < 12; ++start) {
    if (next[start] == -1 || used[start]) continue;
    std::vector<uint8_t> loop;
    for (int e = start; !used[e]; e = next[e]) {
      OPENHI_CHECK(next[e] != -1);
      used[e] = true;
      loop.push_back(static_cast<uint8_t>(e));
    }
    OPENHI_CHECK(loop.size() >= 3);
    loops.push_back(std::move(loop));
  }
  return loops;
}

// The case table in a flat form: the loops of a configuration, their edges concatenated.
struct CubeCase {
  uint8_t loops = 0;
  std::array<uint8_t, 4> length{};  // 12 edges at most, 3 or more per loop
  std::array<uint8_t, 12> edges{};
};

const std::array<CubeCase, 256>& Cases() {
  static const std::array<CubeCase, 256> cases = [] {
    std::array<CubeCase, 256> table;
    for (int config = 0; config < 256; ++config) {
      const Loops loops = DeriveCase(config);
      OPENHI_CHECK(loops.size() <= 4);
      CubeCase& c = table[config];
      c.loops = uint8_t(loops.size());
      int n = 0;
      for (size_t l = 0; l < loops.size(); ++l) {
        c.length[l] = uint8_t(loops[l].size());
        for (uint8_t e : loops[l]) c.edges[n++] = e;
      }
    }
    return table;
  }();
  return cases;
}

static_assert(std::endian::native == std::endian::little, "the row compares assume byte order");

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Calls f(i) for every i in [0, n) with a[i] != b[i], in increasing order (bytes are 0 or 1).
template <typename F>
void ForEachDifference(const uint8_t* a, const uint8_t* b, size_t n, F&& f) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (uint64_t diff = Load64(a + i) ^ Load64(b + i); diff != 0; diff &= diff - 1) {
      f(i + size_t(std::countr_zero(diff)) / 8);
    }
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) f(i);
  }
}

// The number of i in [0, n) with a[i] != b[i] (bytes are 0 or 1).
size_t CountDifferences(const uint8_t* a, const uint8_t* b, size_t n) {
  size_t count = 0, i = 0;
  for (; i + 8 <= n; i += 8) count += size_t(std::popcount(Load64(a + i) ^ Load64(b + i)));
  for (; i < n; ++i) count += a[i] != b[i];
  return count;
}

// Corner bits of the 4-bit column code (bit 0: row (y, z), 1: (y + 1, z), 2: (y, z + 1),
// 3: (y + 1, z + 1)) at the cube corners with dx = 0: corner c sits at bit c (mesh.h order).
constexpr std::array<uint8_t, 16> kSpread = [] {
  std::array<uint8_t, 16> s{};
  for (int b = 0; b < 16; ++b) {
    s[b] = uint8_t((b & 1) | ((b & 2) << 1) | ((b & 4) << 2) | ((b & 8) << 3));
  }
  return s;
}();

class Sweep {
 public:
  Sweep(const BinaryGrid& grid, const GridPlacement& placement)
      : grid_(grid),
        placement_(placement),
        nx_(grid.size[0]),
        ny_(grid.size[1]),
        plane_(nx_ * ny_) {
    for (auto& slots : slots_) slots.resize(plane_);  // never read before written
    for (int e = 0; e < 12; ++e) {
      const Edge& edge = kEdges[e];
      const int dx = edge.a & 1, dy = (edge.a >> 1) & 1, dz = (edge.a >> 2) & 1;
      edge_offset_[e] = size_t(dx) + size_t(dy) * nx_;
      // Slot arrays: 0/1 x edges of the low/high plane, 2/3 y edges, 4 z edges.
      edge_array_[e] = uint8_t(edge.axis == 2 ? 4 : 2 * edge.axis + dz);
      midpoint_[e] = Midpoint(e);
    }
  }

  // kInvalidArgument when the surface might need 2^32 vertices or more.
  Result<TriangleMesh> Run() {
    const size_t nz = grid_.size[2];
    // Every crossing edge lies on the loops of at most 4 cubes (exactly 4 in a padded grid), so
    // the loops have at most 4 * edges vertex slots in all: at most that many triangles, and at
    // most one centroid per 4 slots. Sized once, filled in place: no regrowth; pages past the
    // final size are never touched.
    const size_t edges = CrossingEdges();
    if (2 * edges > 0xFFFFFFFFu) {
      return InvalidArgument("surface: too many vertices for 32-bit indices");
    }
    mesh_.vertices.resize(2 * edges);
    mesh_.triangles.resize(4 * edges);
    PlaneVertices(0);
    for (size_t z = 0; z + 1 < nz; ++z) {
      PlaneVertices(z + 1);
      SlabZVertices(z);
      SlabCubes(z);
    }
    mesh_.vertices.resize(vertex_count_);
    mesh_.triangles.resize(triangle_count_);
    return std::move(mesh_);
  }

 private:
  const uint8_t* Plane(size_t z) const { return grid_.inside.data() + z * plane_; }

  // Grid edges whose two voxels differ, or more: the whole-array compares also count pairs that
  // straddle a row or plane boundary, which in a padded grid join two background voxels.
  size_t CrossingEdges() const {
    const uint8_t* v = grid_.inside.data();
    const size_t n = grid_.inside.size();
    return CountDifferences(v, v + 1, n - 1) + CountDifferences(v, v + nx_, n - nx_) +
           CountDifferences(v, v + plane_, n - plane_);
  }

  uint32_t EmitVertex(double x, double y, double z) {
    OPENHI_CHECK(vertex_count_ < mesh_.vertices.size());
    const std::array<size_t, 3>& lo = placement_.box_low;
    const volume::Vec3 p = placement_.geometry->VoxelToLps(
        x + double(lo[0]) - 1, y + double(lo[1]) - 1, z + double(lo[2]) - 1);
    mesh_.vertices[vertex_count_] = {float(p[0]), float(p[1]), float(p[2])};
    return uint32_t(vertex_count_++);
  }

  void EmitTriangle(uint32_t a, uint32_t b, uint32_t c) {
    OPENHI_CHECK(triangle_count_ < mesh_.triangles.size());
    if (placement_.flip_winding) std::swap(b, c);
    mesh_.triangles[triangle_count_++] = {a, b, c};
  }

  // Vertices of the x and y edges of plane z, into the slot arrays of its parity.
  void PlaneVertices(size_t z) {
    uint32_t* xs = slots_[z & 1].data();
    uint32_t* ys = slots_[2 + (z & 1)].data();
    const uint8_t* plane = Plane(z);
    for (size_t y = 0; y < ny_; ++y) {
      const uint8_t* row = plane + y * nx_;
      const size_t at = y * nx_;
      ForEachDifference(row, row + 1, nx_ - 1, [&](size_t x) {
        xs[at + x] = EmitVertex(double(x) + 0.5, double(y), double(z));
      });
      if (y + 1 == ny_) continue;
      ForEachDifference(row, row + nx_, nx_, [&](size_t x) {
        ys[at + x] = EmitVertex(double(x), double(y) + 0.5, double(z));
      });
    }
  }

  // Vertices of the z edges between planes z and z + 1.
  void SlabZVertices(size_t z) {
    uint32_t* zs = slots_[4].data();
    const uint8_t* low = Plane(z);
    const uint8_t* high = Plane(z + 1);
    for (size_t y = 0; y < ny_; ++y) {
      const size_t at = y * nx_;
      ForEachDifference(low + at, high + at, nx_, [&](size_t x) {
        zs[at + x] = EmitVertex(double(x), double(y), double(z) + 0.5);
      });
    }
  }

  void SlabCubes(size_t z) {
    const std::array<CubeCase, 256>& cases = Cases();
    // Slot arrays as seen from this slab: plane z is "low", plane z + 1 "high".
    const uint32_t* arrays[5] = {slots_[z & 1].data(), slots_[(z + 1) & 1].data(),
                                 slots_[2 + (z & 1)].data(), slots_[2 + ((z + 1) & 1)].data(),
                                 slots_[4].data()};
    const uint8_t* low = Plane(z);
    const uint8_t* high = Plane(z + 1);
    for (size_t y = 0; y + 1 < ny_; ++y) {
      const uint8_t* r00 = low + y * nx_;
      const uint8_t* r10 = r00 + nx_;
      const uint8_t* r01 = high + y * nx_;
      const uint8_t* r11 = r01 + nx_;
      auto column = [&](size_t x) {
        return r00[x] | (r10[x] << 1) | (r01[x] << 2) | (r11[x] << 3);
      };
      size_t x = 0;
      while (x + 1 < nx_) {
        if (x + 9 <= nx_) {
          // Cubes x .. x + 7 span columns x .. x + 8: trivial when the four rows are equal
          // there and each is constant (a word equal to itself shifted by one byte).
          const uint64_t w = Load64(r00 + x);
          const uint64_t differ = (w ^ Load64(r00 + x + 1)) | (w ^ Load64(r10 + x)) |
                                  (w ^ Load64(r10 + x + 1)) | (w ^ Load64(r01 + x)) |
                                  (w ^ Load64(r01 + x + 1)) | (w ^ Load64(r11 + x)) |
                                  (w ^ Load64(r11 + x + 1));
          if (differ == 0) {
            x += 8;
            continue;
          }
        }
        const size_t stop = std::min(x + 8, nx_ - 1);
        int left = kSpread[column(x)];
        for (; x < stop; ++x) {
          const int right = kSpread[column(x + 1)];
          const int config = left | (right << 1);
          left = right;
          if (config == 0 || config == 255) continue;
          Cube(cases[config], arrays, x, y, z);
        }
      }
    }
  }

  void Cube(const CubeCase& c, const uint32_t* const* arrays, size_t x, size_t y, size_t z) {
    const size_t cell = y * nx_ + x;
    const uint8_t* e = c.edges.data();
    for (int l = 0; l < c.loops; ++l) {
      const int n = c.length[l];
      std::array<uint32_t, 12> ids;
      for (int k = 0; k < n; ++k) ids[k] = arrays[edge_array_[e[k]]][cell + edge_offset_[e[k]]];
      if (n == 3) {
        EmitTriangle(ids[0], ids[1], ids[2]);
      } else {
        // A fan around the centroid (mesh.h), summed as p / n in loop order.
        Vec centroid = {0, 0, 0};
        for (int k = 0; k < n; ++k) {
          const Vec& m = midpoint_[e[k]];
          const Vec p = {double(x) + m[0], double(y) + m[1], double(z) + m[2]};
          for (int a = 0; a < 3; ++a) centroid[a] += p[a] / double(n);
        }
        const uint32_t centre = EmitVertex(centroid[0], centroid[1], centroid[2]);
        for (int k = 0; k < n; ++k) EmitTriangle(ids[k], ids[k + 1 == n ? 0 : k + 1], centre);
      }
      e += n;
    }
  }

  const BinaryGrid& grid_;
  const GridPlacement& placement_;
  const size_t nx_, ny_, plane_;
  std::array<std::vector<uint32_t>, 5> slots_;  // vertex ids per edge, indexed y * nx + x
  std::array<size_t, 12> edge_offset_{};
  std::array<uint8_t, 12> edge_array_{};
  std::array<Vec, 12> midpoint_{};
  TriangleMesh mesh_;
  size_t vertex_count_ = 0, triangle_count_ = 0;
};

}  // namespace

Result<TriangleMesh> MarchingCubes(const BinaryGrid& grid, const GridPlacement& placement) {
  const auto [nx, ny, nz] = grid.size;
  if (nx < 2 || ny < 2 || nz < 2) return TriangleMesh{};
  OPENHI_CHECK(grid.inside.size() == nx * ny * nz && placement.geometry != nullptr);
  return Sweep(grid, placement).Run();
}

}  // namespace openhi::mesh::internal
