#include "openhi/mesh/mesh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numbers>
#include <random>
#include <vector>

#include "openhi/core/file_util.h"
#include "openhi/core/ids.h"

namespace openhi::mesh {
namespace {

namespace fs = std::filesystem;
using volume::Mask;
using volume::Vec3;
using volume::VolumeGeometry;

constexpr double kPi = std::numbers::pi;

Mask EmptyMask(const VolumeGeometry& g) { return Mask{g, LargeVector<uint8_t>(g.VoxelCount(), 0)}; }

VolumeGeometry Cube(size_t n) {
  VolumeGeometry g;
  g.size = {n, n, n};
  return g;
}

// Sets `label` on every voxel whose centre lies within `radius_mm` of the LPS point `centre`.
void PaintBall(Mask& m, const Vec3& centre, double radius_mm, uint8_t label) {
  const auto& s = m.geometry.size;
  for (size_t k = 0; k < s[2]; ++k) {
    for (size_t j = 0; j < s[1]; ++j) {
      for (size_t i = 0; i < s[0]; ++i) {
        const Vec3 p = m.geometry.VoxelToLps(double(i), double(j), double(k));
        const double d2 = std::pow(p[0] - centre[0], 2) + std::pow(p[1] - centre[1], 2) +
                          std::pow(p[2] - centre[2], 2);
        if (d2 <= radius_mm * radius_mm) m.voxels[m.Index(i, j, k)] = label;
      }
    }
  }
}

using P = std::array<double, 3>;
P At(const TriangleMesh& m, uint32_t v) {
  return {m.vertices[v][0], m.vertices[v][1], m.vertices[v][2]};
}
P Sub(const P& a, const P& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
P Cross(const P& u, const P& v) {
  return {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
}
double Dot(const P& u, const P& v) { return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]; }
double Norm(const P& u) { return std::sqrt(Dot(u, u)); }

double Area(const TriangleMesh& m) {
  double area = 0;
  for (const auto& t : m.triangles) {
    area += Norm(Cross(Sub(At(m, t[1]), At(m, t[0])), Sub(At(m, t[2]), At(m, t[0])))) / 2;
  }
  return area;
}

// Signed enclosed volume (divergence theorem): positive when the normals point outward.
double Volume(const TriangleMesh& m) {
  double volume = 0;
  for (const auto& t : m.triangles) volume += Dot(At(m, t[0]), Cross(At(m, t[1]), At(m, t[2]))) / 6;
  return volume;
}

// Closed, consistently wound 2-manifold edges: every directed edge (a, b) appears exactly once
// and its reverse (b, a) exactly once, so every undirected edge has exactly two triangles.
void ExpectWatertight(const TriangleMesh& m) {
  std::map<std::pair<uint32_t, uint32_t>, int> directed;
  for (const auto& t : m.triangles) {
    ASSERT_TRUE(t[0] != t[1] && t[1] != t[2] && t[0] != t[2]);
    for (int e = 0; e < 3; ++e) ++directed[{t[e], t[(e + 1) % 3]}];
  }
  size_t bad = 0;
  for (const auto& [edge, count] : directed) {
    const auto reverse = directed.find({edge.second, edge.first});
    if (count != 1 || reverse == directed.end() || reverse->second != 1) ++bad;
  }
  EXPECT_EQ(bad, 0u) << "of " << directed.size() << " directed edges";
}

// Voxel index coordinates of an LPS point (inverse of VoxelToLps).
P ToIndex(const VolumeGeometry& g, const P& p) {
  const P d = Sub(p, g.origin_mm);
  P cols[3];
  for (int a = 0; a < 3; ++a) {
    for (int r = 0; r < 3; ++r) cols[a][r] = g.direction[a][r] * g.spacing_mm[a];
  }
  const double det = Dot(cols[0], Cross(cols[1], cols[2]));
  return {Dot(d, Cross(cols[1], cols[2])) / det, Dot(cols[0], Cross(d, cols[2])) / det,
          Dot(cols[0], Cross(cols[1], d)) / det};
}

void ExpectInsideVolume(const TriangleMesh& m, const VolumeGeometry& g) {
  for (size_t v = 0; v < m.vertices.size(); ++v) {
    const P idx = ToIndex(g, At(m, uint32_t(v)));
    for (int a = 0; a < 3; ++a) {
      ASSERT_GE(idx[a], -0.5 - 1e-3) << "vertex " << v;
      ASSERT_LE(idx[a], g.size[a] - 0.5 + 1e-3) << "vertex " << v;
    }
  }
}

TEST(ExtractSurface, SingleVoxelIsAnOctahedron) {
  Mask m = EmptyMask(Cube(3));
  m.voxels[m.Index(1, 1, 1)] = 1;
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  EXPECT_EQ(mesh->triangles.size(), 8u);
  EXPECT_EQ(mesh->vertices.size(), 6u);
  ExpectWatertight(*mesh);
  EXPECT_NEAR(Volume(*mesh), 1.0 / 6, 1e-6);
}

TEST(ExtractSurface, SphereIsClosedWithAnalyticAreaAndVolume) {
  const double r = 15;
  Mask m = EmptyMask(Cube(40));
  PaintBall(m, {20, 19.5, 20.3}, r, 1);
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  ExpectWatertight(*mesh);
  ExpectInsideVolume(*mesh, m.geometry);
  const double volume = Volume(*mesh), area = Area(*mesh);
  const double v_ref = 4.0 / 3 * kPi * r * r * r, a_ref = 4 * kPi * r * r;
  std::printf(
      "sphere r=%g: %zu triangles, volume %.1f (analytic %.1f, %+.2f%%), area %.1f "
      "(analytic %.1f, %+.2f%%)\n",
      r, mesh->triangles.size(), volume, v_ref, 100 * (volume / v_ref - 1), area, a_ref,
      100 * (area / a_ref - 1));
  EXPECT_NEAR(volume / v_ref, 1.0, 0.03);
  EXPECT_NEAR(area / a_ref, 1.0, 0.08);  // binary MC, no smoothing: measured +6.6 %
  // Outward normals: every facet faces away from the centre.
  size_t inward = 0;
  for (const auto& t : mesh->triangles) {
    const P n = Cross(Sub(At(*mesh, t[1]), At(*mesh, t[0])), Sub(At(*mesh, t[2]), At(*mesh, t[0])));
    const P c = Sub(At(*mesh, t[0]), P{20, 19.5, 20.3});
    inward += Dot(n, c) <= 0;
  }
  EXPECT_EQ(inward, 0u);
}

TEST(ExtractSurface, KeepsOnlyTheLargestComponent) {
  Mask m = EmptyMask(Cube(40));
  PaintBall(m, {12, 12, 12}, 8, 1);
  PaintBall(m, {30, 30, 30}, 5, 1);
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok());
  ExpectWatertight(*mesh);
  for (const auto& v : mesh->vertices) {
    EXPECT_LT(Norm(Sub(P{v[0], v[1], v[2]}, P{12, 12, 12})), 9.0);
  }
  EXPECT_NEAR(Volume(*mesh) / (4.0 / 3 * kPi * 512), 1.0, 0.06);
}

TEST(ExtractSurface, VoxelsSharingOnlyAnEdgeAreSeparateComponents) {
  Mask m = EmptyMask(Cube(4));
  m.voxels[m.Index(1, 1, 1)] = 1;
  m.voxels[m.Index(2, 2, 1)] = 1;  // 18-neighbour, not a 6-neighbour
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok());
  EXPECT_EQ(mesh->triangles.size(), 8u);
  EXPECT_NEAR(Volume(*mesh), 1.0 / 6, 1e-6);
}

TEST(ExtractSurface, SelectsTheRequestedLabel) {
  Mask m = EmptyMask(Cube(40));
  PaintBall(m, {12, 12, 12}, 8, 1);
  PaintBall(m, {30, 30, 30}, 5, 2);
  Result<TriangleMesh> mesh = ExtractSurface(m, 2);
  ASSERT_TRUE(mesh.ok());
  ExpectWatertight(*mesh);
  for (const auto& v : mesh->vertices) {
    EXPECT_LT(Norm(Sub(P{v[0], v[1], v[2]}, P{30, 30, 30})), 6.0);
  }
  // Without a label, both labels are foreground and the larger ball wins.
  Result<TriangleMesh> any = ExtractSurface(m);
  ASSERT_TRUE(any.ok());
  EXPECT_GT(Volume(*any), 1500.0);
}

// An oblique, anisotropic grid: the mesh of a physical ball must be that ball in LPS mm.
void CheckObliqueBall(bool left_handed) {
  VolumeGeometry g;
  g.size = {48, 40, 24};
  g.spacing_mm = {0.8, 1.1, 1.9};
  g.origin_mm = {-120.5, 40.25, -310};
  const double a = 30 * kPi / 180, b = 20 * kPi / 180;
  // Rotation about z by a, then about x by b.
  const Vec3 row = {std::cos(a), std::sin(a) * std::cos(b), std::sin(a) * std::sin(b)};
  const Vec3 col = {-std::sin(a), std::cos(a) * std::cos(b), std::cos(a) * std::sin(b)};
  const P n = Cross({row[0], row[1], row[2]}, {col[0], col[1], col[2]});
  g.direction = {row, col, left_handed ? Vec3{-n[0], -n[1], -n[2]} : Vec3{n[0], n[1], n[2]}};
  const Vec3 centre = g.VoxelToLps(24, 20, 11.5);
  const double radius = 12;
  Mask m = EmptyMask(g);
  PaintBall(m, centre, radius, 1);
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  ExpectWatertight(*mesh);
  ExpectInsideVolume(*mesh, g);
  // Every vertex lies near the sphere (within one voxel diagonal), centred where it should be.
  const double tolerance = std::sqrt(0.8 * 0.8 + 1.1 * 1.1 + 1.9 * 1.9) / 2;
  P mean = {0, 0, 0};
  for (const auto& v : mesh->vertices) {
    const P p = {v[0], v[1], v[2]};
    EXPECT_NEAR(Norm(Sub(p, centre)), radius, tolerance);
    for (int k = 0; k < 3; ++k) mean[k] += p[k] / mesh->vertices.size();
  }
  EXPECT_LT(Norm(Sub(mean, centre)), 0.3);
  const double v_ref = 4.0 / 3 * kPi * radius * radius * radius;
  EXPECT_NEAR(Volume(*mesh) / v_ref, 1.0, 0.05);  // positive: outward also when mirrored
}

TEST(ExtractSurface, ObliqueAnisotropicGridMapsToLps) { CheckObliqueBall(false); }
TEST(ExtractSurface, LeftHandedGridKeepsOutwardNormals) { CheckObliqueBall(true); }

TEST(ExtractSurface, ForegroundTouchingTheBorderIsClosed) {
  Mask m = EmptyMask(Cube(6));
  for (auto& v : m.voxels) v = 1;
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok());
  ExpectWatertight(*mesh);
  ExpectInsideVolume(*mesh, m.geometry);
}

