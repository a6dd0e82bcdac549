#include "openhi/codec/internal/j2k_markers.h"

#include <algorithm>
#include <string>
#include <utility>

namespace openhi::codec::internal {
namespace {

uint16_t Be16(ByteView b, size_t pos) {
  return static_cast<uint16_t>((std::to_integer<uint16_t>(b[pos]) << 8) |
                               std::to_integer<uint16_t>(b[pos + 1]));
}

uint32_t Be32(ByteView b, size_t pos) { return (uint32_t{Be16(b, pos)} << 16) | Be16(b, pos + 2); }

void PutBe16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v & 0xFF));
}

void PutBe32(Bytes& out, uint32_t v) {
  PutBe16(out, static_cast<uint16_t>(v >> 16));
  PutBe16(out, static_cast<uint16_t>(v & 0xFFFF));
}

Status Corrupt(std::string what, size_t pos) {
  return InvalidArgument("JPEG 2000 codestream: " + what + " at offset " + std::to_string(pos));
}

// SIZ payload (after Lsiz): Rsiz, 8 x 32-bit geometry, Csiz, then 3 bytes per component.
Result<SizInfo> ParseSiz(ByteView p, size_t pos) {
  if (p.size() < 36) return Corrupt("SIZ segment too short", pos);
  const uint32_t xsiz = Be32(p, 2), ysiz = Be32(p, 6), xo = Be32(p, 10), yo = Be32(p, 14);
  const uint32_t xt = Be32(p, 18), yt = Be32(p, 22), xto = Be32(p, 26), yto = Be32(p, 30);
  const uint16_t csiz = Be16(p, 34);
  if (csiz == 0 || csiz > 16384 || p.size() != 36 + size_t{3} * csiz) {
    return Corrupt("SIZ component count does not match its length", pos);
  }
  if (xsiz <= xo || ysiz <= yo) return Corrupt("SIZ describes an empty image", pos);
  if (xt == 0 || yt == 0 || xto > xo || yto > yo || uint64_t{xto} + xt <= xo ||
      uint64_t{yto} + yt <= yo) {
    return Corrupt("SIZ tile grid does not cover the image origin", pos);
  }
  for (uint16_t c = 0; c < csiz; ++c) {
    const size_t at = 36 + size_t{3} * c;
    const uint8_t ssiz = std::to_integer<uint8_t>(p[at]);
    if ((ssiz & 0x7F) + 1 > 38 || p[at + 1] == std::byte{0} || p[at + 2] == std::byte{0}) {
      return Corrupt("SIZ component has a bad depth or sampling", pos);
    }
  }
  SizInfo siz;
  siz.width = xsiz - xo;
  siz.height = ysiz - yo;
  siz.x_offset = xo;
  siz.y_offset = yo;
  siz.tile_width = xt;
  siz.tile_height = yt;
  siz.tile_x_offset = xto;
  siz.tile_y_offset = yto;
  siz.components = csiz;
  siz.num_tiles = ((uint64_t{xsiz} - xto + xt - 1) / xt) * ((uint64_t{ysiz} - yto + yt - 1) / yt);
  return siz;
}

// Lsot (10) + marker (2): the SOT segment that starts every tile-part.
constexpr size_t kSotSegmentBytes = 12;

