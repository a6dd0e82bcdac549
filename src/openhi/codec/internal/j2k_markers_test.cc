#include "openhi/codec/internal/j2k_markers.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace openhi::codec::internal {
namespace {

// Builds byte strings from 8-bit values.
Bytes B(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}
Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Be32(uint32_t v) {
  return B({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xFF),
            static_cast<int>((v >> 8) & 0xFF), static_cast<int>(v & 0xFF)});
}

// SIZ (43 bytes) for a 1-component 12-bit image of 600x300 in square tiles (default 512: 2 tiles).
Bytes Siz(uint32_t tile_x_offset = 0, uint32_t tile_y_offset = 0, uint32_t tile = 512) {
  return Cat({B({0xFF, 0x51, 0x00, 41, 0x00, 0x00}), Be32(600), Be32(300), Be32(0), Be32(0),
              Be32(tile), Be32(tile), Be32(tile_x_offset), Be32(tile_y_offset),
              B({0x00, 0x01, 0x0B, 0x01, 0x01})});
}

// SIZ for 3 components (MCT needs at least 3).
Bytes Siz3() {
  return Cat({B({0xFF, 0x51, 0x00, 47, 0x00, 0x00}), Be32(600), Be32(300), Be32(0), Be32(0),
              Be32(512), Be32(512), Be32(0), Be32(0),
              B({0x00, 0x03, 0x07, 0x01, 0x01, 0x07, 0x01, 0x01, 0x07, 0x01, 0x01})});
}
// COD: RPCL, 1 layer, MCT, 5 levels, 64x64 HT blocks, 5/3 reversible.
Bytes Cod() {
  return B({0xFF, 0x52, 0x00, 0x0C, 0x00, 0x02, 0x00, 0x01, 0x01, 0x05, 0x04, 0x04, 0x40, 0x01});
}
// QCD: no quantization, 1 + 3 * 5 subbands.
Bytes Qcd() {
  Bytes q = B({0xFF, 0x5C, 0x00, 19, 0x20});
  for (int i = 0; i < 16; ++i) q.push_back(std::byte{0x48});
  return q;
}
// SOC + SIZ (3 components) + COD + QCD.
Bytes MainHeader() { return Cat({B({0xFF, 0x4F}), Siz3(), Cod(), Qcd()}); }
// MainHeader() after its SIZ segment, with MCT off (valid for one component).
Bytes AfterSiz() {
  Bytes cod = Cod();
  cod[8] = std::byte{0};
  return Cat({cod, Qcd()});
}
MainHeaderInfo Header(const Bytes& cs) {
  Result<MainHeaderInfo> h = ParseMainHeader(cs);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? *h : MainHeaderInfo{};
}
// A tile-part with `data` bytes of payload after SOD.
Bytes TilePartBytes(int tile, int data, bool psot_zero = false) {
  const int psot = psot_zero ? 0 : 12 + 2 + data;
  Bytes out = B({0xFF, 0x90, 0x00, 0x0A, tile >> 8, tile & 0xFF, (psot >> 24) & 0xFF,
                 (psot >> 16) & 0xFF, (psot >> 8) & 0xFF, psot & 0xFF, 0x00, 0x01, 0xFF, 0x93});
  for (int i = 0; i < data; ++i) out.push_back(std::byte{0x5A});
  return out;
}
const Bytes kEocBytes = B({0xFF, 0xD9});

TEST(J2kMarkers, ParsesTheMainHeader) {
  const Bytes cs = Cat({MainHeader(), TilePartBytes(0, 3), kEocBytes});
  Result<MainHeaderInfo> h = ParseMainHeader(cs);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->first_sot, MainHeader().size());
  EXPECT_EQ(h->progression, static_cast<uint8_t>(Progression::kRpcl));
  EXPECT_EQ(h->decomposition_levels, 5);
  EXPECT_TRUE(h->multiple_component_transform);
  EXPECT_FALSE(h->has_tlm);
  EXPECT_EQ(h->siz.width, 600u);
  EXPECT_EQ(h->siz.height, 300u);
  EXPECT_EQ(h->siz.components, 3);
  EXPECT_TRUE(h->reversible);
  EXPECT_EQ(h->block_style, 0x40);
  EXPECT_EQ(h->markers, (std::vector<uint16_t>{kSiz, kCod, kQcd}));
  EXPECT_EQ(h->siz.num_tiles, 2u);
}

