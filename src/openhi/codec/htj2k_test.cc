#include "openhi/codec/htj2k.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include "openhi/codec/internal/j2k_markers.h"
#include "openhi/codec/internal/test_data.h"
#include "openhi/codec/j2k.h"
#include "openhi/core/crc32.h"

namespace openhi::codec {
namespace {

using testing::MakeCtSlice;
using testing::Desc;
using testing::MakeImage;

uint32_t Be32(const Bytes& b, size_t pos) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<uint32_t>(b[pos + i]);
  return v;
}
uint16_t Be16(const Bytes& b, size_t pos) {
  return static_cast<uint16_t>((std::to_integer<uint16_t>(b[pos]) << 8) |
                               std::to_integer<uint16_t>(b[pos + 1]));
}

Bytes EncodeOrDie(const Image& image) {
  Result<Bytes> encoded = EncodeHtj2kLossless(image);
  EXPECT_TRUE(encoded.ok()) << encoded.status().ToString();
  return encoded.ok() ? *std::move(encoded) : Bytes{};
}

// Collects what DecodeHtj2kRows delivers, checking the band contract on the way.
class CollectingSink final : public DecodedRowSink {
 public:
  Status Begin(const ImageDesc& desc) override {
    ++begins;
    image.desc = desc;
    row_bytes = size_t{desc.width} * desc.components * desc.bytes_per_sample;
    return Status::Ok();
  }
  Status Rows(uint32_t first_row, ByteView bytes) override {
    EXPECT_EQ(first_row, next_row);
    EXPECT_TRUE(row_bytes > 0 && bytes.size() % row_bytes == 0 && !bytes.empty());
    EXPECT_TRUE(bytes.size() <= std::max(kDecodedBandBytes, row_bytes)) << bytes.size();
    const auto rows = static_cast<uint32_t>(bytes.size() / std::max<size_t>(row_bytes, 1));
    next_row += rows;
    ++bands;
    image.samples.insert(image.samples.end(), bytes.begin(), bytes.end());
    crc = Crc32(bytes, crc);
    if (fail_at_row && *fail_at_row >= first_row && *fail_at_row < first_row + rows) {
      return DataLoss("sink gives up at row " + std::to_string(*fail_at_row));
    }
    return Status::Ok();
  }
  Image image;
  size_t row_bytes = 0;
  uint32_t next_row = 0;  // the row after the last one delivered
  int begins = 0;
  int bands = 0;
  uint32_t crc = 0;
  std::optional<uint32_t> fail_at_row;
};

TEST(Htj2k, DecompositionLevelsBringTheBaseTo64OrLess) {
  EXPECT_EQ(Htj2kDecompositionLevels(1, 1), 0);
  EXPECT_EQ(Htj2kDecompositionLevels(64, 64), 0);
  EXPECT_EQ(Htj2kDecompositionLevels(65, 1), 1);
  EXPECT_EQ(Htj2kDecompositionLevels(128, 64), 1);
  EXPECT_EQ(Htj2kDecompositionLevels(512, 512), 3);
  EXPECT_EQ(Htj2kDecompositionLevels(513, 257), 4);  // 513 -> 257 -> 129 -> 65 -> 33
  EXPECT_EQ(Htj2kDecompositionLevels(1, 4096), 6);
}

struct RoundTripCase {
  const char* name;
  ImageDesc desc;
};

class Htj2kRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(Htj2kRoundTrip, DecodesBitExactly) {
  const Image image = MakeImage(GetParam().desc);
  const Bytes encoded = EncodeOrDie(image);
  Result<Image> decoded = DecodeHtj2k(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ImageDesc expected = image.desc;
  expected.bytes_per_sample = expected.bits_stored <= 8 ? 1 : 2;
  EXPECT_EQ(decoded->desc, expected);
  EXPECT_TRUE(decoded->samples == image.samples);
}

// The row API delivers exactly DecodeHtj2k's buffer, in bands of rows, in order; a running CRC
// over the bands is the CRC of that buffer (what the connector verifies).
TEST_P(Htj2kRoundTrip, RowsAreExactlyTheDecodedBuffer) {
  const Image image = MakeImage(GetParam().desc);
  const Bytes encoded = EncodeOrDie(image);
  Result<Image> decoded = DecodeHtj2k(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  CollectingSink sink;
  const Status status = DecodeHtj2kRows(encoded, sink);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(sink.begins, 1);
  EXPECT_EQ(sink.next_row, image.desc.height);
  EXPECT_EQ(sink.image.desc, decoded->desc);
  EXPECT_TRUE(sink.image.samples == decoded->samples);
  EXPECT_EQ(sink.crc, Crc32(decoded->samples));
}

INSTANTIATE_TEST_SUITE_P(Formats, Htj2kRoundTrip,
                         ::testing::Values(RoundTripCase{"U8", Desc(200, 100, 1, 8, false)},
                                           RoundTripCase{"S8", Desc(100, 70, 1, 8, true)},
                                           RoundTripCase{"U12", Desc(256, 256, 1, 12, false)},
                                           RoundTripCase{"S12", Desc(130, 66, 1, 12, true)},
                                           RoundTripCase{"U16", Desc(128, 96, 1, 16, false)},
                                           RoundTripCase{"S16", Desc(96, 128, 1, 16, true)},
                                           RoundTripCase{"U1", Desc(33, 17, 1, 1, false)},
                                           RoundTripCase{"U10", Desc(70, 70, 1, 10, false)},
                                           RoundTripCase{"Rgb8", Desc(160, 120, 3, 8, false)},
                                           RoundTripCase{"Rgb16", Desc(65, 65, 3, 16, false)},
                                           RoundTripCase{"RgbS12", Desc(40, 90, 3, 12, true)},
                                           RoundTripCase{"OneByOne", Desc(1, 1, 1, 16, true)},
                                           RoundTripCase{"ThreeByThree", Desc(3, 3, 1, 12, false)},
                                           RoundTripCase{"OneByOneRgb", Desc(1, 1, 3, 8, false)},
                                           RoundTripCase{"OddLarge", Desc(513, 257, 1, 16, true)},
                                           RoundTripCase{"TallThin", Desc(1, 1000, 1, 12, false)},
                                           RoundTripCase{"Large", Desc(512, 512, 1, 12, false)}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Htj2k, RoundTripsSignedCtLosslessly) {
  const Image ct = MakeCtSlice(512, 512);
  const Bytes encoded = EncodeOrDie(ct);
  Result<Image> decoded = DecodeHtj2k(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->desc, ct.desc);
  ASSERT_TRUE(decoded->samples == ct.samples);
  // Spot-check the sign: the corner is air.
  EXPECT_EQ(
      std::to_integer<int>(decoded->samples[0]) | (std::to_integer<int>(decoded->samples[1]) << 8),
      0xFC00);  // -1024 as little-endian int16
}

TEST(Htj2k, EncodesEightBitsStoredInTwoBytes) {
  // BitsAllocated 16 with BitsStored 8 encodes fine; the decoder reports 1 byte per sample
  // (the codestream does not record BitsAllocated), with the same values.
  Image wide = MakeImage(Desc(20, 20, 1, 8, false));
  Image narrow = wide;
  wide.desc.bytes_per_sample = 2;
  wide.samples.clear();
  for (std::byte b : narrow.samples) wide.samples.insert(wide.samples.end(), {b, std::byte{0}});
  Result<Image> decoded = DecodeHtj2k(EncodeOrDie(wide));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->desc, narrow.desc);
  EXPECT_TRUE(decoded->samples == narrow.samples);
}

TEST(Htj2k, CodestreamHasSocTlmRpclAndEoc) {
  const Image image = MakeCtSlice(512, 512);
  const Bytes cs = EncodeOrDie(image);
  ASSERT_GT(cs.size(), 100u);
  EXPECT_EQ(Be16(cs, 0), 0xFF4F);
  EXPECT_EQ(Be16(cs, cs.size() - 2), 0xFFD9);

  Result<internal::MainHeaderInfo> header = internal::ParseMainHeader(cs);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_TRUE(header->has_tlm);
  EXPECT_TRUE(header->has_cap);  // Part 15 capabilities
  EXPECT_EQ(header->progression, static_cast<uint8_t>(internal::Progression::kRpcl));
  EXPECT_EQ(header->decomposition_levels, 3);
  EXPECT_FALSE(header->multiple_component_transform);

  // TLM sits right before the only SOT: FF55, Ltlm 9, Ztlm 0, Stlm 0x50, Ttlm 0, Ptlm = Psot.
  const size_t sot = header->first_sot;
  ASSERT_EQ(Be16(cs, sot), 0xFF90);
  const size_t tlm = sot - 11;
  EXPECT_EQ(Be16(cs, tlm), 0xFF55);
  EXPECT_EQ(Be16(cs, tlm + 2), 9);
  EXPECT_EQ(std::to_integer<int>(cs[tlm + 4]), 0);
  EXPECT_EQ(std::to_integer<int>(cs[tlm + 5]), 0x50);
  EXPECT_EQ(std::to_integer<int>(cs[tlm + 6]), 0);
  const uint32_t psot = Be32(cs, sot + 6);
  EXPECT_EQ(Be32(cs, tlm + 7), psot);
  EXPECT_EQ(sot + psot, cs.size() - 2);  // the one tile-part runs to EOC
}

TEST(Htj2k, ColourImagesUseTheReversibleColourTransform) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(100, 100, 3, 8, false)));
  Result<internal::MainHeaderInfo> header = internal::ParseMainHeader(cs);
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->multiple_component_transform);
  EXPECT_EQ(header->decomposition_levels, 1);
}

