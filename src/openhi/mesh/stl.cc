// WriteBinaryStl: the binary STL encoding (little-endian) and an atomic write.
#include <bit>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <string>

#include "openhi/core/file_util.h"
#include "openhi/mesh/mesh.h"

namespace openhi::mesh {
namespace {

void PutU32(Bytes& out, uint32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(std::byte((v >> (8 * b)) & 0xFF));
}
void PutF32(Bytes& out, float v) { PutU32(out, std::bit_cast<uint32_t>(v)); }

}  // namespace

Status WriteBinaryStl(const TriangleMesh& mesh, const std::filesystem::path& path) {
  if (mesh.triangles.size() > 0xFFFFFFFFu) return InvalidArgument("STL: too many triangles");
  for (const auto& t : mesh.triangles) {
    for (uint32_t v : t) {
      if (v >= mesh.vertices.size()) {
        return InvalidArgument("STL: triangle vertex " + std::to_string(v) + " of " +
                               std::to_string(mesh.vertices.size()));
      }
    }
  }
  Bytes out;
  out.reserve(84 + 50 * mesh.triangles.size());
  // The header must not start with "solid" (readers would take the file for ASCII STL).
  char header[80] = {};
  std::snprintf(header, sizeof(header), "openhi binary STL, LPS millimetres");
  for (char c : header) out.push_back(std::byte(c));
  PutU32(out, uint32_t(mesh.triangles.size()));
  for (const auto& t : mesh.triangles) {
    const auto& a = mesh.vertices[t[0]];
    const auto& b = mesh.vertices[t[1]];
    const auto& c = mesh.vertices[t[2]];
    const double u[3] = {double(b[0]) - a[0], double(b[1]) - a[1], double(b[2]) - a[2]};
    const double v[3] = {double(c[0]) - a[0], double(c[1]) - a[1], double(c[2]) - a[2]};
    double n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2],
                   u[0] * v[1] - u[1] * v[0]};
    const double length = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    for (double& x : n) x = length > 0 ? x / length : 0;
    for (double x : n) PutF32(out, float(x));
    for (const auto* p : {&a, &b, &c}) {
      for (float x : *p) PutF32(out, x);
    }
    out.push_back(std::byte{0});
    out.push_back(std::byte{0});
  }
  return WriteFileAtomic(path, out, Durability::kFsync);
}

}  // namespace openhi::mesh
