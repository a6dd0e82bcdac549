#pragma once
// Byte-level JPEG 2000 codestream structure (ITU-T T.800 Annex A): walking the main header and
// the tile-part chain, and inserting a TLM marker segment. No codec library is involved, so these
// functions are cheap guards that run before a vendor decoder sees untrusted bytes: they check the
// constraints of T.800 that decoders tend to assume rather than check (OpenJPH 0.9 loops forever
// on a tile origin beyond the image origin and asserts on a wavelet/quantization mismatch, for
// example).
//
// All functions are pure and thread-safe. Offsets are byte offsets into the codestream.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::codec::internal {

// Marker codes (Table A.2).
inline constexpr uint16_t kSoc = 0xFF4F;
inline constexpr uint16_t kCap = 0xFF50;
inline constexpr uint16_t kSiz = 0xFF51;
inline constexpr uint16_t kCod = 0xFF52;
inline constexpr uint16_t kCoc = 0xFF53;
inline constexpr uint16_t kTlm = 0xFF55;
inline constexpr uint16_t kPlm = 0xFF57;
inline constexpr uint16_t kPlt = 0xFF58;
inline constexpr uint16_t kQcd = 0xFF5C;
inline constexpr uint16_t kQcc = 0xFF5D;
inline constexpr uint16_t kRgn = 0xFF5E;
inline constexpr uint16_t kPoc = 0xFF5F;
inline constexpr uint16_t kPpm = 0xFF60;
inline constexpr uint16_t kPpt = 0xFF61;
inline constexpr uint16_t kCom = 0xFF64;
inline constexpr uint16_t kSot = 0xFF90;
inline constexpr uint16_t kSod = 0xFF93;
inline constexpr uint16_t kEoc = 0xFFD9;

// COD SGcod progression order values (Table A.16).
enum class Progression : uint8_t { kLrcp = 0, kRlcp = 1, kRpcl = 2, kPcrl = 3, kCprl = 4 };

// The image and tile geometry of SIZ (Table A.9).
struct SizInfo {
  uint32_t width = 0;                             // Xsiz - XOsiz
  uint32_t height = 0;                            // Ysiz - YOsiz
  uint32_t x_offset = 0, y_offset = 0;            // XOsiz, YOsiz
  uint32_t tile_width = 0, tile_height = 0;       // XTsiz, YTsiz
  uint32_t tile_x_offset = 0, tile_y_offset = 0;  // XTOsiz, YTOsiz
  uint16_t components = 0;                        // Csiz
  uint64_t num_tiles = 0;
};

struct MainHeaderInfo {
  SizInfo siz;
  size_t first_sot = 0;           // offset of the first SOT marker = length of the main header
  std::vector<uint16_t> markers;  // every main-header segment after SOC, in order
  bool has_tlm = false;
  bool has_cap = false;                       // CAP present (Part 2/15 capabilities, e.g. HTJ2K)
  uint8_t progression = 0;                    // COD SGcod progression order (see Progression)
  uint8_t decomposition_levels = 0;           // COD SPcod number of decomposition levels
  bool multiple_component_transform = false;  // COD SGcod MCT flag
  bool reversible = false;                    // COD SPcod transformation: 5/3 reversible wavelet
  uint8_t block_style = 0;                    // COD SPcod code-block style (0x40: HT, Part 15)
  uint8_t quantization_style = 0;             // QCD Sqcd & 0x1F: 0 none, 1 derived, 2 expounded
};

// Walks SOC, SIZ and the main-header marker segments up to the first SOT, checking SIZ, COD and
// QCD/QCC for self-consistency (exact segment lengths, tile grid, a wavelet that matches the
// quantization, at most one QCC per component).
// kInvalidArgument when the bytes do not start with SOC+SIZ, a segment is malformed or runs past
// the end, COD or QCD is missing, or no SOT follows (truncated header).
Result<MainHeaderInfo> ParseMainHeader(ByteView codestream);

struct TilePart {
  size_t offset = 0;        // offset of its SOT marker
  size_t length = 0;        // bytes from SOT to the end of its data (Psot, resolved when Psot == 0)
  uint16_t tile_index = 0;  // Isot
  std::vector<uint16_t> header_markers;  // segments between SOT and SOD, in order
};

// Walks the tile-part chain starting at `header.first_sot` using each SOT's Psot, and checks that
// every tile index is below the SIZ tile count, that each tile-part header is well formed and ends
// with SOD inside the tile-part, and that the chain ends with EOC inside `codestream` (bytes after
// that EOC are ignored; with Psot = 0 the EOC must end the codestream, optionally followed by one
// 0x00 of DICOM fragment padding).
// kInvalidArgument on a truncated or inconsistent chain.
Result<std::vector<TilePart>> ParseTileParts(ByteView codestream, const MainHeaderInfo& header);

// Returns `codestream` with one TLM marker segment inserted right before the first SOT, listing
// every tile-part in order: Ztlm = 0, Stlm ST = 1 (8-bit Ttlm) when every tile index is < 256,
// else ST = 2, and SP = 1 (32-bit Ptlm = the tile-part's length).
// kInvalidArgument when the codestream is malformed (see above) or already has a TLM;
// kResourceExhausted when there are too many tile-parts for one TLM segment.
Result<Bytes> InsertTlm(ByteView codestream);

}  // namespace openhi::codec::internal