// Sorted triangles with their vertex positions (cyclic order kept): equal for the same surface.
std::vector<std::array<float, 9>> Canonical(const TriangleMesh& m) {
  std::vector<std::array<float, 9>> out;
  for (const auto& t : m.triangles) {
    std::array<std::array<float, 3>, 3> p = {m.vertices[t[0]], m.vertices[t[1]], m.vertices[t[2]]};
    std::rotate(p.begin(), std::min_element(p.begin(), p.end()), p.end());
    out.push_back(
        {p[0][0], p[0][1], p[0][2], p[1][0], p[1][1], p[1][2], p[2][0], p[2][1], p[2][2]});
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Reference: the largest 6-connected component by a plain flood fill, ties to the component
// whose first voxel comes first in memory order. Returns a mask holding only that component.
Mask LargestComponentByFloodFill(const Mask& m) {
  const auto [nx, ny, nz] = m.geometry.size;
  std::vector<int> component(m.voxels.size(), -1);
  std::vector<size_t> sizes;
  for (size_t seed = 0; seed < m.voxels.size(); ++seed) {
    if (m.voxels[seed] == 0 || component[seed] >= 0) continue;
    const int id = int(sizes.size());
    std::vector<size_t> stack = {seed};
    component[seed] = id;
    size_t size = 0;
    while (!stack.empty()) {
      const size_t v = stack.back();
      stack.pop_back();
      ++size;
      const size_t x = v % nx, y = v / nx % ny, z = v / (nx * ny);
      const std::array<std::array<long, 3>, 6> steps = {
          {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}}};
      for (const auto& d : steps) {
        const long a = long(x) + d[0], b = long(y) + d[1], c = long(z) + d[2];
        if (a < 0 || b < 0 || c < 0 || a >= long(nx) || b >= long(ny) || c >= long(nz)) continue;
        const size_t w = m.Index(size_t(a), size_t(b), size_t(c));
        if (m.voxels[w] != 0 && component[w] < 0) {
          component[w] = id;
          stack.push_back(w);
        }
      }
    }
    sizes.push_back(size);
  }
  const int best = int(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
  Mask out = EmptyMask(m.geometry);
  for (size_t v = 0; v < m.voxels.size(); ++v) out.voxels[v] = component[v] == best ? 1 : 0;
  return out;
}

TEST(ExtractSurface, TieGoesToTheComponentWhoseFirstVoxelComesFirst) {
  // Two components of 9 voxels. The U (plane z = 0: arms at x = 1 and x = 5, joined at y = 3)
  // starts at voxel (1, 1, 0); the bar along z starts at (3, 1, 0), between the U's arms.
  VolumeGeometry g;
  g.size = {7, 5, 10};
  Mask m = EmptyMask(g);
  for (size_t y = 1; y <= 3; ++y) m.voxels[m.Index(1, y, 0)] = m.voxels[m.Index(5, y, 0)] = 1;
  for (size_t x = 2; x <= 4; ++x) m.voxels[m.Index(x, 3, 0)] = 1;
  for (size_t z = 0; z < 9; ++z) m.voxels[m.Index(3, 1, z)] = 1;
  Result<TriangleMesh> u = ExtractSurface(m);
  ASSERT_TRUE(u.ok());
  ExpectWatertight(*u);
  for (const auto& v : u->vertices) EXPECT_LE(v[2], 0.5f);  // the U lies in plane z = 0
  // Moved to row 0, the bar starts first and wins.
  for (size_t z = 0; z < 9; ++z) {
    m.voxels[m.Index(3, 1, z)] = 0;
    m.voxels[m.Index(3, 0, z)] = 1;
  }
  Result<TriangleMesh> bar = ExtractSurface(m);
  ASSERT_TRUE(bar.ok());
  ExpectWatertight(*bar);
  for (const auto& v : bar->vertices) EXPECT_NEAR(v[0], 3.0f, 0.5f);
  EXPECT_EQ(Canonical(*bar), Canonical(*ExtractSurface(LargestComponentByFloodFill(m))));
}

TEST(ExtractSurface, ManySingleVoxelComponentsKeepTheFirstAtTheCorner) {
  // Voxels at even coordinates only: 1000 components of one voxel, the first at (0, 0, 0) on
  // the volume's corner.
  Mask m = EmptyMask(Cube(20));
  for (size_t k = 0; k < 20; k += 2) {
    for (size_t j = 0; j < 20; j += 2) {
      for (size_t i = 0; i < 20; i += 2) m.voxels[m.Index(i, j, k)] = 1;
    }
  }
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok());
  EXPECT_EQ(mesh->triangles.size(), 8u);
  EXPECT_EQ(mesh->vertices.size(), 6u);
  ExpectWatertight(*mesh);
  for (const auto& v : mesh->vertices) {
    for (float x : v) EXPECT_LE(std::abs(x), 0.5f);
  }
  EXPECT_NEAR(Volume(*mesh), 1.0 / 6, 1e-6);
}

TEST(ExtractSurface, SingleVoxelOnEveryCornerOfAFlatVolume) {
  // A one-slice volume: the label touches the border on both z sides.
  VolumeGeometry g;
  g.size = {5, 4, 1};
  for (const auto& [i, j] :
       std::vector<std::pair<size_t, size_t>>{{0, 0}, {4, 0}, {0, 3}, {4, 3}}) {
    Mask m = EmptyMask(g);
    m.voxels[m.Index(i, j, 0)] = 7;
    Result<TriangleMesh> mesh = ExtractSurface(m, 7);
    ASSERT_TRUE(mesh.ok());
    EXPECT_EQ(mesh->triangles.size(), 8u);
    ExpectWatertight(*mesh);
    ExpectInsideVolume(*mesh, g);
    EXPECT_NEAR(Volume(*mesh), 1.0 / 6, 1e-6);
  }
}

TEST(ExtractSurface, SlabTouchingOneBorderIsClosed) {
  // Label 2 fills the lower half of the volume in y (touching x, y = 0 and z borders); label 1
  // elsewhere must not count.
  Mask m = EmptyMask(Cube(10));
  for (size_t k = 0; k < 10; ++k) {
    for (size_t j = 0; j < 10; ++j) {
      for (size_t i = 0; i < 10; ++i) m.voxels[m.Index(i, j, k)] = j < 5 ? 2 : 1;
    }
  }
  Result<TriangleMesh> mesh = ExtractSurface(m, 2);
  ASSERT_TRUE(mesh.ok());
  ExpectWatertight(*mesh);
  ExpectInsideVolume(*mesh, m.geometry);
  for (const auto& v : mesh->vertices) EXPECT_LE(v[1], 4.5f);
  // The iso 0.5 box of 10 x 5 x 10 voxel centres, minus the rounded edges and corners.
  EXPECT_GT(Volume(*mesh), 9.0 * 4 * 9);
  EXPECT_LT(Volume(*mesh), 10.0 * 5 * 10);
}

TEST(ExtractSurface, RandomLabelsGiveClosedSurfacesOfTheFloodFillComponent) {
  // Noise at several densities: many components, every cube configuration, ambiguous faces.
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 24; ++trial) {
    VolumeGeometry g;
    g.size = {3 + rng() % 14, 3 + rng() % 14, 1 + rng() % 12};
    g.spacing_mm = {0.7, 0.9, 2.5};
    if (trial % 3 == 0) g.direction[2] = {0, 0, -1};  // left-handed
    Mask m = EmptyMask(g);
    const unsigned density = 20 + rng() % 60;
    for (auto& v : m.voxels) v = rng() % 100 < density ? 1 : 0;
    m.voxels[rng() % m.voxels.size()] = 1;
    SCOPED_TRACE("trial " + std::to_string(trial));
    Result<TriangleMesh> mesh = ExtractSurface(m);
    ASSERT_TRUE(mesh.ok());
    ExpectWatertight(*mesh);
    ExpectInsideVolume(*mesh, g);
    EXPECT_GT(Volume(*mesh), 0);
    Result<TriangleMesh> reference = ExtractSurface(LargestComponentByFloodFill(m));
    ASSERT_TRUE(reference.ok());
    EXPECT_EQ(Canonical(*mesh), Canonical(*reference));
  }
}

