#pragma once
// HTJ2K (JPEG 2000 Part 15) lossless encoding and decoding through OpenJPH 0.9.
// OpenJPH types never leave htj2k.cc. All functions are thread-safe: the only shared state is
// OpenJPH's global message streams and lazily filled function tables, set up once per process
// (see internal/ojph_runtime.h).
//
// Encoded form: a bare codestream (SOC FF4F ... EOC FFD9), reversible 5/3 wavelet, RPCL
// progression, one tile, a TLM marker segment in the main header (OpenJPH 0.9 cannot write one,
// so we insert it), and enough decomposition levels that the lowest resolution is <= 64 pixels
// in its larger dimension (0 levels for images already that small). Three-component images use
// the reversible colour transform. This is DICOM transfer syntax 1.2.840.10008.1.2.4.202.
#include <cstdint>
#include <vector>

#include "openhi/codec/image.h"
#include "openhi/core/status.h"

namespace openhi::codec {

// Number of decomposition levels Encode uses for a width x height image.
int Htj2kDecompositionLevels(uint32_t width, uint32_t height);

// Encodes `image` losslessly. kInvalidArgument when the descriptor is unsupported
// (components not 1 or 3, bits_stored outside 1..16 or above 8 * bytes_per_sample, size
// mismatch) or a sample lies outside bits_stored (unsigned with high bits set, or signed but not
// sign-extended): encoding it would silently lose those bits. kInternal if OpenJPH fails.
Result<Bytes> EncodeHtj2kLossless(const Image& image);

// Decodes an HTJ2K codestream (HT code-blocks only; OpenJPH 0.9 cannot decode Part 1 code-blocks)
// into the layout of image.h: bytes_per_sample is 1 for depths up to 8 and 2 above (the
// codestream does not record DICOM BitsAllocated). `skip_levels` > 0 decodes a reduced resolution
// (each level halves, rounding up).
// kInvalidArgument on a malformed codestream, on skip_levels outside 0..levels, and on features
// OpenJPH 0.9 would silently ignore (COC, POC, RGN, PPM/PPT, coding parameters in tile-part
// headers), more than 1024 tiles, an extent above 65535 or a frame above 1 GiB.
//
// SAFETY: the main header and tile-part chain are checked by our own code before OpenJPH runs,
// so corrupt or truncated headers are errors, never hangs or crashes. The entropy-coded data is
// not: Debian's OpenJPH 0.9 is built with assert() enabled, and fuzzing finds corrupt packet
// headers or HT code-blocks that abort the process (bb_read_bits `num_bits <= 32`, mel_init,
// bb_terminate) and one heap over-read in precinct::parse. Use this function on codestreams this
// service produced (EncodeHtj2kLossless output, verified by CRC); decode untrusted HTJ2K with
// DecodeUntrusted (sandboxed_decode.h), which runs this function in a helper process. OpenJPEG 2.5.0 (DecodeJ2k) is not a safe substitute: its HT decoder shares
// the mel_init assertion.
Result<Image> DecodeHtj2k(ByteView codestream, int skip_levels = 0);

// Receives a frame from DecodeHtj2kRows in bands of whole rows, so that a caller can consume
// the decoded samples (checksum, convert, place) while they are in cache, without a whole
// decoded frame in memory. Called on the decoding thread; must not throw.
class DecodedRowSink {
 public:
  virtual ~DecodedRowSink() = default;
  // Called once, before any row, with the descriptor DecodeHtj2k's Image::desc would hold.
  virtual Status Begin(const ImageDesc& desc) = 0;
  // Rows first_row .. first_row + n - 1 of the frame, n = bytes.size() / row_bytes >= 1, where
  // row_bytes = desc.width * desc.components * desc.bytes_per_sample. The bands come in order
  // and cover every row once; each holds about kDecodedBandBytes (at least one row). The bytes
  // are in the image.h layout: exactly bytes [first_row * row_bytes, (first_row + n) *
  // row_bytes) of DecodeHtj2k's Image::samples (same clamping, sign extension and byte order),
  // so a running Crc32 over the bands equals Crc32 of that buffer. `bytes` is valid only during
  // the call.
  virtual Status Rows(uint32_t first_row, ByteView bytes) = 0;
};

// Target size of the bands DecodeHtj2kRows delivers: small enough to stay in L1/L2, large
// enough that per-call costs (a CRC-32 call has a fixed setup) vanish.
inline constexpr size_t kDecodedBandBytes = size_t{16} << 10;

// DecodeHtj2k, delivering the frame to `sink` in bands of rows instead of as one Image. Returns the
// first non-OK status of the sink unchanged (decoding stops there), otherwise DecodeHtj2k's
// errors. On an error some bands may already have been delivered: the sink must treat a partial
// frame as garbage. SAFETY as for DecodeHtj2k.
Status DecodeHtj2kRows(ByteView codestream, DecodedRowSink& sink, int skip_levels = 0);

// One entry of AHI's PixelDataChecksumFromBaseToFullResolution.
struct LevelChecksum {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t crc32 = 0;  // CRC-32 (zlib) of the decoded buffer at that resolution
  bool operator==(const LevelChecksum&) const = default;
};

// Decodes `codestream` at every resolution level and returns the checksums from the base
// (lowest) resolution to full resolution (last): levels + 1 entries. When `full` is given it
// receives the full-resolution image, so a caller that must also verify the pixels decodes the
// full resolution only once (the reduced levels cost about a third more). Errors and SAFETY as
// for DecodeHtj2k.
Result<std::vector<LevelChecksum>> Htj2kLevelChecksums(ByteView codestream, Image* full = nullptr);

}  // namespace openhi::codec
