// Marching cubes on a binary grid with a case table derived from the face rule of mesh.h.
#include <array>
#include <unordered_map>

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

const std::array<Loops, 256>& Cases() {
  static const std::array<Loops, 256> cases = [] {
    std::array<Loops, 256> table;
    for (int config = 0; config < 256; ++config) table[config] = DeriveCase(config);
    return table;
  }();
  return cases;
}

}  // namespace

IndexMesh MarchingCubes(const BinaryGrid& grid) {
  const std::array<Loops, 256>& cases = Cases();
  IndexMesh mesh;
  const auto [nx, ny, nz] = grid.size;
  if (nx < 2 || ny < 2 || nz < 2) return mesh;
  // Vertex of a grid edge, keyed by (linear index of its lower voxel) * 3 + axis.
  std::unordered_map<uint64_t, uint32_t> edge_vertex;
  const size_t corner_offset[8] = {0,
                                   1,
                                   nx,
                                   nx + 1,
                                   nx * ny,
                                   nx * ny + 1,
                                   nx * ny + nx,
                                   nx * ny + nx + 1};
  std::vector<uint32_t> ids;
  for (size_t z = 0; z + 1 < nz; ++z) {
    for (size_t y = 0; y + 1 < ny; ++y) {
      for (size_t x = 0; x + 1 < nx; ++x) {
        const size_t base = grid.Index(x, y, z);
        int config = 0;
        for (int c = 0; c < 8; ++c) config |= (grid.inside[base + corner_offset[c]] ? 1 : 0) << c;
        if (config == 0 || config == 255) continue;
        for (const std::vector<uint8_t>& loop : cases[config]) {
          ids.clear();
          Vec centroid = {0, 0, 0};
          for (uint8_t e : loop) {
            const Edge& edge = kEdges[e];
            const uint64_t key = uint64_t(base + corner_offset[edge.a]) * 3 + edge.axis;
            const Vec m = Midpoint(e);
            const Vec p = {x + m[0], y + m[1], z + m[2]};
            auto [it, added] = edge_vertex.try_emplace(key, uint32_t(mesh.vertices.size()));
            if (added) mesh.vertices.push_back(p);
            ids.push_back(it->second);
            for (int a = 0; a < 3; ++a) centroid[a] += p[a] / loop.size();
          }
          if (ids.size() == 3) {
            mesh.triangles.push_back({ids[0], ids[1], ids[2]});
            continue;
          }
          const uint32_t centre = uint32_t(mesh.vertices.size());
          mesh.vertices.push_back(centroid);
          for (size_t n = 0; n < ids.size(); ++n) {
            mesh.triangles.push_back({ids[n], ids[(n + 1) % ids.size()], centre});
          }
        }
      }
    }
  }
  return mesh;
}

}  // namespace openhi::mesh::internal