TEST(J2kMarkers, RejectsATileOriginBeyondTheImageOrigin) {
  // OpenJPH 0.9 loops forever on this (found by CorruptCodestreamsNeverCrash).
  const Bytes cs = Cat({B({0xFF, 0x4F}), Siz(0, 4), AfterSiz(), TilePartBytes(0, 3), kEocBytes});
  EXPECT_FALSE(ParseMainHeader(cs).ok());
}

TEST(J2kMarkers, RejectsTruncatedOrForeignHeaders) {
  const Bytes cs = Cat({MainHeader(), TilePartBytes(0, 3), kEocBytes});
  for (size_t n = 0; n <= MainHeader().size(); ++n) {
    EXPECT_FALSE(ParseMainHeader(ByteView(cs).first(n)).ok()) << n;
  }
  EXPECT_FALSE(ParseMainHeader(B({0xFF, 0xD8, 0xFF, 0xE0})).ok());  // JPEG
  Bytes bad_length = cs;
  bad_length[5] = std::byte{0x01};  // SIZ length 1 < 2
  EXPECT_FALSE(ParseMainHeader(bad_length).ok());
}

TEST(J2kMarkers, RejectsAWaveletThatDoesNotMatchTheQuantization) {
  // OpenJPH 0.9 asserts (aborts) on this (found by CorruptCodestreamsNeverCrash).
  Bytes cod = Cod();
  cod[13] = std::byte{0x00};  // 9/7 irreversible, but QCD says no quantization
  EXPECT_FALSE(
      ParseMainHeader(Cat({B({0xFF, 0x4F}), Siz3(), cod, Qcd(), TilePartBytes(0, 1), kEocBytes}))
          .ok());
  cod[13] = std::byte{0x41};  // no such wavelet
  EXPECT_FALSE(
      ParseMainHeader(Cat({B({0xFF, 0x4F}), Siz3(), cod, Qcd(), TilePartBytes(0, 1), kEocBytes}))
          .ok());
}

TEST(J2kMarkers, RejectsQuantizationSegmentsOfTheWrongLength) {
  Bytes qcd = Qcd();
  qcd.pop_back();
  qcd[3] = std::byte{18};
  EXPECT_FALSE(
      ParseMainHeader(Cat({B({0xFF, 0x4F}), Siz3(), Cod(), qcd, TilePartBytes(0, 1), kEocBytes}))
          .ok());
  EXPECT_FALSE(
      ParseMainHeader(Cat({B({0xFF, 0x4F}), Siz3(), Cod(), TilePartBytes(0, 1), kEocBytes}))
          .ok());  // no QCD at all
}

TEST(J2kMarkers, RejectsTwoQccForOneComponent) {
  Bytes qcc = B({0xFF, 0x5D, 0x00, 20, 0x01, 0x20});
  for (int i = 0; i < 16; ++i) qcc.push_back(std::byte{0x48});
  const Bytes one = Cat({MainHeader(), qcc, TilePartBytes(0, 1), kEocBytes});
  EXPECT_TRUE(ParseMainHeader(one).ok());
  const Bytes two = Cat({MainHeader(), qcc, qcc, TilePartBytes(0, 1), kEocBytes});
  EXPECT_FALSE(ParseMainHeader(two).ok());
  Bytes qcc0 = qcc;
  qcc0[4] = std::byte{0x00};  // component 0 may have a QCC besides the QCD
  EXPECT_TRUE(ParseMainHeader(Cat({MainHeader(), qcc0, qcc, TilePartBytes(0, 1), kEocBytes})).ok());
  qcc0[4] = std::byte{0x03};  // there are only 3 components
  EXPECT_FALSE(ParseMainHeader(Cat({MainHeader(), qcc0, TilePartBytes(0, 1), kEocBytes})).ok());
}

