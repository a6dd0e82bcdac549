#pragma once
// Conversion of stored DICOM samples into the layout of codec/image.h. Pure, thread-safe.
#include <cstddef>
#include <cstdint>

#include "openhi/codec/image.h"

namespace openhi::dicom::internal {

// How one frame's samples are stored in the source buffer.
struct StoredLayout {
  uint32_t width = 0;
  uint32_t height = 0;
  uint16_t components = 1;       // 1 or 3
  uint16_t bits_allocated = 16;  // 8 or 16: the container; little-endian
  uint16_t bits_stored = 16;     // 1..bits_allocated
  uint16_t high_bit = 15;        // bits_stored - 1 <= high_bit < bits_allocated
  bool is_signed = false;
  bool planar = false;  // colour-by-plane (PlanarConfiguration 1)

  size_t FrameBytes() const { return size_t{width} * height * components * (bits_allocated / 8); }
  codec::ImageDesc Desc() const;
};

// Writes the frame stored at `src` (FrameBytes() bytes) into `dst` (same size) in image.h
// layout: interleaved, each value shifted down by high_bit + 1 - bits_stored, bits above
// bits_stored cleared (unsigned) or filled with the sign bit (signed). `src` may equal `dst`
// unless the layout is planar. No alignment requirement.
void NormalizeFrame(const StoredLayout& layout, const std::byte* src, std::byte* dst);

// Unpacks a frame of 1-bit samples (BitsAllocated 1, least significant bit first, PS3.5 8.1.1)
// starting at bit `first_bit` of `src` into one byte (0 or 1) per sample.
void UnpackBits(const std::byte* src, uint64_t first_bit, size_t count, std::byte* dst);

}  // namespace openhi::dicom::internal
