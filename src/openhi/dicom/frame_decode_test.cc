#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmimage/diregist.h>  // colour support for the DCMTK encoders
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/test_util.h"

namespace openhi::dicom {
namespace {

using testing::MakeImage;
using testing::ParseDicomData;
using testing::SampleValues;
using testing::SyntheticImage;
using testing::WriteP10;

// Decodes every frame of a shared file (asserting success).
std::vector<codec::Image> DecodeAll(const std::string& relative) {
  std::vector<codec::Image> frames;
  auto file = ParseDicomData(relative);
  EXPECT_TRUE(file.ok()) << relative << ": " << file.status().ToString();
  if (!file.ok()) return frames;
  auto pixels = file->Pixels();
  EXPECT_TRUE(pixels.ok()) << relative << ": " << pixels.status().ToString();
  if (!pixels.ok()) return frames;
  for (uint32_t i = 0; i < pixels->number_of_frames; ++i) {
    auto frame = file->DecodeFrame(i);
    EXPECT_TRUE(frame.ok()) << relative << " frame " << i << ": " << frame.status().ToString();
    if (!frame.ok()) return {};
    EXPECT_EQ(frame->samples.size(), frame->desc.FrameBytes());
    frames.push_back(std::move(frame).value());
  }
  return frames;
}

void ExpectSameFrames(const std::string& reference, const std::string& other) {
  SCOPED_TRACE(other + " vs " + reference);
  const auto a = DecodeAll(reference);
  const auto b = DecodeAll(other);
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].desc, b[i].desc) << "frame " << i;
    EXPECT_TRUE(a[i].samples == b[i].samples) << "frame " << i << " differs";
  }
}

int MaxAbsDifference(const codec::Image& a, const codec::Image& b) {
  const auto va = SampleValues(a);
  const auto vb = SampleValues(b);
  int max = 0;
  for (size_t i = 0; i < std::min(va.size(), vb.size()); ++i)
    max = std::max(max, std::abs(va[i] - vb[i]));
  return max;
}

TEST(DicomFile, DecodesTransferSyntaxMatrixIdentically) {
  for (int i = 2; i <= 8; ++i) {
    ExpectSameFrames("transfer_syntax_matrix_mr_dcm_qa_ts/1.dcm",
                     "transfer_syntax_matrix_mr_dcm_qa_ts/" + std::to_string(i) + ".dcm");
  }
}

TEST(DicomFile, DecodesJpeg2000LosslessIdenticalToUncompressed) {
  ExpectSameFrames("transfer_syntax_matrix_mr_dcm_qa_ts/1.dcm",
                   "transfer_syntax_matrix_mr_dcm_qa_ts/9.dcm");
  ExpectSameFrames("codec_matrix_wg04_ct1/CT1_UNC.dcm", "codec_matrix_wg04_ct1/CT1_J2KR.dcm");
}

TEST(DicomFile, DecodesJpegLsLosslessIdenticalToUncompressed) {
  ExpectSameFrames("codec_matrix_wg04_ct1/CT1_UNC.dcm", "codec_matrix_wg04_ct1/CT1_JLSL.dcm");
}

TEST(DicomFile, DecodesJpegLosslessIdenticalToUncompressed) {
  ExpectSameFrames("codec_matrix_wg04_ct1/CT1_UNC.dcm", "codec_matrix_wg04_ct1/CT1_JPLL.dcm");
}

TEST(DicomFile, DecodesRleIdenticalToUncompressed) {
  ExpectSameFrames("codec_matrix_wg04_ct1/CT1_UNC.dcm", "codec_matrix_wg04_ct1/CT1_RLE.dcm");
}

TEST(DicomFile, DecodesHtj2kIdenticalToUncompressed) {
  ExpectSameFrames("codec_matrix_wg04_ct1/CT1_UNC.dcm", "codec_matrix_wg04_ct1/CT1_JPH_htj2k.dcm");
}

TEST(DicomFile, DecodesLossyCodecsCloseToUncompressed) {
  const auto reference = DecodeAll("codec_matrix_wg04_ct1/CT1_UNC.dcm");
  ASSERT_EQ(reference.size(), 1u);
  const auto near_lossless = DecodeAll("codec_matrix_wg04_ct1/CT1_JLSN.dcm");
  ASSERT_EQ(near_lossless.size(), 1u);
  EXPECT_LE(MaxAbsDifference(reference[0], near_lossless[0]), 4);
  const auto j2k_lossy = DecodeAll("codec_matrix_wg04_ct1/CT1_J2KI.dcm");
  ASSERT_EQ(j2k_lossy.size(), 1u);
  EXPECT_LE(MaxAbsDifference(reference[0], j2k_lossy[0]), 352);
}

