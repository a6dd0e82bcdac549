#pragma once
// HTJ2K (JPEG 2000 Part 15) lossless encoding and decoding through OpenJPH 0.9.
// OpenJPH types never leave htj2k.cc. All functions are thread-safe (no shared state).
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
// (components not 1 or 3, bits_stored outside 1..16, size mismatch).
Result<Bytes> EncodeHtj2kLossless(const Image& image);

// Decodes a full-resolution HTJ2K (or plain J2K Part 1 that OpenJPH accepts) codestream into the
// layout of image.h. `skip_levels` > 0 decodes a reduced resolution (each level halves, rounding
// up). kInvalidArgument on a corrupt codestream; never crashes on untrusted bytes.
Result<Image> DecodeHtj2k(ByteView codestream, int skip_levels = 0);

// One entry of AHI's PixelDataChecksumFromBaseToFullResolution.
struct LevelChecksum {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t crc32 = 0;  // CRC-32 (zlib) of the decoded buffer at that resolution
  bool operator==(const LevelChecksum&) const = default;
};

// Decodes `codestream` at every resolution level and returns the checksums from the base
// (lowest) resolution to full resolution (last). When `full` is given it receives the
// full-resolution image, so a caller that must also verify the pixels decodes only once.
Result<std::vector<LevelChecksum>> Htj2kLevelChecksums(ByteView codestream, Image* full = nullptr);

}  // namespace openhi::codec