TEST(Htj2k, LevelChecksumsGoFromBaseToFullResolution) {
  const Image image = MakeCtSlice(512, 512);
  const Bytes cs = EncodeOrDie(image);
  Image full;
  Result<std::vector<LevelChecksum>> sums = Htj2kLevelChecksums(cs, &full);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  ASSERT_EQ(sums->size(), 4u);  // 3 levels + full
  const uint32_t sizes[] = {64, 128, 256, 512};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*sums)[i].width, sizes[i]);
    EXPECT_EQ((*sums)[i].height, sizes[i]);
  }
  EXPECT_EQ(sums->back().crc32, Crc32(image.samples));
  EXPECT_TRUE(full.samples == image.samples);
  // Each entry is the CRC of a reduced-resolution decode.
  for (int skip = 1; skip <= 3; ++skip) {
    Result<Image> reduced = DecodeHtj2k(cs, skip);
    ASSERT_TRUE(reduced.ok());
    EXPECT_EQ((*sums)[3 - skip].crc32, Crc32(reduced->samples));
    EXPECT_EQ(reduced->desc.FrameBytes(), size_t{sizes[3 - skip]} * sizes[3 - skip] * 2);
  }
}

TEST(Htj2k, ReducedResolutionsRoundUpForOddSizes) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(513, 257, 3, 8, false)));
  Result<std::vector<LevelChecksum>> sums = Htj2kLevelChecksums(cs);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  const std::vector<LevelChecksum> expected_sizes = {
      {33, 17, 0}, {65, 33, 0}, {129, 65, 0}, {257, 129, 0}, {513, 257, 0}};
  ASSERT_EQ(sums->size(), expected_sizes.size());
  for (size_t i = 0; i < sums->size(); ++i) {
    EXPECT_EQ((*sums)[i].width, expected_sizes[i].width);
    EXPECT_EQ((*sums)[i].height, expected_sizes[i].height);
  }
}