bool Contains(const std::vector<uint16_t>& v, uint16_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// COD payload (after Lcod): Scod, SGcod (progression, 2-byte layers, MCT), SPcod (levels, xcb,
// ycb, code-block style, transformation, then levels + 1 precinct sizes when Scod bit 0 is set).
Status ParseCod(ByteView p, size_t pos, MainHeaderInfo& info) {
  if (p.size() < 10) return Corrupt("COD segment too short", pos);
  const uint8_t scod = std::to_integer<uint8_t>(p[0]);
  info.progression = std::to_integer<uint8_t>(p[1]);
  const uint16_t layers = Be16(p, 2);
  const uint8_t mct = std::to_integer<uint8_t>(p[4]);
  info.decomposition_levels = std::to_integer<uint8_t>(p[5]);
  const int xcb = std::to_integer<int>(p[6]) + 2;  // code-block exponents (A.6.1)
  const int ycb = std::to_integer<int>(p[7]) + 2;
  info.block_style = std::to_integer<uint8_t>(p[8]);
  const uint8_t transform = std::to_integer<uint8_t>(p[9]);
  const size_t expected = 10 + ((scod & 1) != 0 ? info.decomposition_levels + 1u : 0u);
  if (p.size() != expected || (scod & ~0x07) != 0) return Corrupt("COD segment length", pos);
  if (info.progression > 4 || layers == 0 || info.decomposition_levels > 32 || mct > 1 ||
      (mct == 1 && info.siz.components < 3) || transform > 1) {
    return Corrupt("COD has a bad progression, layer count, level count, MCT or wavelet", pos);
  }
  if (xcb > 10 || ycb > 10 || xcb + ycb > 12) return Corrupt("COD code-block size", pos);
  info.multiple_component_transform = mct == 1;
  info.reversible = transform == 1;
  return Status::Ok();
}

// A QCD or QCC segment, checked against COD once the whole main header is read.
struct QuantSegment {
  size_t pos = 0;
  bool is_qcc = false;
  uint16_t component = 0;  // QCC only
  uint8_t style = 0;       // Sqcd/Sqcc & 0x1F
  size_t band_bytes = 0;   // bytes after Sqcd/Sqcc
};

Result<QuantSegment> ParseQuant(ByteView p, size_t pos, bool is_qcc, const MainHeaderInfo& info) {
  QuantSegment q{.pos = pos, .is_qcc = is_qcc};
  size_t at = 0;
  if (is_qcc) {
    const size_t index_bytes = info.siz.components < 257 ? 1 : 2;
    if (p.size() < index_bytes) return Corrupt("QCC segment too short", pos);
    q.component = index_bytes == 1 ? std::to_integer<uint16_t>(p[0]) : Be16(p, 0);
    if (q.component >= info.siz.components) return Corrupt("QCC component out of range", pos);
    at = index_bytes;
  }
  if (p.size() < at + 1) return Corrupt("quantization segment too short", pos);
  q.style = std::to_integer<uint8_t>(p[at]) & 0x1F;
  q.band_bytes = p.size() - at - 1;
  if (q.style > 2) return Corrupt("unknown quantization style", pos);
  return q;
}

// The reversible wavelet goes with no quantization and the irreversible one with scalar
// quantization; the segment lists one value per subband (1 + 3 * levels), or one for derived.
Status CheckQuant(const QuantSegment& q, const MainHeaderInfo& info, bool check_band_count) {
  if (check_band_count || !q.is_qcc) {
    if ((q.style == 0) != info.reversible) {
      return Corrupt("quantization style does not match the wavelet", q.pos);
    }
  }
  if (!check_band_count) return Status::Ok();
  const size_t bands = 1 + size_t{3} * info.decomposition_levels;
  const size_t expected = q.style == 0 ? bands : (q.style == 1 ? 2 : 2 * bands);
  if (q.band_bytes != expected) return Corrupt("quantization segment length", q.pos);
  return Status::Ok();
}

// The segments between SOT and SOD must stay inside the tile-part.
Status WalkTilePartHeader(ByteView codestream, TilePart& part) {
  const size_t end = part.offset + part.length;
  size_t pos = part.offset + kSotSegmentBytes;
  while (true) {
    if (pos + 2 > end) return Corrupt("tile-part header has no SOD", part.offset);
    const uint16_t marker = Be16(codestream, pos);
    if (marker == kSod) return Status::Ok();
    if ((marker >> 8) != 0xFF || marker < 0xFF30 || marker == kSot || marker == kEoc ||
        pos + 4 > end) {
      return Corrupt("unexpected bytes in a tile-part header", pos);
    }
    const size_t length = Be16(codestream, pos + 2);
    if (length < 2 || pos + 2 + length > end) return Corrupt("bad marker segment length", pos);
    part.header_markers.push_back(marker);
    pos += 2 + length;
  }
}

}  // namespace

Result<MainHeaderInfo> ParseMainHeader(ByteView codestream) {
  const size_t size = codestream.size();
  if (size < 4 || Be16(codestream, 0) != kSoc || Be16(codestream, 2) != kSiz) {
    return InvalidArgument("not a JPEG 2000 codestream (no SOC followed by SIZ)");
  }
  MainHeaderInfo info;
  std::vector<QuantSegment> quant;  // QCD and QCCs, checked once COD is known
  size_t pos = 2;
  while (true) {
    if (pos + 2 > size) return Corrupt("main header truncated before the first SOT", pos);
    const uint16_t marker = Be16(codestream, pos);
    if ((marker >> 8) != 0xFF || marker < 0xFF30 || marker == kSoc || marker == kSod ||
        marker == kEoc) {
      return Corrupt("unexpected bytes in the main header", pos);
    }
    if (marker == kSot) break;
    if (pos + 4 > size) return Corrupt("marker segment truncated", pos);
    const size_t length = Be16(codestream, pos + 2);  // includes the 2 length bytes
    if (length < 2 || pos + 2 + length > size) return Corrupt("bad marker segment length", pos);
    const ByteView payload = codestream.subspan(pos + 4, length - 2);
    if (marker == kSiz && pos != 2) return Corrupt("second SIZ segment", pos);
    if ((marker == kCod || marker == kQcd) && Contains(info.markers, marker)) {
      return Corrupt("duplicate COD or QCD segment", pos);
    }
    info.markers.push_back(marker);
    switch (marker) {
      case kSiz: {
        OPENHI_ASSIGN_OR_RETURN(info.siz, ParseSiz(payload, pos));
        break;
      }
      case kCod:
        OPENHI_RETURN_IF_ERROR(ParseCod(payload, pos, info));
        break;
      case kQcd:
      case kQcc: {
        OPENHI_ASSIGN_OR_RETURN(QuantSegment q, ParseQuant(payload, pos, marker == kQcc, info));
        for (const QuantSegment& other : quant) {
          if (q.is_qcc && other.is_qcc && other.component == q.component) {
            return Corrupt("two QCC segments for one component", pos);
          }
        }
        if (marker == kQcd) info.quantization_style = q.style;
        quant.push_back(q);
        break;
      }
      case kTlm:
        info.has_tlm = true;
        break;
      case kCap:
        info.has_cap = true;
        break;
      default:
        break;
    }
    pos += 2 + length;
  }
  if (!Contains(info.markers, kCod) || !Contains(info.markers, kQcd)) {
    return Corrupt("main header lacks COD or QCD", pos);
  }
  const bool has_coc = Contains(info.markers, kCoc);  // may change levels per component
  for (const QuantSegment& q : quant) {
    OPENHI_RETURN_IF_ERROR(CheckQuant(q, info, /*check_band_count=*/!has_coc));
  }
  info.first_sot = pos;
  return info;
}