// The last `count` little-endian 16-bit words of a file (native Pixel Data at the end).
std::vector<uint16_t> TrailingWords(const std::string& relative, size_t count) {
  const Bytes raw = testing::ReadDicomData(relative);
  std::vector<uint16_t> words(count);
  std::memcpy(words.data(), raw.data() + raw.size() - count * 2, count * 2);
  return words;
}

// dcm_qa_12bit: both files carry values with bits set above BitsStored 12 (the "highbits_set"
// one paints 0xFFFF and 0x0F0F marks); decoding must clear bits 12..15 and keep the rest.
TEST(DicomFile, MasksGarbageAboveBitsStored) {
  for (const char* name : {"variety/bit_depth/mr_12bit_unsigned.dcm",
                           "variety/bit_depth/mr_12bit_unsigned_highbits_set.dcm"}) {
    SCOPED_TRACE(name);
    const size_t count = 384 * 384;
    const auto stored = TrailingWords(name, count);
    const auto frames = DecodeAll(name);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_FALSE(frames[0].desc.is_signed);
    const auto values = SampleValues(frames[0]);
    size_t garbage = 0;
    for (size_t i = 0; i < count; ++i) {
      ASSERT_EQ(values[i], stored[i] & 0x0FFF) << "sample " << i;
      garbage += stored[i] > 0x0FFF;
    }
    EXPECT_GT(garbage, 0u);
  }
}

TEST(DicomFile, SignExtendsFromHighBit) {
  auto file = ParseDicomData("variety/bit_depth/mr_12bit_signed_highbit11.dcm");
  ASSERT_TRUE(file.ok());
  auto frame = file->DecodeFrame(0);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_TRUE(frame->desc.is_signed);
  EXPECT_EQ(frame->desc.bits_stored, 12);
  // Independent expectation from the raw file bytes: the last 384*384*2 bytes are the pixels.
  const Bytes raw = testing::ReadDicomData("variety/bit_depth/mr_12bit_signed_highbit11.dcm");
  const size_t count = 384 * 384;
  const std::byte* pixels = raw.data() + raw.size() - count * 2;
  const auto values = SampleValues(*frame);
  bool saw_negative = false;
  for (size_t i = 0; i < count; ++i) {
    uint16_t stored;
    std::memcpy(&stored, pixels + 2 * i, 2);
    int expected = stored & 0x0FFF;
    if (expected & 0x800) expected -= 0x1000;
    ASSERT_EQ(values[i], expected) << "sample " << i;
    saw_negative |= expected < 0;
  }
  EXPECT_TRUE(saw_negative);
}

TEST(DicomFile, DecodesSignedFourteenBitCt) {
  const auto frames = DecodeAll("variety/bit_depth/ct_signed_bitsstored14.dcm");
  ASSERT_EQ(frames.size(), 1u);
  for (int v : SampleValues(frames[0])) {
    ASSERT_GE(v, -8192);
    ASSERT_LT(v, 8192);
  }
}

TEST(DicomFile, DecodesPlanarColourAsInterleaved) {
  ExpectSameFrames("variety/color/us_rgb_planar0.dcm", "variety/color/us_rgb_planar1.dcm");
  const auto frames = DecodeAll("variety/color/us_rgb_planar1.dcm");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].desc.components, 3);
  EXPECT_EQ(frames[0].desc.bytes_per_sample, 1);
}

TEST(DicomFile, DecodesMultiframeNativeAndJpegLsIdentically) {
  ExpectSameFrames("variety/multiframe/emri_small_enhanced_mr_10f.dcm",
                   "variety/multiframe/emri_small_enhanced_mr_10f_jpegls.dcm");
}

TEST(DicomFile, DecodesEveryFrameOfMultiframeWithoutSequenceDelimiter) {
  ExpectSameFrames("variety/multiframe/emri_small_enhanced_mr_10f.dcm",
                   "malformed/j2k_multiframe_too_short.dcm");
}