TEST(Htj2k, SmallImagesHaveOneChecksum) {
  const Image image = MakeImage(Desc(64, 10, 1, 16, false));
  Result<std::vector<LevelChecksum>> sums = Htj2kLevelChecksums(EncodeOrDie(image));
  ASSERT_TRUE(sums.ok());
  ASSERT_EQ(sums->size(), 1u);
  EXPECT_EQ(sums->front(), (LevelChecksum{64, 10, Crc32(image.samples)}));
}

TEST(Htj2k, RejectsUnsupportedDescriptors) {
  const Image good = MakeImage(Desc(8, 8, 1, 12, false));
  auto expect_invalid = [](Image image, const char* why) {
    Result<Bytes> r = EncodeHtj2kLossless(image);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << why;
  };
  Image img = good;
  img.desc.components = 2;
  expect_invalid(img, "two components");
  img = good;
  img.desc.bits_stored = 17;
  expect_invalid(img, "17 bits");
  img = good;
  img.desc.bits_stored = 0;
  expect_invalid(img, "0 bits");
  img = good;
  img.desc.bytes_per_sample = 1;
  expect_invalid(img, "12 bits in 1 byte");
  img = good;
  img.samples.pop_back();
  expect_invalid(img, "short buffer");
  img = good;
  img.desc.width = 0;
  img.samples.clear();
  expect_invalid(img, "empty");
  img = good;
  img.samples[1] = std::byte{0x10};  // sample 0 = 0x10xx: above 12 bits
  expect_invalid(img, "unsigned sample with bits above bits_stored");
  img = good;
  img.desc.is_signed = true;
  img.samples[0] = std::byte{0xFF};
  img.samples[1] = std::byte{0x0F};  // 0x0FFF: -1 in 12 bits but not sign-extended
  expect_invalid(img, "signed sample not sign-extended");
}

