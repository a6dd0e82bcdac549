#include "openhi/synth/nrrd.h"

#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <string_view>

#include "openhi/core/file_util.h"
#include "openhi/core/gzip.h"

namespace openhi::synth {
namespace {

constexpr size_t kMaxVoxels = size_t{1} << 31;

std::string FormatNumber(double v) {
  if (v == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}

std::string FormatVector(const Vec3& v) {
  return "(" + FormatNumber(v[0]) + "," + FormatNumber(v[1]) + "," + FormatNumber(v[2]) + ")";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseDouble(std::string_view s, double* out) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(*out);
}

// Parses "(a,b,c)" vectors separated by white space; exactly `count` of them.
Status ParseVectors(std::string_view field, std::string_view text, size_t count, Vec3* out) {
  const Status bad = InvalidArgument("NRRD '" + std::string(field) + "': expected " +
                                     std::to_string(count) + " vectors (x,y,z)");
  for (size_t n = 0; n < count; ++n) {
    text = Trim(text);
    if (text.empty() || text.front() != '(') return bad;
    const size_t close = text.find(')');
    if (close == std::string_view::npos) return bad;
    std::string_view inner = text.substr(1, close - 1);
    for (int a = 0; a < 3; ++a) {
      const size_t comma = a < 2 ? inner.find(',') : inner.size();
      if (comma == std::string_view::npos) return bad;
      if (!ParseDouble(inner.substr(0, comma), &out[n][a])) return bad;
      inner.remove_prefix(a < 2 ? comma + 1 : comma);
    }
    text.remove_prefix(close + 1);
  }
  if (!Trim(text).empty()) return bad;
  return Status::Ok();
}

Status ParseSizes(std::string_view text, std::array<size_t, 3>* sizes) {
  const Status bad = InvalidArgument("NRRD 'sizes': expected 3 positive integers");
  size_t total = 1;
  for (int a = 0; a < 3; ++a) {
    text = Trim(text);
    uint64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || v == 0 || v > kMaxVoxels) return bad;
    text.remove_prefix(static_cast<size_t>(r.ptr - text.data()));
    if (a < 2 && (text.empty() || (text.front() != ' ' && text.front() != '\t'))) return bad;
    (*sizes)[a] = static_cast<size_t>(v);
    total *= static_cast<size_t>(v);
    if (total > kMaxVoxels) return InvalidArgument("NRRD 'sizes': volume exceeds 2^31 voxels");
  }
  if (!Trim(text).empty()) return bad;
  return Status::Ok();
}

}  // namespace

Result<Bytes> EncodeNrrdMask(const Mask& mask) {
  const VolumeGeometry& g = mask.geometry;
  if (g.size[0] == 0 || g.size[1] == 0 || g.size[2] == 0) {
    return InvalidArgument("NRRD mask: zero size");
  }
  if (mask.voxels.size() != g.VoxelCount()) {
    return InvalidArgument("NRRD mask: voxel count does not match the geometry");
  }
  Vec3 axes[3];
  for (int a = 0; a < 3; ++a) {
    if (!(g.spacing_mm[a] > 0) || !std::isfinite(g.spacing_mm[a])) {
      return InvalidArgument("NRRD mask: spacing must be positive");
    }
    for (int c = 0; c < 3; ++c) axes[a][c] = g.direction[a][c] * g.spacing_mm[a];
  }
  std::string h =
      "NRRD0004\n"
      "# Complete NRRD file format specification at:\n"
      "# http://teem.sourceforge.net/nrrd/format.html\n"
      "# openhi synthetic ground-truth label mask (0 background, 1 blob)\n"
      "type: uint8\n"
      "dimension: 3\n"
      "space: left-posterior-superior\n";
  h += "sizes: " + std::to_string(g.size[0]) + " " + std::to_string(g.size[1]) + " " +
       std::to_string(g.size[2]) + "\n";
  h += "space directions: " + FormatVector(axes[0]) + " " + FormatVector(axes[1]) + " " +
       FormatVector(axes[2]) + "\n";
  h += "kinds: domain domain domain\n";
  h += "encoding: raw\n";
  h += "space origin: " + FormatVector(g.origin_mm) + "\n\n";
  Bytes out;
  out.reserve(h.size() + mask.voxels.size());
  const ByteView header = AsBytes(h);
  out.insert(out.end(), header.begin(), header.end());
  const auto* data = reinterpret_cast<const std::byte*>(mask.voxels.data());
  out.insert(out.end(), data, data + mask.voxels.size());
  return out;
}

Result<Mask> ParseNrrdMask(ByteView nrrd) {
  const std::string_view text = AsStringView(nrrd);
  size_t pos = 0;
  // Returns false at the end of the input; `line` excludes the '\n' (and a trailing '\r').
  auto next_line = [&](std::string_view* line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    *line = text.substr(pos, end - pos);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos = end + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(&line) || line.size() != 8 || line.substr(0, 7) != "NRRD000" || line[7] < '1' ||
      line[7] > '5') {
    return InvalidArgument("not a NRRD file (no NRRD000x magic)");
  }
  std::map<std::string, std::string, std::less<>> fields;
  bool terminated = false;
  while (next_line(&line)) {
    if (line.empty()) {
      terminated = true;
      break;
    }
    if (line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon + 1 >= line.size()) {
      return InvalidArgument("NRRD header: malformed line");
    }
    if (line[colon + 1] == '=') continue;  // key:=value pair
    if (line[colon + 1] != ' ') return InvalidArgument("NRRD header: malformed field line");
    std::string key(line.substr(0, colon));
    if (!fields.emplace(key, std::string(Trim(line.substr(colon + 2)))).second) {
      return InvalidArgument("NRRD header: duplicate field '" + key + "'");
    }
  }
  if (fields.count("data file") || fields.count("datafile")) {
    return Unimplemented("NRRD with a detached data file is not supported");
  }
  if (!terminated) return InvalidArgument("NRRD header is not terminated by a blank line");
  auto field = [&](std::string_view name) -> Result<std::string_view> {
    auto it = fields.find(name);
    if (it == fields.end()) return InvalidArgument("NRRD header lacks '" + std::string(name) + "'");
    return std::string_view(it->second);
  };

  OPENHI_ASSIGN_OR_RETURN(std::string_view type, field("type"));
  if (type != "uint8" && type != "uchar" && type != "unsigned char" && type != "uint8_t") {
    return Unimplemented("NRRD type '" + std::string(type) + "': only uint8 masks are supported");
  }
  OPENHI_ASSIGN_OR_RETURN(std::string_view dimension, field("dimension"));
  if (Trim(dimension) != "3") return Unimplemented("NRRD dimension must be 3");
  for (const char* skip : {"line skip", "lineskip", "byte skip", "byteskip"}) {
    auto it = fields.find(skip);
    if (it != fields.end() && it->second != "0") {
      return Unimplemented("NRRD '" + std::string(skip) + "' is not supported");
    }
  }
  Mask mask;
  VolumeGeometry& g = mask.geometry;
  OPENHI_ASSIGN_OR_RETURN(std::string_view sizes, field("sizes"));
  OPENHI_RETURN_IF_ERROR(ParseSizes(sizes, &g.size));
  OPENHI_ASSIGN_OR_RETURN(std::string_view space, field("space"));
  bool ras = false;
  if (space == "right-anterior-superior" || space == "RAS") {
    ras = true;
  } else if (space != "left-posterior-superior" && space != "LPS") {
    return Unimplemented("NRRD space '" + std::string(space) + "' is not supported");
  }
  Vec3 axes[3];
  OPENHI_ASSIGN_OR_RETURN(std::string_view directions, field("space directions"));
  OPENHI_RETURN_IF_ERROR(ParseVectors("space directions", directions, 3, axes));
  OPENHI_ASSIGN_OR_RETURN(std::string_view origin, field("space origin"));
  OPENHI_RETURN_IF_ERROR(ParseVectors("space origin", origin, 1, &g.origin_mm));
  if (ras) {
    for (Vec3* v : {&axes[0], &axes[1], &axes[2], &g.origin_mm}) {
      (*v)[0] = -(*v)[0];
      (*v)[1] = -(*v)[1];
    }
  }
  for (int a = 0; a < 3; ++a) {
    const double norm =
        std::sqrt(axes[a][0] * axes[a][0] + axes[a][1] * axes[a][1] + axes[a][2] * axes[a][2]);
    if (!(norm > 0) || !std::isfinite(norm)) {
      return InvalidArgument("NRRD 'space directions': zero or non-finite vector");
    }
    g.spacing_mm[a] = norm;
    for (int c = 0; c < 3; ++c) g.direction[a][c] = axes[a][c] / norm;
  }

  const size_t count = g.VoxelCount();
  const ByteView data = nrrd.subspan(std::min(pos, nrrd.size()));
  OPENHI_ASSIGN_OR_RETURN(std::string_view encoding, field("encoding"));
  if (encoding == "raw") {
    if (data.size() != count) {
      return InvalidArgument("NRRD raw data holds " + std::to_string(data.size()) +
                             " bytes; sizes need " + std::to_string(count));
    }
    mask.voxels.assign(reinterpret_cast<const uint8_t*>(data.data()),
                       reinterpret_cast<const uint8_t*>(data.data()) + count);
  } else if (encoding == "gzip" || encoding == "gz") {
    Result<Bytes> raw = GzipDecompress(data, count);
    if (!raw.ok()) return InvalidArgument("NRRD gzip data: " + raw.status().message());
    if (raw->size() != count) return InvalidArgument("NRRD gzip data shorter than sizes need");
    mask.voxels.assign(reinterpret_cast<const uint8_t*>(raw->data()),
                       reinterpret_cast<const uint8_t*>(raw->data()) + count);
  } else {
    return Unimplemented("NRRD encoding '" + std::string(encoding) + "' is not supported");
  }
  return mask;
}

Result<Mask> ReadNrrdMask(const std::filesystem::path& path) {
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path));
  Result<Mask> mask = ParseNrrdMask(bytes);
  if (!mask.ok()) return mask.status().WithContext(path.string());
  return mask;
}

Status WriteNrrdMask(const std::filesystem::path& path, const Mask& mask, bool fsync_file) {
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, EncodeNrrdMask(mask));
  return WriteFileAtomic(path, bytes, fsync_file);
}

}  // namespace openhi::synth
