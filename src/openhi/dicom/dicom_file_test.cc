#include "openhi/dicom/dicom_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "openhi/dicom/test_util.h"

namespace openhi::dicom {
namespace {

using testing::DicomDataPath;
using testing::MakeImage;
using testing::ParseDicomData;
using testing::ReadDicomData;
using testing::SyntheticImage;
using testing::WriteP10;

constexpr Tag kSopInstanceUid = MakeTag(0x0008, 0x0018);
constexpr Tag kSeriesInstanceUid = MakeTag(0x0020, 0x000E);
constexpr Tag kModality = MakeTag(0x0008, 0x0060);

TEST(DicomFile, ParsesExplicitLittleEndianP10) {
  auto file = ParseDicomData("codec_matrix_wg04_ct1/CT1_UNC.dcm");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->TransferSyntaxUid(), "1.2.840.10008.1.2.1");
  auto modality = file->GetString(kModality);
  ASSERT_TRUE(modality.ok());
  EXPECT_EQ(*modality, "CT");
  auto pixels = file->Pixels();
  ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
  EXPECT_EQ(pixels->rows, 512u);
  EXPECT_EQ(pixels->columns, 512u);
  EXPECT_EQ(pixels->bits_allocated, 16);
  EXPECT_EQ(pixels->bits_stored, 16);
  EXPECT_EQ(pixels->high_bit, 15);
  EXPECT_EQ(pixels->pixel_representation, 1);
  EXPECT_EQ(pixels->samples_per_pixel, 1);
  EXPECT_EQ(pixels->photometric_interpretation, "MONOCHROME2");
  EXPECT_EQ(pixels->number_of_frames, 1u);
  EXPECT_FALSE(pixels->encapsulated);
}

TEST(DicomFile, ReportsEncapsulatedPixelData) {
  auto file = ParseDicomData("codec_matrix_wg04_ct1/CT1_JPH_htj2k.dcm");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->TransferSyntaxUid(), "1.2.840.10008.1.2.4.202");
  auto pixels = file->Pixels();
  ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
  EXPECT_TRUE(pixels->encapsulated);
}

TEST(DicomFile, GetStringRemovesPaddingAndReportsAbsence) {
  auto file = ParseDicomData("codec_matrix_wg04_ct1/CT1_UNC.dcm");
  ASSERT_TRUE(file.ok());
  auto uid = file->GetString(kSopInstanceUid);
  ASSERT_TRUE(uid.ok());
  EXPECT_FALSE(uid->empty());
  EXPECT_NE(uid->back(), '\0');
  EXPECT_NE(uid->back(), ' ');
  EXPECT_EQ(file->GetString(MakeTag(0x0011, 0x1234)).status().code(), StatusCode::kNotFound);
  auto ts = file->GetString(MakeTag(0x0002, 0x0010));  // from the file meta
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts, "1.2.840.10008.1.2.1");
  auto rows = file->GetString(MakeTag(0x0028, 0x0010));  // non-string VRs are formatted
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, "512");
}

TEST(DicomFile, RejectsInputThatIsNotDicom) {
  EXPECT_EQ(DicomFile::Parse({}).status().code(), StatusCode::kInvalidArgument);
  const Bytes text = ToBytes("hello, this is certainly not a DICOM file\n");
  EXPECT_EQ(DicomFile::Parse(text).status().code(), StatusCode::kInvalidArgument);
  const Bytes noise = testing::PseudoRandomBytes(4096, 7);
  EXPECT_EQ(DicomFile::Parse(noise).status().code(), StatusCode::kInvalidArgument);
}

TEST(DicomFile, ReadsDatasetWithoutPreambleOrMeta) {
  auto file = ParseDicomData("malformed/explicit_le_no_meta.dcm");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->TransferSyntaxUid(), "1.2.840.10008.1.2.1");
  EXPECT_EQ(file->Pixels().status().code(), StatusCode::kNotFound);
  auto rtstruct = ParseDicomData("variety/non_image/rtstruct_no_meta.dcm");
  ASSERT_TRUE(rtstruct.ok()) << rtstruct.status().ToString();
  EXPECT_EQ(*rtstruct->GetString(kModality), "RTSTRUCT");
}

TEST(DicomFile, ReadsMetaWithoutTransferSyntax) {
  auto file = ParseDicomData("malformed/meta_missing_transfer_syntax.dcm");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_FALSE(file->TransferSyntaxUid().empty());
}