TEST(Htj2k, RejectsSkipLevelsOutsideTheCodestream) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(256, 256, 1, 8, false)));  // 2 levels
  EXPECT_TRUE(DecodeHtj2k(cs, 2).ok());
  EXPECT_EQ(DecodeHtj2k(cs, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeHtj2k(cs, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST(Htj2k, RowsAtAReducedResolutionAreThatResolutionsBuffer) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(257, 131, 1, 12, true)));  // 3 levels
  for (int skip = 0; skip <= 3; ++skip) {
    Result<Image> reduced = DecodeHtj2k(cs, skip);
    ASSERT_TRUE(reduced.ok());
    CollectingSink sink;
    ASSERT_TRUE(DecodeHtj2kRows(cs, sink, skip).ok());
    EXPECT_EQ(sink.image.desc, reduced->desc) << "skip " << skip;
    EXPECT_TRUE(sink.image.samples == reduced->samples) << "skip " << skip;
  }
}

TEST(Htj2k, ASinkErrorStopsRowDecodingAndComesBackUnchanged) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(64, 40, 1, 16, true)));
  // 64 x 40 x 2 bytes: one band; 1000 x 100 x 2 bytes: about 8 rows a band, 13 bands.
  CollectingSink one;
  ASSERT_TRUE(DecodeHtj2kRows(cs, one).ok());
  EXPECT_EQ(one.bands, 1);
  const Bytes wide = EncodeOrDie(MakeImage(Desc(1000, 100, 1, 16, true)));
  CollectingSink many;
  ASSERT_TRUE(DecodeHtj2kRows(wide, many).ok());
  EXPECT_EQ(many.bands, 13);
  CollectingSink sink;
  sink.fail_at_row = 20;
  const Status status = DecodeHtj2kRows(wide, sink);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.message(), "sink gives up at row 20");
  EXPECT_EQ(sink.bands, 3);  // rows 16..23 were the last band

  struct RefusingSink final : DecodedRowSink {
    Status Begin(const ImageDesc&) override {
      return Status(StatusCode::kUnimplemented, "no thanks");
    }
    Status Rows(uint32_t, ByteView) override {
      ADD_FAILURE() << "rows after a refused Begin";
      return Status::Ok();
    }
  } refusing;
  EXPECT_EQ(DecodeHtj2kRows(cs, refusing).code(), StatusCode::kUnimplemented);
}

TEST(Htj2k, RowDecodingRejectsWhatDecodeHtj2kRejects) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(70, 40, 3, 12, true)));
  for (size_t n : {size_t{0}, size_t{2}, size_t{60}, cs.size() / 2, cs.size() - 2}) {
    CollectingSink sink;
    EXPECT_EQ(DecodeHtj2kRows(ByteView(cs).first(n), sink).code(), StatusCode::kInvalidArgument)
        << "prefix of " << n;
  }
  CollectingSink sink;
  EXPECT_EQ(DecodeHtj2kRows(cs, sink, 9).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeHtj2kRows(AsBytes("hello, world"), sink).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sink.begins, 0);
}