TEST(ExtractSurface, ErrorsAreTyped) {
  Mask empty = EmptyMask(Cube(5));
  EXPECT_EQ(ExtractSurface(empty).status().code(), StatusCode::kNotFound);
  Mask m = EmptyMask(Cube(5));
  m.voxels[0] = 1;
  EXPECT_EQ(ExtractSurface(m, 3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ExtractSurface(m, 0).status().code(), StatusCode::kInvalidArgument);
  Mask wrong = m;
  wrong.voxels.pop_back();
  EXPECT_EQ(ExtractSurface(wrong).status().code(), StatusCode::kInvalidArgument);
  Mask flat = m;
  flat.geometry.direction[2] = flat.geometry.direction[0];
  EXPECT_EQ(ExtractSurface(flat).status().code(), StatusCode::kInvalidArgument);
  Mask zero = m;
  zero.geometry.spacing_mm[1] = 0;
  EXPECT_EQ(ExtractSurface(zero).status().code(), StatusCode::kInvalidArgument);
}

uint32_t U32(const Bytes& b, size_t at) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v |= uint32_t(b[at + k]) << (8 * k);
  return v;
}
float F32(const Bytes& b, size_t at) { return std::bit_cast<float>(U32(b, at)); }

TEST(WriteBinaryStl, SizeCountAndTrianglesReadBack) {
  Mask m = EmptyMask(Cube(20));
  PaintBall(m, {10, 10, 10}, 6, 1);
  Result<TriangleMesh> mesh = ExtractSurface(m);
  ASSERT_TRUE(mesh.ok());
  const fs::path dir = fs::temp_directory_path() / ("openhi_stl_" + NewId());
  const fs::path path = dir / "stl" / "spleen.stl";
  ASSERT_TRUE(WriteBinaryStl(*mesh, path).ok());
  const size_t n = mesh->triangles.size();
  EXPECT_EQ(fs::file_size(path), 84 + 50 * n);
  Result<Bytes> bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_NE(std::memcmp(bytes->data(), "solid", 5), 0);
  ASSERT_EQ(U32(*bytes, 80), n);
  for (size_t t = 0; t < n; t += 97) {
    const size_t at = 84 + 50 * t;
    const P normal = {F32(*bytes, at), F32(*bytes, at + 4), F32(*bytes, at + 8)};
    const auto& tri = mesh->triangles[t];
    const P expected =
        Cross(Sub(At(*mesh, tri[1]), At(*mesh, tri[0])), Sub(At(*mesh, tri[2]), At(*mesh, tri[0])));
    EXPECT_NEAR(Dot(normal, expected) / Norm(expected), 1.0, 1e-5);
    for (int v = 0; v < 3; ++v) {
      for (int a = 0; a < 3; ++a) {
        EXPECT_EQ(F32(*bytes, at + 12 + 12 * v + 4 * a), mesh->vertices[tri[v]][a]);
      }
    }
  }
  TriangleMesh broken = *mesh;
  broken.triangles.push_back({0, 1, uint32_t(broken.vertices.size())});
  EXPECT_EQ(WriteBinaryStl(broken, dir / "broken.stl").code(), StatusCode::kInvalidArgument);
  fs::remove_all(dir);
}