TEST(DicomFile, RejectsFileTruncatedInsideAnElement) {
  auto file = ParseDicomData("malformed/rtplan_truncated.dcm");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find("truncated"), std::string::npos)
      << file.status().message();
}

TEST(DicomFile, TruncatedNativePixelDataFailsInPixels) {
  auto file = ParseDicomData("malformed/MR_truncated_pixeldata.dcm");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*file->GetString(kModality), "MR");
  auto pixels = file->Pixels();
  EXPECT_EQ(pixels.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pixels.status().message().find("Pixel Data"), std::string::npos);
  EXPECT_FALSE(file->DecodeFrame(0).ok());
  EXPECT_NO_THROW(file->ToAhiJson().dump());
}

TEST(DicomFile, InvalidNumberOfFramesIsAClearError) {
  auto file = ParseDicomData("malformed/bad_vr_value.dcm");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto pixels = file->Pixels();
  ASSERT_EQ(pixels.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pixels.status().message().find("NumberOfFrames"), std::string::npos);
  EXPECT_NE(pixels.status().message().find("1A"), std::string::npos);
}

// j2k_multiframe_too_short.dcm lacks the sequence delimiter after its last fragment; all ten
// fragments are complete, so every frame stays readable (decoding is checked in
// frame_decode_test.cc). Cutting the file after five fragments leaves frames 5..9 missing.
TEST(DicomFile, FragmentsCutOffAtTheEndReportMissingFrames) {
  const Bytes original = ReadDicomData("malformed/j2k_multiframe_too_short.dcm");
  auto whole = DicomFile::Parse(original);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  auto pixels = whole->Pixels();
  ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
  ASSERT_EQ(pixels->number_of_frames, 10u);
  for (uint32_t i = 0; i < 10; ++i) {
    auto frame = whole->EncodedFrame(i);
    ASSERT_TRUE(frame.ok()) << i << ": " << frame.status().ToString();
    EXPECT_EQ(std::to_integer<int>((*frame)[0]), 0xFF);
    EXPECT_EQ(std::to_integer<int>((*frame)[1]), 0x4F);
  }

  // Item tags (FFFE,E000): the offset table, then one per frame.
  const std::string_view text = AsStringView(original);
  const std::string_view item_tag("\xFE\xFF\x00\xE0", 4);
  size_t cut = text.find(item_tag, text.find(std::string_view("\xE0\x7F\x10\x00", 4)));
  for (int k = 0; k < 6 && cut != std::string_view::npos; ++k) cut = text.find(item_tag, cut + 1);
  ASSERT_NE(cut, std::string_view::npos);
  auto truncated = DicomFile::Parse(ByteView(original.data(), cut));
  ASSERT_TRUE(truncated.ok()) << truncated.status().ToString();
  ASSERT_TRUE(truncated->Pixels().ok());
  EXPECT_TRUE(truncated->EncodedFrame(4).ok());
  auto missing = truncated->EncodedFrame(5);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos)
      << missing.status().message();
  EXPECT_FALSE(truncated->DecodeFrame(9).ok());
}

// Every malformed file either fails with a status or yields usable output; nothing crashes.
TEST(DicomFile, MalformedFilesNeverCrash) {
  const std::set<std::string> must_fail_somewhere = {"MR_truncated_pixeldata.dcm",
                                                     "rtplan_truncated.dcm",
                                                     "no_preamble_no_meta.dcm", "bad_vr_value.dcm"};
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(DicomDataPath("malformed"))) {
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    ++files;
    bool failed = false;
    auto file = DicomFile::Parse(ReadDicomData("malformed/" + name));
    if (!file.ok()) {
      EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(file.status().message().empty());
      failed = true;
    } else {
      EXPECT_NO_THROW(file->ToAhiJson().dump());
      auto pixels = file->Pixels();
      if (!pixels.ok()) {
        failed = true;
      } else {
        for (uint32_t i = 0; i < pixels->number_of_frames; ++i) {
          auto frame = file->DecodeFrame(i);
          if (!frame.ok()) failed = true;
          if (pixels->encapsulated && !file->EncodedFrame(i).ok()) failed = true;
        }
      }
    }
    if (must_fail_somewhere.count(name) != 0) {
      EXPECT_TRUE(failed);
    }
  }
  EXPECT_EQ(files, 9);
}