TEST(J2kMarkers, RecordsTilePartHeaderMarkers) {
  Bytes part = TilePartBytes(0, 4);
  // Put a COM segment (FF64, length 4, 2 bytes) between SOT and SOD, growing Psot by 6.
  part.insert(part.begin() + 12, {std::byte{0xFF}, std::byte{0x64}, std::byte{0}, std::byte{4},
                                  std::byte{1}, std::byte{2}});
  part[9] = static_cast<std::byte>(std::to_integer<int>(part[9]) + 6);
  const Bytes cs = Cat({MainHeader(), part, kEocBytes});
  Result<std::vector<TilePart>> parts = ParseTileParts(cs, Header(cs));
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ((*parts)[0].header_markers, std::vector<uint16_t>{kCom});
  Bytes no_sod = cs;
  no_sod[MainHeader().size() + 18] = std::byte{0x00};  // SOD -> garbage
  EXPECT_FALSE(ParseTileParts(no_sod, Header(no_sod)).ok());
}

TEST(J2kMarkers, WalksTileParts) {
  const Bytes cs = Cat({MainHeader(), TilePartBytes(0, 3), TilePartBytes(1, 0), kEocBytes});
  Result<std::vector<TilePart>> parts = ParseTileParts(cs, Header(cs));
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].length, 17u);
  EXPECT_EQ((*parts)[1].tile_index, 1);
  EXPECT_EQ((*parts)[1].offset, MainHeader().size() + 17);
}

TEST(J2kMarkers, ResolvesPsotZeroToTheEnd) {
  Bytes cs = Cat({MainHeader(), TilePartBytes(0, 3), TilePartBytes(1, 5, true), kEocBytes});
  cs.push_back(std::byte{0});  // DICOM fragment padding
  Result<std::vector<TilePart>> parts = ParseTileParts(cs, Header(cs));
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ((*parts)[1].length, 19u);
}

TEST(J2kMarkers, RejectsEveryTruncation) {
  const Bytes cs = Cat({MainHeader(), TilePartBytes(0, 3), TilePartBytes(1, 4), kEocBytes});
  for (size_t n = MainHeader().size(); n < cs.size(); ++n) {
    EXPECT_FALSE(ParseTileParts(ByteView(cs).first(n), Header(cs)).ok()) << n;
  }
}

TEST(J2kMarkers, InsertsTlmBeforeTheFirstSot) {
  const Bytes cs = Cat({MainHeader(), TilePartBytes(0, 3), TilePartBytes(1, 4), kEocBytes});
  Result<Bytes> with_tlm = InsertTlm(cs);
  ASSERT_TRUE(with_tlm.ok()) << with_tlm.status().ToString();
  const Bytes expected =
      Cat({MainHeader(), B({0xFF, 0x55, 0x00, 14, 0x00, 0x50, 0, 0, 0, 0, 17, 1, 0, 0, 0, 18}),
           TilePartBytes(0, 3), TilePartBytes(1, 4), kEocBytes});
  EXPECT_EQ(*with_tlm, expected);
  Result<MainHeaderInfo> h = ParseMainHeader(*with_tlm);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->has_tlm);
  EXPECT_FALSE(InsertTlm(*with_tlm).ok());  // only once
}

TEST(J2kMarkers, RejectsTileIndicesBeyondTheGrid) {
  const Bytes cs = Cat({MainHeader(), TilePartBytes(2, 1), kEocBytes});
  EXPECT_FALSE(ParseTileParts(cs, Header(cs)).ok());
}

TEST(J2kMarkers, UsesTwoByteTileIndicesWhenNeeded) {
  // 600x300 in 16x16 tiles: 38 x 19 = 722 tiles, so index 300 is valid.
  const Bytes header = Cat({B({0xFF, 0x4F}), Siz(0, 0, 16), AfterSiz()});
  const Bytes cs = Cat({header, TilePartBytes(300, 1), kEocBytes});
  ASSERT_EQ(Header(cs).siz.num_tiles, 722u);
  Result<Bytes> with_tlm = InsertTlm(cs);
  ASSERT_TRUE(with_tlm.ok());
  const size_t tlm = header.size();
  EXPECT_EQ((*with_tlm)[tlm + 5], std::byte{0x60});  // SP = 1, ST = 2
  EXPECT_EQ((*with_tlm)[tlm + 3], std::byte{10});    // Ltlm = 4 + 6
}

}  // namespace
}  // namespace openhi::codec::internal
