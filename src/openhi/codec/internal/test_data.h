#pragma once
// Test-only helpers for the codec tests: synthetic images and a minimal, byte-level reader for
// the pixel data of the single-frame NEMA WG-04 CT1 files in ../shared/data. It is not a DICOM
// parser (the dicom module is); it finds the last (7FE0,0010) element of an Explicit VR Little
// Endian file and returns its native bytes, or the concatenation of its encapsulated fragments.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "openhi/codec/image.h"
#include "openhi/codec/internal/sample_rows.h"

namespace openhi::codec::testing {

inline std::string SharedPath(const std::string& relative) {
  return std::string(OPENHI_SHARED_DIR) + "/" + relative;
}

inline std::optional<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ToBytes(s);
}

inline uint32_t Le32(const Bytes& b, size_t pos) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<uint32_t>(b[pos + i]);
  return v;
}

// Pixel data of a single-frame file: native bytes, or all fragments concatenated.
inline std::optional<Bytes> PixelData(const Bytes& file) {
  static constexpr uint8_t kTag[] = {0xE0, 0x7F, 0x10, 0x00};
  size_t at = std::string::npos;
  for (size_t i = 0; i + 12 <= file.size(); ++i) {
    if (std::memcmp(file.data() + i, kTag, 4) == 0) at = i;
  }
  if (at == std::string::npos) return std::nullopt;
  const uint32_t length = Le32(file, at + 8);  // OB/OW: tag, VR, 2 reserved, 32-bit length
  size_t pos = at + 12;
  if (length != 0xFFFFFFFFu) {
    if (pos + length > file.size()) return std::nullopt;
    return Bytes(file.begin() + pos, file.begin() + pos + length);
  }
  Bytes out;
  bool first_item = true;  // the basic offset table
  while (pos + 8 <= file.size() && Le32(file, pos) == 0xE000FFFEu) {
    const uint32_t item_length = Le32(file, pos + 4);
    pos += 8;
    if (pos + item_length > file.size()) return std::nullopt;
    if (!first_item) out.insert(out.end(), file.begin() + pos, file.begin() + pos + item_length);
    first_item = false;
    pos += item_length;
  }
  return out;
}

// An image whose samples are a smooth gradient plus noise, covering [lo, hi] of bits_stored
// (both extremes appear), so that lossless round trips exercise the whole range.
// A descriptor with 1 byte per sample up to 8 bits stored, else 2.
constexpr ImageDesc Desc(uint32_t w, uint32_t h, uint16_t comps, uint8_t bits, bool is_signed) {
  return {.width = w,
          .height = h,
          .components = comps,
          .bits_stored = bits,
          .bytes_per_sample = static_cast<uint8_t>(bits <= 8 ? 1 : 2),
          .is_signed = is_signed};
}

inline Image MakeImage(ImageDesc d, uint32_t seed = 1) {
  Image image;
  image.desc = d;
  image.samples.resize(d.FrameBytes());
  const internal::SampleRange r = internal::RangeOf(d);
  std::mt19937 rng(seed);
  const int64_t span = int64_t{r.hi} - r.lo;
  std::vector<int32_t> row(d.width);
  const internal::RowWriter writer(d);
  for (uint32_t c = 0; c < d.components; ++c) {
    for (uint32_t y = 0; y < d.height; ++y) {
      for (uint32_t x = 0; x < d.width; ++x) {
        const int64_t ramp = span * (x + y + c) / (int64_t{d.width} + d.height + 2);
        const int64_t noise = static_cast<int64_t>(rng() % 64) - 32;
        row[x] = static_cast<int32_t>(r.lo + ramp + noise);  // clamped by the writer
      }
      if (y == 0 && d.width >= 2) {
        row[0] = r.lo;
        row[1] = r.hi;
      }
      writer.Write(row.data(), y, c, image.samples.data());
    }
  }
  return image;
}

// A CT-like slice: signed 16-bit, air (-1024) outside a disc of soft tissue (~40 HU) with noise
// and a bright bone ring (up to 3000 HU).
inline Image MakeCtSlice(uint32_t width, uint32_t height, uint8_t bits_stored = 16) {
  ImageDesc d{.width = width,
              .height = height,
              .components = 1,
              .bits_stored = bits_stored,
              .bytes_per_sample = 2,
              .is_signed = true};
  Image image;
  image.desc = d;
  image.samples.resize(d.FrameBytes());
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0.0, 12.0);
  const double cx = width / 2.0, cy = height / 2.0, radius = 0.45 * std::min(width, height);
  std::vector<int32_t> row(width);
  const internal::RowWriter writer(d);
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      const double r = std::hypot(x - cx, y - cy);
      double hu = -1024;
      if (r < radius * 0.9)
        hu = 40 + noise(rng);
      else if (r < radius)
        hu = 3000 - 10 * (radius - r);
      row[x] = static_cast<int32_t>(hu);
    }
    writer.Write(row.data(), y, 0, image.samples.data());
  }
  return image;
}

}  // namespace openhi::codec::testing
