// bench/mesh: the STL stage of the segmentation apps (mesh::ExtractSurface, then
// mesh::WriteBinaryStl) on synthetic labels built in memory, each timed on its own.
//
//   bench_mesh [--repeats 3] [--output DIR] [--case all|full|spleen]
//
// Cases (both 512 x 512 x 138, the LIDC CT of bench/app, label 1):
//   full:   ~99.7 % foreground with a few thousand random box-shaped background holes (1-5
//           voxels a side), like the seeded-weight UNet output of bench/app.
//   spleen: an ellipsoid of ~200 ml at 0.7 x 0.7 x 2.5 mm spacing.
// Prints per case the triangle and vertex counts, an order-independent checksum of the
// triangles (their LPS float vertex positions, cyclic order kept, so winding counts; equal
// checksums mean the same surface), and the median (and best) seconds of --repeats runs of
// each stage. STL files go to --output (default: the system temp folder) and are removed.
// The load average is printed: on the shared 2-core machines figures taken at a load above
// ~2 are not comparable.
#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "openhi/core/ids.h"
#include "openhi/mesh/mesh.h"

namespace {

namespace fs = std::filesystem;
using namespace openhi;
using Clock = std::chrono::steady_clock;

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

volume::Mask FullWithHoles() {
  volume::Mask m;
  m.geometry.size = {512, 512, 138};
  m.geometry.spacing_mm = {0.7, 0.7, 2.5};
  m.geometry.origin_mm = {-179.3, -179.3, -340};
  m.voxels.assign(m.geometry.VoxelCount(), 1);
  std::mt19937 rng(20240605);
  const auto& s = m.geometry.size;
  for (int h = 0; h < 4000; ++h) {
    std::array<size_t, 3> lo, len;
    for (int a = 0; a < 3; ++a) {
      len[a] = 1 + rng() % 5;
      lo[a] = rng() % (s[a] - len[a] + 1);
    }
    for (size_t k = lo[2]; k < lo[2] + len[2]; ++k) {
      for (size_t j = lo[1]; j < lo[1] + len[1]; ++j) {
        for (size_t i = lo[0]; i < lo[0] + len[0]; ++i) {
          m.voxels[m.Index(i, j, k)] = 0;
        }
      }
    }
  }
  return m;
}

volume::Mask Spleen() {
  volume::Mask m;
  m.geometry.size = {512, 512, 138};
  m.geometry.spacing_mm = {0.7, 0.7, 2.5};
  m.voxels.assign(m.geometry.VoxelCount(), 0);
  // Semi-axes (mm): 4/3 pi abc = 200 ml.
  const double a = 62, b = 33, c = 200000.0 / (4.0 / 3 * 3.14159265358979 * a * b);
  const double cx = 250 * 0.7, cy = 300 * 0.7, cz = 70 * 2.5;
  const auto& s = m.geometry.size;
  for (size_t k = 0; k < s[2]; ++k) {
    for (size_t j = 0; j < s[1]; ++j) {
      for (size_t i = 0; i < s[0]; ++i) {
        // Rotated 30 degrees about z so the surface is not axis-aligned.
        const double x = i * 0.7 - cx, y = j * 0.7 - cy, z = k * 2.5 - cz;
        const double u = 0.866 * x + 0.5 * y, v = -0.5 * x + 0.866 * y;
        if (u * u / (a * a) + v * v / (b * b) + z * z / (c * c) <= 1)
          m.voxels[m.Index(i, j, k)] = 1;
      }
    }
  }
  return m;
}

uint64_t Mix(uint64_t h) {  // splitmix64 finaliser
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

// Sum over triangles of a hash of their three positions, rotated so the smallest comes first.
uint64_t Checksum(const mesh::TriangleMesh& mesh) {
  uint64_t sum = 0;
  for (const auto& t : mesh.triangles) {
    std::array<std::array<float, 3>, 3> p = {mesh.vertices[t[0]], mesh.vertices[t[1]],
                                             mesh.vertices[t[2]]};
    const size_t first = std::min_element(p.begin(), p.end()) - p.begin();
    std::rotate(p.begin(), p.begin() + first, p.end());
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (const auto& v : p) {
      for (float x : v) h = Mix(h ^ std::bit_cast<uint32_t>(x + 0.0f));  // -0 == +0
    }
    sum += h;
  }
  return sum;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Run(const char* name, const volume::Mask& mask, int repeats, const fs::path& dir) {
  size_t foreground = mask.CountNonZero();
  std::printf("%s: %zu x %zu x %zu, %.3f %% foreground (%zu voxels)\n", name, mask.geometry.size[0],
              mask.geometry.size[1], mask.geometry.size[2], 100.0 * foreground / mask.voxels.size(),
              foreground);
  std::vector<double> extract_s, write_s;
  mesh::TriangleMesh kept;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    Result<mesh::TriangleMesh> surface = mesh::ExtractSurface(mask, uint8_t{1});
    auto t1 = Clock::now();
    if (!surface.ok()) {
      std::fprintf(stderr, "ExtractSurface: %s\n", surface.status().ToString().c_str());
      std::exit(1);
    }
    const fs::path path = dir / (std::string(name) + ".stl");
    Status written = mesh::WriteBinaryStl(*surface, path);
    auto t2 = Clock::now();
    if (!written.ok()) {
      std::fprintf(stderr, "WriteBinaryStl: %s\n", written.ToString().c_str());
      std::exit(1);
    }
    fs::remove(path);
    extract_s.push_back(std::chrono::duration<double>(t1 - t0).count());
    write_s.push_back(std::chrono::duration<double>(t2 - t1).count());
    if (r + 1 == repeats) kept = std::move(*surface);
  }
  std::printf("  %zu triangles, %zu vertices, checksum %016llx\n", kept.triangles.size(),
              kept.vertices.size(), static_cast<unsigned long long>(Checksum(kept)));
  std::printf("  ExtractSurface  median %.3f s  best %.3f s\n", Median(extract_s),
              *std::min_element(extract_s.begin(), extract_s.end()));
  std::printf("  WriteBinaryStl  median %.3f s  best %.3f s  (%.0f MB)\n", Median(write_s),
              *std::min_element(write_s.begin(), write_s.end()),
              (84 + 50.0 * kept.triangles.size()) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  fs::path output = fs::temp_directory_path();
  std::string which = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else if (arg == "--case" && i + 1 < argc) {
      which = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: bench_mesh [--repeats 3] [--output DIR] [--case all|full|spleen]\n");
      return 2;
    }
  }
  const fs::path dir = output / ("openhi_bench_mesh_" + NewId());
  fs::create_directories(dir);
  std::printf("load average before: %s\n", LoadAverage().c_str());
  if (which == "all" || which == "full") Run("full", FullWithHoles(), repeats, dir);
  if (which == "all" || which == "spleen") Run("spleen", Spleen(), repeats, dir);
  std::printf("load average after: %s\n", LoadAverage().c_str());
  fs::remove_all(dir);
  return 0;
}