TEST(DicomFile, DecodesBigEndianAndDeflate) {
  ExpectSameFrames("variety/transfer_syntax/MR_small_implicit_le.dcm",
                   "variety/transfer_syntax/MR_small_explicit_be.dcm");
  ExpectSameFrames("variety/odd_size/MR_small_64.dcm",
                   "variety/transfer_syntax/MR_small_implicit_le.dcm");
  const auto deflated = DecodeAll("variety/transfer_syntax/deflated_explicit_le.dcm");
  ASSERT_EQ(deflated.size(), 1u);
  EXPECT_EQ(deflated[0].desc.bytes_per_sample, 1);
  EXPECT_EQ(deflated[0].samples.size(), 512u * 512u);
}

TEST(DicomFile, DecodesMultiFragmentFrames) {
  const auto jpeg = DecodeAll("variety/fragments/mr_jpeg_lossless_multi_fragment.dcm");
  ASSERT_EQ(jpeg.size(), 1u);
  EXPECT_EQ(jpeg[0].samples.size(), 128u * 128u * 2u);
  const auto j2k = DecodeAll("variety/fragments/mr_j2k_multi_fragment.dcm");
  ASSERT_EQ(j2k.size(), 1u);
  auto file = ParseDicomData("variety/fragments/mr_j2k_multi_fragment.dcm");
  ASSERT_TRUE(file.ok());
  auto encoded = file->EncodedFrame(0);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  EXPECT_EQ(std::to_integer<int>((*encoded)[0]), 0xFF);
  EXPECT_EQ(std::to_integer<int>((*encoded)[1]), 0x4F);
}

TEST(DicomFile, DecodesColourCodecs) {
  const auto rle = DecodeAll("variety/multiframe/SC_rgb_rle_2frame.dcm");
  ASSERT_EQ(rle.size(), 2u);
  EXPECT_EQ(rle[0].desc.components, 3);
  const auto jpeg = DecodeAll("variety/multiframe/us_ybr_full_422_jpeg_30f.dcm");
  ASSERT_EQ(jpeg.size(), 30u);
  EXPECT_EQ(jpeg[29].samples.size(), 240u * 320u * 3u);
  EXPECT_EQ(DecodeAll("variety/color/SC_jpeg_baseline_ybr_full_422.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/color/us_palette_color.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/color/SC_ybr_full_uncompressed.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/odd_size/SC_rgb_3x3.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/transfer_syntax/jpeg_extended_12bit.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/transfer_syntax/jpeg_lossless_sv1_nm.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/transfer_syntax/jpegls_near_lossless_16.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/bit_depth/jpegls_15bit_signed.dcm").size(), 1u);
}