TEST(Htj2k, RejectsNonCodestreams) {
  EXPECT_EQ(DecodeHtj2k({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeHtj2k(AsBytes("hello, world")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Htj2kLevelChecksums(AsBytes("\xFF\x4F\xFF\x51")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Htj2k, TruncatedCodestreamsAreErrors) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(70, 40, 3, 12, true)));
  // Every proper prefix, including a codestream that lost only its EOC.
  for (size_t n = 0; n < cs.size(); ++n) {
    Result<Image> r = DecodeHtj2k(ByteView(cs).first(n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " of " << cs.size() << " bytes decoded";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

// Corrupt headers (main header and SOT) never crash: our marker checks and OpenJPH's own header
// parsing reject them or decode something that honours the layout contract.
// Corrupt *entropy-coded data* is not covered here: see Htj2kDeathTest below.
TEST(Htj2k, CorruptHeadersNeverCrash) {
  const Image image = MakeCtSlice(128, 96);
  const Bytes cs = EncodeOrDie(image);
  Result<internal::MainHeaderInfo> header = internal::ParseMainHeader(cs);
  ASSERT_TRUE(header.ok());
  const size_t header_bytes = header->first_sot + 14;  // main header, SOT segment and SOD
  std::mt19937 rng(7);
  int errors = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    Bytes bad = cs;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bad[rng() % header_bytes] ^= static_cast<std::byte>(1u << (rng() % 8));
    }
    if (trial % 5 == 0) bad.resize(rng() % bad.size());
    Result<Image> r = DecodeHtj2k(bad, static_cast<int>(rng() % 3));
    if (r.ok()) {
      EXPECT_EQ(r->samples.size(), r->desc.FrameBytes());
    } else {
      ++errors;
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    }
  }
  EXPECT_GT(errors, 2500);
}

// Known vendor limitation, kept as a test so that an OpenJPH upgrade that fixes it is noticed:
// Debian's OpenJPH 0.9 is built with assert() enabled, and a corrupt packet header (here one
// flipped bit in the first packet header of the tile) aborts the process in bb_read_bits. Our
// marker checks cannot see inside packets, so DecodeHtj2k is only safe on codestreams we produced;
// untrusted HTJ2K must go through DecodeJ2k (OpenJPEG 2.5), which reports an error instead.
TEST(Htj2kDeathTest, OpenJph09AbortsOnACorruptPacketHeader) {
  Bytes cs = EncodeOrDie(MakeCtSlice(128, 96));
  Result<internal::MainHeaderInfo> header = internal::ParseMainHeader(cs);
  ASSERT_TRUE(header.ok());
  const size_t first_packet = header->first_sot + 14;
  ASSERT_EQ(first_packet, 127u);  // the layout the flip below was found for
  cs[first_packet + 1] ^= std::byte{0x08};
  EXPECT_FALSE(DecodeJ2k(cs, 2).ok());
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH((void)DecodeHtj2k(cs), "num_bits <= 32");
}

// Same limitation inside an HT code-block: one 0xFF byte in a MEL segment (found by fuzzing,
// minimised) aborts OpenJPH 0.9 in mel_init. OpenJPEG 2.5.0 aborts on it too (j2k_test.cc).
TEST(Htj2kDeathTest, OpenJph09AbortsOnACorruptHtCodeBlock) {
  Bytes cs = EncodeOrDie(MakeImage(Desc(70, 20, 3, 8, false)));
  ASSERT_EQ(cs.size(), 4096u);  // the layout the byte below was found for
  cs[1619] = std::byte{0xFF};
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH((void)DecodeHtj2k(cs), "mel_init");
}

TEST(Htj2k, RandomGarbageAfterAValidHeaderIsAnError) {
  const Bytes cs = EncodeOrDie(MakeImage(Desc(64, 64, 1, 8, false)));
  Result<internal::MainHeaderInfo> header = internal::ParseMainHeader(cs);
  ASSERT_TRUE(header.ok());
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    Bytes bad(cs.begin(), cs.begin() + header->first_sot);
    const size_t tail = rng() % 4000;
    for (size_t i = 0; i < tail; ++i) bad.push_back(static_cast<std::byte>(rng()));
    EXPECT_FALSE(DecodeHtj2k(bad).ok());
  }
}

TEST(Htj2k, DecodesConcurrently) {
  const Image image = MakeCtSlice(256, 256);
  const Bytes cs = EncodeOrDie(image);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Result<Image> r = DecodeHtj2k(cs);
        if (!r.ok() || r->samples != image.samples) ++mismatches[t];
        Bytes bad = cs;
        bad.resize(bad.size() / 2);
        if (DecodeHtj2k(bad).ok()) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// Real data: the NEMA WG-04 CT1 slice (signed 16-bit, with negative values) encoded as HTJ2K by
// another encoder decodes to exactly the uncompressed pixels.
TEST(Htj2k, DecodesWg04Ct1HtJ2kLikeTheUncompressedFile) {
  auto unc_file =
      testing::ReadFile(testing::SharedPath("data/dicom/codec_matrix_wg04_ct1/CT1_UNC.dcm"));
  auto jph_file =
      testing::ReadFile(testing::SharedPath("data/dicom/codec_matrix_wg04_ct1/CT1_JPH_htj2k.dcm"));
  if (!unc_file || !jph_file) GTEST_SKIP() << "shared data not present";
  auto pixels = testing::PixelData(*unc_file);
  auto cs = testing::PixelData(*jph_file);
  ASSERT_TRUE(pixels && cs);
  ASSERT_EQ(pixels->size(), 512u * 512u * 2u);
  Image full;
  Result<std::vector<LevelChecksum>> sums = Htj2kLevelChecksums(*cs, &full);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  EXPECT_EQ(full.desc, Desc(512, 512, 1, 16, true));
  EXPECT_TRUE(full.samples == *pixels);
  EXPECT_EQ(sums->back().crc32, Crc32(*pixels));
  // Row by row: the same pixels and the same CRC.
  CollectingSink sink;
  ASSERT_TRUE(DecodeHtj2kRows(*cs, sink).ok());
  EXPECT_TRUE(sink.image.samples == *pixels);
  EXPECT_EQ(sink.crc, Crc32(*pixels));
  // And our own encoding of those pixels round-trips.
  Result<Image> again = DecodeHtj2k(EncodeOrDie(full));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->samples == *pixels);
}

}  // namespace
}  // namespace openhi::codec
