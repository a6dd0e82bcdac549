#pragma once
// Conversion between one component row of an image.h frame (pixel-interleaved, little-endian,
// 1 or 2 bytes per sample) and a row of int32 samples as codec libraries exchange them.
// The sample type is chosen once per frame; the per-row loops have no virtual calls and no
// per-sample branches. Header-only so the loops inline into the codec adapters.
//
// Thread safety: RowReader and RowWriter are immutable after construction.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "openhi/codec/image.h"

namespace openhi::codec::internal {

struct SampleRange {
  int32_t lo = 0;
  int32_t hi = 0;
};

// The values representable in `bits_stored` bits (1..16), signed or not.
inline SampleRange RangeOf(const ImageDesc& d) {
  if (d.is_signed) {
    const int32_t half = int32_t{1} << (d.bits_stored - 1);
    return {-half, half - 1};
  }
  return {0, (int32_t{1} << d.bits_stored) - 1};
}

// Value-based clamp: std::clamp returns a reference, which makes GCC select an address and load
// through it, defeating vectorisation.
inline int32_t Clamp(int32_t v, SampleRange r) {
  v = v < r.lo ? r.lo : v;
  return v > r.hi ? r.hi : v;
}

template <typename T>
inline int32_t LoadSample(const std::byte* p) {
  if constexpr (sizeof(T) == 1 || std::endian::native == std::endian::little) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  } else {
    return static_cast<T>(static_cast<uint16_t>(std::to_integer<uint16_t>(p[0]) |
                                                (std::to_integer<uint16_t>(p[1]) << 8)));
  }
}

template <typename T>
inline void StoreSample(int32_t v, std::byte* p) {
  if constexpr (sizeof(T) == 1 || std::endian::native == std::endian::little) {
    const auto t = static_cast<T>(v);  // two's complement for negative v
    std::memcpy(p, &t, sizeof(T));
  } else {
    const auto u = static_cast<uint16_t>(v);
    p[0] = static_cast<std::byte>(u & 0xFF);
    p[1] = static_cast<std::byte>(u >> 8);
  }
}

// The row loops work in blocks of kBlock samples with a constant trip count: GCC's default -O2
// cost model only vectorises such loops (and the load-all-then-store-all order rules out
// aliasing between the int32 row and the byte frame).
inline constexpr size_t kBlock = 16;

// Reads `width` samples spaced `step` samples apart (step is 1 when kContiguous); false if any
// is outside `r`.
template <typename T, bool kContiguous>
bool ReadRowImpl(const std::byte* src, size_t step, uint32_t width, SampleRange r, int32_t* dst) {
  const size_t stride = kContiguous ? sizeof(T) : step * sizeof(T);
  int32_t out_of_range = 0;
  size_t x = 0;
  for (; x + kBlock <= width; x += kBlock) {
    int32_t v[kBlock];
    for (size_t i = 0; i < kBlock; ++i) v[i] = LoadSample<T>(src + (x + i) * stride);
    for (size_t i = 0; i < kBlock; ++i) out_of_range |= (v[i] < r.lo) | (v[i] > r.hi);
    for (size_t i = 0; i < kBlock; ++i) dst[x + i] = v[i];
  }
  for (; x < width; ++x) {
    const int32_t v = LoadSample<T>(src + x * stride);
    out_of_range |= (v < r.lo) | (v > r.hi);
    dst[x] = v;
  }
  return out_of_range == 0;
}

template <typename T>
bool ReadRow(const std::byte* src, size_t step, uint32_t width, SampleRange r, int32_t* dst) {
  return step == 1 ? ReadRowImpl<T, true>(src, step, width, r, dst)
                   : ReadRowImpl<T, false>(src, step, width, r, dst);
}

// Writes `width` samples spaced `step` samples apart (step is 1 when kContiguous), clamped to
// `r` so that even a corrupt codestream yields a buffer that honours the image.h layout contract.
template <typename T, bool kContiguous>
void WriteRowImpl(const int32_t* src, size_t step, uint32_t width, SampleRange r, std::byte* dst) {
  const size_t stride = kContiguous ? sizeof(T) : step * sizeof(T);
  size_t x = 0;
  for (; x + kBlock <= width; x += kBlock) {
    int32_t v[kBlock];
    for (size_t i = 0; i < kBlock; ++i) v[i] = Clamp(src[x + i], r);
    for (size_t i = 0; i < kBlock; ++i) StoreSample<T>(v[i], dst + (x + i) * stride);
  }
  for (; x < width; ++x) StoreSample<T>(Clamp(src[x], r), dst + x * stride);
}

template <typename T>
void WriteRow(const int32_t* src, size_t step, uint32_t width, SampleRange r, std::byte* dst) {
  if (step == 1) {
    WriteRowImpl<T, true>(src, step, width, r, dst);
  } else {
    WriteRowImpl<T, false>(src, step, width, r, dst);
  }
}

// Addressing shared by RowReader and RowWriter.
class RowLayout {
 public:
  explicit RowLayout(const ImageDesc& d)
      : width_(d.width), step_(d.components), range_(RangeOf(d)) {
    row_bytes_ = size_t{d.width} * d.components * d.bytes_per_sample;
    sample_bytes_ = d.bytes_per_sample;
    kind_ = (d.bytes_per_sample == 2 ? 2 : 0) + (d.is_signed ? 1 : 0);
  }

 protected:
  size_t Offset(uint32_t row, uint32_t comp) const {
    return size_t{row} * row_bytes_ + size_t{comp} * sample_bytes_;
  }
  uint32_t width_;
  size_t step_;
  SampleRange range_;
  size_t row_bytes_;
  size_t sample_bytes_;
  int kind_;  // 0: u8, 1: s8, 2: u16, 3: s16
};

class RowReader : public RowLayout {
 public:
  using RowLayout::RowLayout;
  // Copies row `row` of component `comp` of `frame` to dst[0..width). Returns false when a
  // sample lies outside the range of bits_stored (it is still copied).
  bool Read(const std::byte* frame, uint32_t row, uint32_t comp, int32_t* dst) const {
    const std::byte* src = frame + Offset(row, comp);
    switch (kind_) {
      case 0:
        return ReadRow<uint8_t>(src, step_, width_, range_, dst);
      case 1:
        return ReadRow<int8_t>(src, step_, width_, range_, dst);
      case 2:
        return ReadRow<uint16_t>(src, step_, width_, range_, dst);
      default:
        return ReadRow<int16_t>(src, step_, width_, range_, dst);
    }
  }
};

class RowWriter : public RowLayout {
 public:
  using RowLayout::RowLayout;
  // Stores src[0..width) as row `row` of component `comp` of `frame`, clamped to bits_stored.
  void Write(const int32_t* src, uint32_t row, uint32_t comp, std::byte* frame) const {
    std::byte* dst = frame + Offset(row, comp);
    switch (kind_) {
      case 0:
        return WriteRow<uint8_t>(src, step_, width_, range_, dst);
      case 1:
        return WriteRow<int8_t>(src, step_, width_, range_, dst);
      case 2:
        return WriteRow<uint16_t>(src, step_, width_, range_, dst);
      default:
        return WriteRow<int16_t>(src, step_, width_, range_, dst);
    }
  }
};

}  // namespace openhi::codec::internal