// DCMTK 3.6.7's JPEG-LS decoder (its bundled CharLS) rejects this valid 7-bit stream; dcmdjpls
// fails the same way. It must fail cleanly.
TEST(DicomFile, ReportsJpegLsStreamsDcmtkCannotDecode) {
  auto file = ParseDicomData("variety/bit_depth/jpegls_7bit.dcm");
  ASSERT_TRUE(file.ok());
  auto frame = file->DecodeFrame(0);
  EXPECT_EQ(frame.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(file->EncodedFrame(0).ok());
}

TEST(DicomFile, DecodesHtj2kColour) {
  const auto lossless = DecodeAll("variety/color/HTJ2KLossless_08_RGB.dcm");
  ASSERT_EQ(lossless.size(), 1u);
  EXPECT_EQ(lossless[0].desc.components, 3);
  EXPECT_EQ(DecodeAll("variety/color/HTJ2K_08_RGB_lossy.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/transfer_syntax/jpeg2000_lossy_nm.dcm").size(), 1u);
  EXPECT_EQ(DecodeAll("variety/private_and_sequences/ct_j2k_with_UN_vr.dcm").size(), 1u);
}

TEST(DicomFile, EncodedFrameReturnsTheStoredCodestream) {
  auto jpeg = ParseDicomData("variety/multiframe/us_ybr_full_422_jpeg_30f.dcm");
  ASSERT_TRUE(jpeg.ok());
  auto frame = jpeg->EncodedFrame(29);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(std::to_integer<int>((*frame)[0]), 0xFF);
  EXPECT_EQ(std::to_integer<int>((*frame)[1]), 0xD8);
  EXPECT_EQ(jpeg->EncodedFrame(30).status().code(), StatusCode::kNotFound);

  auto htj2k = ParseDicomData("variety/color/HTJ2K_08_RGB_lossy.dcm");
  ASSERT_TRUE(htj2k.ok());
  auto codestream = htj2k->EncodedFrame(0);
  ASSERT_TRUE(codestream.ok());
  EXPECT_GE(codestream->size(), 235022u - 1);
  EXPECT_EQ(std::to_integer<int>((*codestream)[1]), 0x4F);

  auto native = ParseDicomData("codec_matrix_wg04_ct1/CT1_UNC.dcm");
  ASSERT_TRUE(native.ok());
  EXPECT_EQ(native->EncodedFrame(0).status().code(), StatusCode::kFailedPrecondition);
}

TEST(DicomFile, RefusesWhatItCannotDecode) {
  auto rgb32 = ParseDicomData("variety/bit_depth/SC_rgb_32bit.dcm");
  ASSERT_TRUE(rgb32.ok());
  auto frame = rgb32->DecodeFrame(0);
  EXPECT_EQ(frame.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(frame.status().message().find("BitsAllocated 32"), std::string::npos);
  auto dose = ParseDicomData("variety/multiframe/rtdose_32bit_15f.dcm");
  ASSERT_TRUE(dose.ok());
  EXPECT_EQ(dose->DecodeFrame(0).status().code(), StatusCode::kUnimplemented);
  auto ct = ParseDicomData("codec_matrix_wg04_ct1/CT1_UNC.dcm");
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->DecodeFrame(1).status().code(), StatusCode::kNotFound);
}

TEST(DicomFile, UnpacksOneBitSegmentationFrames) {
  auto seg = ParseDicomData("seg_liver_on_ct_3slice_dcmqi/seg/liver.dcm");
  ASSERT_TRUE(seg.ok());
  auto pixels = seg->Pixels();
  ASSERT_TRUE(pixels.ok());
  ASSERT_EQ(pixels->bits_allocated, 1);
  size_t ones = 0;
  for (uint32_t i = 0; i < pixels->number_of_frames; ++i) {
    auto frame = seg->DecodeFrame(i);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_EQ(frame->desc.bits_stored, 1);
    EXPECT_EQ(frame->samples.size(), size_t{pixels->rows} * pixels->columns);
    for (std::byte b : frame->samples) {
      ASSERT_LE(std::to_integer<int>(b), 1);
      ones += std::to_integer<int>(b);
    }
  }
  EXPECT_GT(ones, 0u);
}

// Synthetic round trips through DCMTK's own encoders: every lossless codec DCMTK decodes must
// give back the native samples, for both planar configurations, 8 and 16 bits, signed data and
// a HighBit above BitsStored - 1 (native and RLE only).
class EncoderRegistration {
 public:
  static void Ensure() {
    static std::once_flag once;
    std::call_once(once, [] {
      DJEncoderRegistration::registerCodecs();
      DJLSEncoderRegistration::registerCodecs();
      DcmRLEEncoderRegistration::registerCodecs();
    });
  }
};

Bytes Encode(const SyntheticImage& image, E_TransferSyntax xfer,
             const DcmRepresentationParameter* param) {
  EncoderRegistration::Ensure();
  auto file = MakeImage(image);
  OFCondition cond = file->getDataset()->chooseRepresentation(xfer, param);
  EXPECT_TRUE(cond.good()) << cond.text();
  EXPECT_TRUE(file->getDataset()->canWriteXfer(xfer));
  return WriteP10(*file, xfer);
}

SyntheticImage Pattern(uint16_t samples, uint16_t bits_allocated, uint16_t bits_stored,
                       bool is_signed, uint16_t planar, uint32_t frames) {
  SyntheticImage image;
  image.rows = 7;
  image.columns = 9;
  image.samples_per_pixel = samples;
  image.photometric = samples == 3 ? "RGB" : "MONOCHROME2";
  image.bits_allocated = bits_allocated;
  image.bits_stored = bits_stored;
  image.high_bit = static_cast<uint16_t>(bits_stored - 1);
  image.pixel_representation = is_signed ? 1 : 0;
  image.planar_configuration = planar;
  image.frames = frames;
  const size_t count = size_t{image.rows} * image.columns * samples * frames;
  const Bytes noise = testing::PseudoRandomBytes(count * 2, bits_stored * 31 + planar);
  image.pixels.resize(count * (bits_allocated / 8));
  for (size_t i = 0; i < count; ++i) {
    uint16_t v = static_cast<uint16_t>(std::to_integer<uint16_t>(noise[2 * i]) |
                                       (std::to_integer<uint16_t>(noise[2 * i + 1]) << 8));
    v &= static_cast<uint16_t>((1u << bits_stored) - 1);  // values fit in BitsStored
    if (is_signed && bits_stored < 16 && (v >> (bits_stored - 1)) != 0) {
      v |= static_cast<uint16_t>(~((1u << bits_stored) - 1) & 0xFFFF);  // stored sign-extended
    }
    if (bits_allocated == 8) {
      image.pixels[i] = static_cast<std::byte>(v);
    } else {
      std::memcpy(image.pixels.data() + 2 * i, &v, 2);
    }
  }
  return image;
}

void ExpectRoundTrip(const SyntheticImage& image, E_TransferSyntax xfer,
                     const DcmRepresentationParameter* param) {
  auto native = DicomFile::Parse(WriteP10(*MakeImage(image)));
  ASSERT_TRUE(native.ok());
  auto encoded = DicomFile::Parse(Encode(image, xfer, param));
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  auto pixels = encoded->Pixels();
  ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
  ASSERT_TRUE(pixels->encapsulated);
  for (uint32_t i = 0; i < image.frames; ++i) {
    auto want = native->DecodeFrame(i);
    auto got = encoded->DecodeFrame(i);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    // Sample values must match; DCMTK's JPEG-LS encoder may shrink BitsAllocated 16 to 8.
    EXPECT_EQ(want->desc.bits_stored, got->desc.bits_stored);
    EXPECT_EQ(want->desc.is_signed, got->desc.is_signed);
    EXPECT_EQ(want->desc.components, got->desc.components);
    EXPECT_TRUE(SampleValues(*want) == SampleValues(*got)) << "frame " << i;
  }
}

void RoundTripAllShapes(E_TransferSyntax xfer, const DcmRepresentationParameter* param,
                        bool signed_ok, bool planar_multiframe_ok = true) {
  for (uint16_t planar : {0, 1}) {
    for (uint32_t frames : {1u, 3u}) {
      if (planar == 1 && frames > 1 && !planar_multiframe_ok) continue;
      SCOPED_TRACE("rgb8 planar " + std::to_string(planar) + " frames " + std::to_string(frames));
      ExpectRoundTrip(Pattern(3, 8, 8, false, planar, frames), xfer, param);
    }
  }
  for (bool is_signed : {false, true}) {
    if (is_signed && !signed_ok) continue;
    SCOPED_TRACE(is_signed ? "signed" : "unsigned");
    ExpectRoundTrip(Pattern(1, 16, 12, is_signed, 0, 2), xfer, param);
    ExpectRoundTrip(Pattern(1, 16, 16, is_signed, 0, 1), xfer, param);
    ExpectRoundTrip(Pattern(1, 8, 8, is_signed, 0, 2), xfer, param);
    ExpectRoundTrip(Pattern(1, 16, 8, is_signed, 0, 1), xfer, param);  // 8 bits in 16
  }
}

TEST(DicomFile, DecodesDcmtkEncodedRleRoundTrips) {
  RoundTripAllShapes(EXS_RLELossless, nullptr, true);
  SyntheticImage shifted = Pattern(1, 16, 12, true, 0, 1);
  shifted.high_bit = 15;  // bits 4..15 hold the sample: RLE keeps the stored bit layout
  ExpectRoundTrip(shifted, EXS_RLELossless, nullptr);
}

TEST(DicomFile, DecodesDcmtkEncodedJpegLosslessRoundTrips) {
  const DJ_RPLossless jpeg_lossless;
  // DCMTK's true-lossless JPEG encoder reads colour-by-plane multi-frame data as one plane set
  // for the whole object instead of per frame (PS3.5 8.2.3 / C.7.6.3.1.3): it encodes other
  // pixels, so that shape is not a valid round trip.
  RoundTripAllShapes(EXS_JPEGProcess14SV1, &jpeg_lossless, true, false);
}

TEST(DicomFile, DecodesDcmtkEncodedJpegLsRoundTrips) {
  const DJLSRepresentationParameter jpeg_ls(0, OFTrue);
  // DCMTK's bundled CharLS asserts (aborts) when encoding signed samples, so signed JPEG-LS is
  // covered by the real files (CT1_JLSL, jpegls_15bit_signed) instead.
  RoundTripAllShapes(EXS_JPEGLSLossless, &jpeg_ls, false);
}

// Some writers put an 8-bit JPEG stream into BitsAllocated 16 Pixel Data; DCMTK then decodes
// to one byte per sample, which must be widened.
TEST(DicomFile, WidensEightBitJpegInSixteenBitPixelData) {
  const DJ_RPLossless jpeg_lossless;
  const SyntheticImage image = Pattern(1, 8, 8, false, 0, 1);
  auto encoded = DicomFile::Parse(Encode(image, EXS_JPEGProcess14SV1, &jpeg_lossless));
  ASSERT_TRUE(encoded.ok());
  auto stream = encoded->EncodedFrame(0);
  ASSERT_TRUE(stream.ok());
  auto us = [](uint16_t v) {
    return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
  };
  testing::RawP10 p10;
  p10.Add(MakeTag(0x0028, 0x0002), "US", us(1))
      .Add(MakeTag(0x0028, 0x0004), "CS", "MONOCHROME2 ")
      .Add(MakeTag(0x0028, 0x0010), "US", us(image.rows))
      .Add(MakeTag(0x0028, 0x0011), "US", us(image.columns))
      .Add(MakeTag(0x0028, 0x0100), "US", us(16))
      .Add(MakeTag(0x0028, 0x0101), "US", us(8))
      .Add(MakeTag(0x0028, 0x0102), "US", us(7))
      .Add(MakeTag(0x0028, 0x0103), "US", us(0))
      .BeginSequence(MakeTag(0x7FE0, 0x0010), "OB")
      .Item("")
      .Item(AsStringView(*stream))
      .EndSequence();
  auto file = DicomFile::Parse(p10.Finish("1.2.840.10008.1.2.4.70"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto frame = file->DecodeFrame(0);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->desc.bytes_per_sample, 2);
  const auto values = SampleValues(*frame);
  ASSERT_EQ(values.size(), image.pixels.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(values[i], std::to_integer<int>(image.pixels[i])) << i;
  }
}

// Distinct DicomFiles are used from several threads at once (DCMTK's dictionary and codec list
// are shared).
TEST(DicomFile, ParsesAndDecodesConcurrently) {
  const std::vector<std::string> names = {
      "codec_matrix_wg04_ct1/CT1_JPLL.dcm",      "codec_matrix_wg04_ct1/CT1_JLSL.dcm",
      "codec_matrix_wg04_ct1/CT1_RLE.dcm",       "codec_matrix_wg04_ct1/CT1_J2KR.dcm",
      "codec_matrix_wg04_ct1/CT1_JPH_htj2k.dcm", "codec_matrix_wg04_ct1/CT1_UNC.dcm"};
  const auto reference = DecodeAll("codec_matrix_wg04_ct1/CT1_UNC.dcm");
  ASSERT_EQ(reference.size(), 1u);
  std::vector<Bytes> inputs;
  for (const auto& name : names) inputs.push_back(testing::ReadDicomData(name));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t k = 0; k < inputs.size(); ++k) {
          auto file = DicomFile::Parse(inputs[(k + t) % inputs.size()]);
          if (!file.ok()) {
            ++mismatches;
            continue;
          }
          (void)file->ToAhiJson().dump();
          auto frame = file->DecodeFrame(0);
          if (!frame.ok() || frame->samples != reference[0].samples) ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, 0);
}

TEST(DicomFile, DecodedFrameFollowsHighBitShift) {
  SyntheticImage image = Pattern(1, 16, 12, true, 0, 1);
  image.high_bit = 15;
  auto file = DicomFile::Parse(WriteP10(*MakeImage(image)));
  ASSERT_TRUE(file.ok());
  auto frame = file->DecodeFrame(0);
  ASSERT_TRUE(frame.ok());
  const auto values = SampleValues(*frame);
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t stored;
    std::memcpy(&stored, image.pixels.data() + 2 * i, 2);
    int expected = stored >> 4;
    if (expected & 0x800) expected -= 0x1000;
    ASSERT_EQ(values[i], expected);
  }
}

}  // namespace
}  // namespace openhi::dicom