// Cut-off and bit-flipped variants of real files: errors, never crashes.
TEST(DicomFile, DamagedBytesNeverCrash) {
  for (const char* name : {"codec_matrix_wg04_ct1/CT1_JPLL.dcm",
                           "variety/multiframe/"
                           "emri_small_enhanced_mr_10f_jpegls.dcm",
                           "variety/private_and_sequences/nested_private_sq.dcm",
                           "codec_matrix_wg04_ct1/CT1_RLE.dcm"}) {
    SCOPED_TRACE(name);
    const Bytes original = ReadDicomData(name);
    for (int variant = 0; variant < 60; ++variant) {
      Bytes damaged = original;
      if (variant < 30) {
        damaged.resize(original.size() * variant / 30);
      } else {
        const Bytes noise = testing::PseudoRandomBytes(16, variant);
        for (int k = 0; k < 8; ++k) {
          const size_t at = (std::to_integer<size_t>(noise[2 * k]) * 4099 +
                             std::to_integer<size_t>(noise[2 * k + 1]) * 131 + variant * 977) %
                            damaged.size();
          damaged[at] = noise[k];
        }
      }
      auto file = DicomFile::Parse(damaged);
      if (!file.ok()) continue;
      EXPECT_NO_THROW(file->ToAhiJson().dump());
      auto pixels = file->Pixels();
      if (!pixels.ok()) continue;
      for (uint32_t i = 0; i < std::min(pixels->number_of_frames, 3u); ++i) {
        (void)file->DecodeFrame(i);
        (void)file->EncodedFrame(i);
      }
    }
  }
}

TEST(DicomFile, LidcSeriesParses) {
  int files = 0;
  std::string series;
  for (const auto& entry :
       std::filesystem::directory_iterator(DicomDataPath("ct_chest_upper_abdomen_lidc0314_2mm"))) {
    auto file = DicomFile::Parse(
        ReadDicomData("ct_chest_upper_abdomen_lidc0314_2mm/" + entry.path().filename().string()));
    ASSERT_TRUE(file.ok()) << entry.path() << ": " << file.status().ToString();
    ++files;
    EXPECT_EQ(file->TransferSyntaxUid(), "1.2.840.10008.1.2");
    auto uid = file->GetString(kSeriesInstanceUid);
    ASSERT_TRUE(uid.ok());
    if (series.empty()) series = *uid;
    EXPECT_EQ(*uid, series);
    auto pixels = file->Pixels();
    ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
    EXPECT_EQ(pixels->bits_stored, 12);
    if (files % 20 == 1) {
      auto frame = file->DecodeFrame(0);
      ASSERT_TRUE(frame.ok()) << frame.status().ToString();
      EXPECT_EQ(frame->samples.size(), 512u * 512u * 2u);
    }
  }
  EXPECT_EQ(files, 138);
}

