#include "openhi/dicom/internal/samples.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace openhi::dicom::internal {
namespace {

Bytes Words(const std::vector<uint16_t>& words) {
  Bytes out(words.size() * 2);
  std::memcpy(out.data(), words.data(), out.size());
  return out;
}

std::vector<uint16_t> ToWords(const Bytes& bytes) {
  std::vector<uint16_t> out(bytes.size() / 2);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

StoredLayout Mono16(uint16_t bits_stored, uint16_t high_bit, bool is_signed, uint32_t width) {
  StoredLayout l;
  l.width = width;
  l.height = 1;
  l.bits_allocated = 16;
  l.bits_stored = bits_stored;
  l.high_bit = high_bit;
  l.is_signed = is_signed;
  return l;
}

TEST(NormalizeFrame, MasksBitsAboveBitsStoredForUnsigned) {
  const Bytes src = Words({0xF0FF, 0x0123, 0xFFFF});
  Bytes dst(src.size());
  NormalizeFrame(Mono16(12, 11, false, 3), src.data(), dst.data());
  EXPECT_EQ(ToWords(dst), (std::vector<uint16_t>{0x00FF, 0x0123, 0x0FFF}));
}

TEST(NormalizeFrame, SignExtendsFromHighBitForSigned) {
  const Bytes src = Words({0x0800, 0x07FF, 0xF800, 0x0FFF});
  Bytes dst(src.size());
  NormalizeFrame(Mono16(12, 11, true, 4), src.data(), dst.data());
  EXPECT_EQ(ToWords(dst), (std::vector<uint16_t>{0xF800, 0x07FF, 0xF800, 0xFFFF}));
}

TEST(NormalizeFrame, ShiftsWhenHighBitIsAboveBitsStored) {
  // 12 bits stored in bits 4..15.
  const Bytes src = Words({0xABC5, 0x8000});
  Bytes dst(src.size());
  NormalizeFrame(Mono16(12, 15, false, 2), src.data(), dst.data());
  EXPECT_EQ(ToWords(dst), (std::vector<uint16_t>{0x0ABC, 0x0800}));
  NormalizeFrame(Mono16(12, 15, true, 2), src.data(), dst.data());
  EXPECT_EQ(ToWords(dst), (std::vector<uint16_t>{0xFABC, 0xF800}));
}

TEST(NormalizeFrame, FullWidthIsACopyAndWorksInPlace) {
  Bytes buf = Words({0x1234, 0xFEDC});
  NormalizeFrame(Mono16(16, 15, true, 2), buf.data(), buf.data());
  EXPECT_EQ(ToWords(buf), (std::vector<uint16_t>{0x1234, 0xFEDC}));
}

TEST(NormalizeFrame, InterleavesPlanarColour) {
  StoredLayout l;
  l.width = 2;
  l.height = 1;
  l.components = 3;
  l.bits_allocated = 8;
  l.bits_stored = 8;
  l.high_bit = 7;
  l.planar = true;
  const Bytes src = {std::byte{1}, std::byte{2}, std::byte{3},
                     std::byte{4}, std::byte{5}, std::byte{6}};
  Bytes dst(6);
  NormalizeFrame(l, src.data(), dst.data());
  EXPECT_EQ(dst, (Bytes{std::byte{1}, std::byte{3}, std::byte{5}, std::byte{2}, std::byte{4},
                        std::byte{6}}));
}

TEST(NormalizeFrame, EightBitSignedSevenBitsStored) {
  StoredLayout l;
  l.width = 3;
  l.height = 1;
  l.bits_allocated = 8;
  l.bits_stored = 7;
  l.high_bit = 6;
  l.is_signed = true;
  const Bytes src = {std::byte{0x40}, std::byte{0x3F}, std::byte{0xFF}};
  Bytes dst(3);
  NormalizeFrame(l, src.data(), dst.data());
  EXPECT_EQ(dst, (Bytes{std::byte{0xC0}, std::byte{0x3F}, std::byte{0xFF}}));
}

TEST(UnpackBits, ReadsLeastSignificantBitFirst) {
  const Bytes src = {std::byte{0b10000101}, std::byte{0b00000001}};
  Bytes dst(6);
  UnpackBits(src.data(), 5, 6, dst.data());  // bits 5..10
  EXPECT_EQ(dst, (Bytes{std::byte{0}, std::byte{0}, std::byte{1}, std::byte{1}, std::byte{0},
                        std::byte{0}}));
}

}  // namespace
}  // namespace openhi::dicom::internal