Result<std::vector<TilePart>> ParseTileParts(ByteView codestream, const MainHeaderInfo& header) {
  const size_t size = codestream.size();
  std::vector<TilePart> parts;
  size_t pos = header.first_sot;
  while (pos + 2 <= size && Be16(codestream, pos) == kSot) {
    if (pos + kSotSegmentBytes > size || Be16(codestream, pos + 2) != 10) {
      return Corrupt("bad SOT segment", pos);
    }
    TilePart part{.offset = pos,
                  .length = Be32(codestream, pos + 6),
                  .tile_index = Be16(codestream, pos + 4),
                  .header_markers = {}};
    if (part.tile_index >= header.siz.num_tiles) return Corrupt("SOT tile index too large", pos);
    const bool last = part.length == 0;
    if (last) {
      // Psot == 0: the last tile-part, running to the EOC that ends the codestream (allowing
      // one byte of DICOM fragment padding after it).
      size_t end = size;
      if (end > pos && codestream[end - 1] == std::byte{0}) --end;
      if (end < pos + kSotSegmentBytes + 2 || Be16(codestream, end - 2) != kEoc) {
        return Corrupt("codestream does not end with EOC", end);
      }
      part.length = end - 2 - pos;
    } else if (part.length < kSotSegmentBytes + 2 || part.length > size - pos) {
      return Corrupt("tile-part length (Psot) runs past the end (truncated?)", pos);
    }
    OPENHI_RETURN_IF_ERROR(WalkTilePartHeader(codestream, part));
    parts.push_back(std::move(part));
    pos += parts.back().length;
    if (last) break;
  }
  if (parts.empty()) return Corrupt("no tile-part", pos);
  if (pos + 2 > size || Be16(codestream, pos) != kEoc) {
    return Corrupt("expected EOC after the last tile-part", pos);
  }
  return parts;
}

Result<Bytes> InsertTlm(ByteView codestream) {
  OPENHI_ASSIGN_OR_RETURN(const MainHeaderInfo header, ParseMainHeader(codestream));
  if (header.has_tlm) return InvalidArgument("codestream already has a TLM marker segment");
  OPENHI_ASSIGN_OR_RETURN(const std::vector<TilePart> parts, ParseTileParts(codestream, header));

  bool narrow_index = true;
  for (const TilePart& p : parts) narrow_index = narrow_index && p.tile_index < 256;
  const size_t st = narrow_index ? 1 : 2;  // bytes per Ttlm
  const size_t ltlm = 4 + parts.size() * (st + 4);
  if (ltlm > 0xFFFF) return ResourceExhausted("too many tile-parts for one TLM marker segment");

  Bytes out;
  out.reserve(codestream.size() + 2 + ltlm);
  out.insert(out.end(), codestream.begin(), codestream.begin() + header.first_sot);
  PutBe16(out, kTlm);
  PutBe16(out, static_cast<uint16_t>(ltlm));
  out.push_back(std::byte{0});                                   // Ztlm
  out.push_back(static_cast<std::byte>((1u << 6) | (st << 4)));  // Stlm: SP = 1, ST
  for (const TilePart& p : parts) {
    if (st == 1) {
      out.push_back(static_cast<std::byte>(p.tile_index));
    } else {
      PutBe16(out, p.tile_index);
    }
    PutBe32(out, static_cast<uint32_t>(p.length));
  }
  out.insert(out.end(), codestream.begin() + header.first_sot, codestream.end());
  return out;
}

}  // namespace openhi::codec::internal
