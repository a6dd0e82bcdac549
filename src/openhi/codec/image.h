#pragma once
// Raw image buffers exchanged between the DICOM adapter, the codecs and the store.
//
// Layout contract: samples are pixel-interleaved (R,G,B,R,G,B,... for colour; DICOM planar
// configuration 0), rows top to bottom, little-endian, `bytes_per_sample` bytes each
// (1 for BitsAllocated 8, 2 for BitsAllocated 16). Signed samples are two's complement,
// already sign-extended from `bits_stored` to the full sample width; unsigned samples have the
// bits above `bits_stored` cleared. This is exactly the "decoded pixel buffer" whose CRC-32
// AHI reports.
#include <cstdint>

#include "openhi/core/bytes.h"

namespace openhi::codec {

struct ImageDesc {
  uint32_t width = 0;            // Columns
  uint32_t height = 0;           // Rows
  uint16_t components = 1;       // SamplesPerPixel: 1 or 3
  uint8_t bits_stored = 16;      // BitsStored: 1..16
  uint8_t bytes_per_sample = 2;  // 1 or 2
  bool is_signed = false;        // PixelRepresentation == 1

  size_t FrameBytes() const {
    return size_t{width} * height * components * bytes_per_sample;
  }
  bool operator==(const ImageDesc&) const = default;
};

struct Image {
  ImageDesc desc;
  Bytes samples;  // desc.FrameBytes() bytes, layout as above
};

}  // namespace openhi::codec
