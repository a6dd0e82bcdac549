// WriteBinaryStl: the binary STL encoding (little-endian), streamed in 4 MiB chunks through an
// AtomicFileWriter (core/file_util.h; fsync, then rename). Not one buffer for the whole file:
// the STL of a large label is ~200 MB, which costs more to fault in on a fresh buffer than to
// encode; the reused chunk stays cache- and TLB-warm, and writeback of each chunk starts as soon
// as it is written, so the closing fsync waits for little more than the last chunk.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "openhi/core/file_util.h"
#include "openhi/mesh/mesh.h"

namespace openhi::mesh {
namespace {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "STL is little-endian: the encoder copies native float32/uint32 bytes");
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559);

constexpr size_t kHeaderBytes = 84, kFacetBytes = 50;
constexpr size_t kFacetsPerChunk = (size_t{4} << 20) / kFacetBytes;

// One facet: unit right-hand-rule normal (0 for a degenerate triangle), computed in double as
// before any float rounding, then the three vertices, then the uint16 attribute 0.
void EncodeFacet(const TriangleMesh& mesh, const std::array<uint32_t, 3>& t, std::byte* out) {
  const auto& a = mesh.vertices[t[0]];
  const auto& b = mesh.vertices[t[1]];
  const auto& c = mesh.vertices[t[2]];
  const double u[3] = {double(b[0]) - a[0], double(b[1]) - a[1], double(b[2]) - a[2]};
  const double v[3] = {double(c[0]) - a[0], double(c[1]) - a[1], double(c[2]) - a[2]};
  double n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
  const double length = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  float f[12];
  for (int k = 0; k < 3; ++k) f[k] = float(length > 0 ? n[k] / length : 0);
  for (int k = 0; k < 3; ++k) {
    f[3 + k] = a[k];
    f[6 + k] = b[k];
    f[9 + k] = c[k];
  }
  std::memcpy(out, f, sizeof f);
  out[48] = out[49] = std::byte{0};
}

}  // namespace

Status WriteBinaryStl(const TriangleMesh& mesh, const std::filesystem::path& path) {
  if (mesh.triangles.size() > 0xFFFFFFFFu) return InvalidArgument("STL: too many triangles");
  const size_t vertex_count = mesh.vertices.size();
  for (const auto& t : mesh.triangles) {
    if (t[0] >= vertex_count || t[1] >= vertex_count || t[2] >= vertex_count) {
      const uint32_t v = std::max({t[0], t[1], t[2]});
      return InvalidArgument("STL: triangle vertex " + std::to_string(v) + " of " +
                             std::to_string(vertex_count));
    }
  }
  OPENHI_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path, Durability::kFsync));
  std::vector<std::byte> chunk(std::max(kHeaderBytes, kFacetsPerChunk * kFacetBytes));
  // The header must not start with "solid" (readers would take the file for ASCII STL).
  char header[80] = {};
  std::snprintf(header, sizeof(header), "openhi binary STL, LPS millimetres");
  std::memcpy(chunk.data(), header, sizeof header);
  const uint32_t count = uint32_t(mesh.triangles.size());
  std::memcpy(chunk.data() + 80, &count, sizeof count);
  OPENHI_RETURN_IF_ERROR(file.Append(ByteView(chunk.data(), kHeaderBytes)));
  for (size_t first = 0; first < mesh.triangles.size(); first += kFacetsPerChunk) {
    const size_t n = std::min(kFacetsPerChunk, mesh.triangles.size() - first);
    for (size_t i = 0; i < n; ++i) {
      EncodeFacet(mesh, mesh.triangles[first + i], chunk.data() + i * kFacetBytes);
    }
    OPENHI_RETURN_IF_ERROR(file.Append(ByteView(chunk.data(), n * kFacetBytes)));
  }
  return file.Commit();
}

}  // namespace openhi::mesh
