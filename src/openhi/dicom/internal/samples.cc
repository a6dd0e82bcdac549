#include "openhi/dicom/internal/samples.h"

#include <bit>
#include <cstring>
#include <type_traits>

namespace openhi::dicom::internal {

static_assert(std::endian::native == std::endian::little,
              "openhi::dicom assumes a little-endian host (image.h layout is little-endian)");

namespace {

template <typename T>
T Load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void Store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

// out[i] = value of in[i]: shifted down, masked to `bits` bits and, when signed, sign-extended.
// The loop body is branch-free (vectorisable).
template <typename U, bool kSigned>
void ConvertRun(const std::byte* src, std::byte* dst, size_t count, unsigned shift, unsigned bits) {
  using S = std::make_signed_t<U>;
  constexpr unsigned kBits = sizeof(U) * 8;
  const U mask = static_cast<U>(bits >= kBits ? ~U{0} : (U{1} << bits) - 1);
  const unsigned up = kBits - bits;
  for (size_t i = 0; i < count; ++i) {
    U v = static_cast<U>(Load<U>(src + i * sizeof(U)) >> shift);
    if constexpr (kSigned) {
      v = static_cast<U>(static_cast<S>(static_cast<S>(static_cast<U>(v << up)) >> up));
    } else {
      v = static_cast<U>(v & mask);
    }
    Store<U>(dst + i * sizeof(U), v);
  }
}

template <typename U>
void Normalize(const StoredLayout& l, const std::byte* src, std::byte* dst) {
  constexpr unsigned kBits = sizeof(U) * 8;
  const unsigned bits = l.bits_stored;
  const unsigned shift = static_cast<unsigned>(l.high_bit + 1 - l.bits_stored);
  const bool identity = shift == 0 && bits >= kBits;
  const bool is_signed = l.is_signed && bits < kBits;
  const size_t pixels = size_t{l.width} * l.height;
  const size_t samples = pixels * l.components;

  auto convert = [&](const std::byte* in, std::byte* out, size_t count) {
    if (identity) {
      if (in != out) std::memmove(out, in, count * sizeof(U));
    } else if (is_signed) {
      ConvertRun<U, true>(in, out, count, shift, bits);
    } else {
      ConvertRun<U, false>(in, out, count, shift, bits);
    }
  };
  if (!l.planar || l.components == 1) {
    convert(src, dst, samples);
    return;
  }
  // Colour-by-plane to colour-by-pixel, then the bit conversion in place.
  for (size_t c = 0; c < l.components; ++c) {
    const std::byte* plane = src + c * pixels * sizeof(U);
    for (size_t i = 0; i < pixels; ++i) {
      std::memcpy(dst + (i * l.components + c) * sizeof(U), plane + i * sizeof(U), sizeof(U));
    }
  }
  convert(dst, dst, samples);
}

}  // namespace

codec::ImageDesc StoredLayout::Desc() const {
  codec::ImageDesc d;
  d.width = width;
  d.height = height;
  d.components = components;
  d.bits_stored = static_cast<uint8_t>(bits_stored);
  d.bytes_per_sample = static_cast<uint8_t>(bits_allocated / 8);
  d.is_signed = is_signed;
  return d;
}

void NormalizeFrame(const StoredLayout& layout, const std::byte* src, std::byte* dst) {
  if (layout.bits_allocated == 8) {
    Normalize<uint8_t>(layout, src, dst);
  } else {
    Normalize<uint16_t>(layout, src, dst);
  }
}

void UnpackBits(const std::byte* src, uint64_t first_bit, size_t count, std::byte* dst) {
  for (size_t i = 0; i < count; ++i) {
    const uint64_t bit = first_bit + i;
    const unsigned byte = std::to_integer<unsigned>(src[bit >> 3]);
    dst[i] = static_cast<std::byte>((byte >> (bit & 7)) & 1u);
  }
}

}  // namespace openhi::dicom::internal
