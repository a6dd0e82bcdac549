#include "openhi/mesh/mesh.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numbers>

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
  std::printf("sphere r=%g: %zu triangles, volume %.1f (analytic %.1f, %+.2f%%), area %.1f "
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
    const P expected = Cross(Sub(At(*mesh, tri[1]), At(*mesh, tri[0])),
                             Sub(At(*mesh, tri[2]), At(*mesh, tri[0])));
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

}  // namespace
}  // namespace openhi::mesh