TEST(DicomFile, ObjectsWithoutPixelDataReportNotFound) {
  auto sr = ParseDicomData("variety/non_image/comprehensive_sr.dcm");
  ASSERT_TRUE(sr.ok()) << sr.status().ToString();
  EXPECT_EQ(sr->Pixels().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sr->DecodeFrame(0).status().code(), StatusCode::kNotFound);
  auto parametric = ParseDicomData("variety/bit_depth/parametric_map_float32.dcm");
  ASSERT_TRUE(parametric.ok()) << parametric.status().ToString();
  EXPECT_EQ(parametric->Pixels().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(parametric->DecodeFrame(0).status().code(), StatusCode::kUnimplemented);
}

TEST(DicomFile, PixelsRejectsInconsistentBitDepths) {
  SyntheticImage image;
  image.bits_stored = 17;
  image.pixels.resize(4 * 5 * 2);
  auto too_deep = DicomFile::Parse(WriteP10(*MakeImage(image)));
  ASSERT_TRUE(too_deep.ok());
  EXPECT_EQ(too_deep->Pixels().status().code(), StatusCode::kInvalidArgument);

  image.bits_stored = 12;
  image.high_bit = 10;  // below BitsStored - 1
  auto bad_high_bit = DicomFile::Parse(WriteP10(*MakeImage(image)));
  ASSERT_TRUE(bad_high_bit.ok());
  EXPECT_EQ(bad_high_bit->Pixels().status().code(), StatusCode::kInvalidArgument);

  image.high_bit = 11;
  image.frames = 2;  // pixel data holds one frame only
  auto short_data = DicomFile::Parse(WriteP10(*MakeImage(image)));
  ASSERT_TRUE(short_data.ok());
  auto pixels = short_data->Pixels();
  EXPECT_EQ(pixels.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pixels.status().message().find("needs 80"), std::string::npos)
      << pixels.status().message();
}

Bytes NestedSequences(int depth) {
  testing::RawP10 p10;
  p10.Add(MakeTag(0x0008, 0x0060), "CS", "OT");
  for (int i = 0; i < depth; ++i) p10.BeginSequence(MakeTag(0x0008, 0x2112)).BeginItem();
  for (int i = 0; i < depth; ++i) p10.EndItem().EndSequence();
  return p10.Finish();
}

// DCMTK recurses per nesting level without a limit; hostile nesting must not overflow the stack.
TEST(DicomFile, RejectsSequencesNestedTooDeep) {
  auto shallow = DicomFile::Parse(NestedSequences(100));
  ASSERT_TRUE(shallow.ok()) << shallow.status().ToString();
  EXPECT_NO_THROW(shallow->ToAhiJson().dump());
  for (int depth : {129, 5000, 50000}) {
    auto deep = DicomFile::Parse(NestedSequences(depth));
    ASSERT_FALSE(deep.ok()) << depth;
    EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(deep.status().message().find("nested"), std::string::npos);
  }
}

// More item headers than the direct-parse limit: parsed on a big-stack thread.
TEST(DicomFile, ParsesObjectsWithThousandsOfFragments) {
  testing::RawP10 p10;
  p10.Add(MakeTag(0x0008, 0x0060), "CS", "OT")
      .Add(MakeTag(0x0028, 0x0002), "US", std::string_view("\x01\x00", 2))
      .Add(MakeTag(0x0028, 0x0008), "IS", "3000")
      .Add(MakeTag(0x0028, 0x0010), "US", std::string_view("\x01\x00", 2))
      .Add(MakeTag(0x0028, 0x0011), "US", std::string_view("\x01\x00", 2))
      .Add(MakeTag(0x0028, 0x0100), "US", std::string_view("\x08\x00", 2))
      .Add(MakeTag(0x0028, 0x0101), "US", std::string_view("\x08\x00", 2))
      .Add(MakeTag(0x0028, 0x0102), "US", std::string_view("\x07\x00", 2))
      .Add(MakeTag(0x0028, 0x0103), "US", std::string_view("\x00\x00", 2));
  p10.BeginSequence(MakeTag(0x7FE0, 0x0010), "OB").Item("");  // empty offset table
  for (int i = 0; i < 3000; ++i) {
    // A fake 4-byte "JPEG" frame: SOI then the frame number.
    const char frame[4] = {'\xFF', '\xD8', static_cast<char>(i & 0xFF), static_cast<char>(i >> 8)};
    p10.Item(std::string_view(frame, 4));
  }
  p10.EndSequence();
  auto file = DicomFile::Parse(p10.Finish("1.2.840.10008.1.2.4.70"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto pixels = file->Pixels();
  ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
  EXPECT_EQ(pixels->number_of_frames, 3000u);
  auto last = file->EncodedFrame(2999);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_EQ(last->size(), 4u);
  EXPECT_EQ(std::to_integer<int>((*last)[2]), 2999 & 0xFF);
  EXPECT_EQ(std::to_integer<int>((*last)[3]), 2999 >> 8);
}

TEST(DicomFile, ParsesEveryTransferSyntaxOfTheMatrix) {
  const char* expected[] = {
      "1.2.840.10008.1.2.1",    "1.2.840.10008.1.2",      "1.2.840.10008.1.2.2",
      "1.2.840.10008.1.2.5",    "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.70",
      "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90"};
  for (int i = 1; i <= 9; ++i) {
    auto file = ParseDicomData("transfer_syntax_matrix_mr_dcm_qa_ts/" + std::to_string(i) + ".dcm");
    ASSERT_TRUE(file.ok()) << i << ": " << file.status().ToString();
    EXPECT_EQ(file->TransferSyntaxUid(), expected[i - 1]) << i;
  }
}

}  // namespace
}  // namespace openhi::dicom