TEST(WriteBinaryStl, ManyTrianglesAreAllWrittenInOrder) {
  // More facets than one write chunk (4 MiB / 50 bytes), each with its own vertices.
  TriangleMesh mesh;
  const size_t n = 200001;
  for (size_t t = 0; t < n; ++t) {
    const float z = float(t) * 0.25f;
    const uint32_t v = uint32_t(mesh.vertices.size());
    mesh.vertices.push_back({0, 0, z});
    mesh.vertices.push_back({0, 2, z});  // normal (b - a) x (c - a) = (0, 2, 0) x (3, 0, 0)
    mesh.vertices.push_back({3, 0, z});
    mesh.triangles.push_back({v, v + 1, v + 2});
  }
  const fs::path dir = fs::temp_directory_path() / ("openhi_stl_" + NewId());
  const fs::path path = dir / "many.stl";
  ASSERT_TRUE(WriteBinaryStl(mesh, path).ok());
  Result<Bytes> bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), 84 + 50 * n);
  ASSERT_EQ(U32(*bytes, 80), n);
  for (size_t t = 0; t < n; ++t) {
    const size_t at = 84 + 50 * t;
    ASSERT_EQ(F32(*bytes, at), 0.0f);
    ASSERT_EQ(F32(*bytes, at + 4), 0.0f);
    ASSERT_EQ(F32(*bytes, at + 8), -1.0f) << "facet " << t;
    ASSERT_EQ(F32(*bytes, at + 36), 3.0f);                                   // c.x
    ASSERT_EQ(F32(*bytes, at + 12 + 8), float(t) * 0.25f) << "facet " << t;  // a.z
    ASSERT_EQ(uint8_t((*bytes)[at + 48]) | uint8_t((*bytes)[at + 49]), 0);
  }
  // Only the file itself is left in the folder (no temporary file).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(WriteBinaryStl, UnwritablePathIsAnErrorAndLeavesNoFile) {
  TriangleMesh mesh;
  mesh.vertices = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  mesh.triangles = {{0, 1, 2}};
  const fs::path dir = fs::temp_directory_path() / ("openhi_stl_" + NewId());
  fs::create_directories(dir);
  ASSERT_TRUE(WriteFileAtomic(dir / "file", AsBytes("x")).ok());
  const Status s = WriteBinaryStl(mesh, dir / "file" / "a.stl");  // parent is a file
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  // An existing file is replaced whole.
  ASSERT_TRUE(WriteBinaryStl(mesh, dir / "file").ok());
  EXPECT_EQ(fs::file_size(dir / "file"), 84u + 50u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace openhi::mesh
