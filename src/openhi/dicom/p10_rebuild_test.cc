// Unit tests of DICOMize (p10_rebuild.h): Parse → ToAhiJson → RebuildP10 → Parse round trips
// on synthetic and shared files, VR restoration, character sets, pixel data, errors.
#include "openhi/dicom/p10_rebuild.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "openhi/core/base64.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/test_util.h"

namespace openhi::dicom {
namespace {

using nlohmann::json;
using testing::RawP10;

// Transfer syntaxes whose frames the store keeps encoded (instance_ingest.cc).
bool IsKeptSyntax(const std::string& ts) {
  return ts == "1.2.840.10008.1.2.4.50" || ts == "1.2.840.10008.1.2.4.91" ||
         ts == "1.2.840.10008.1.2.4.203" || ts == "1.2.840.10008.1.2.4.112";
}

// The frames the store would hand back for `file`: decoded, or encoded for kept syntaxes.
RebuildFrames FramesOf(const DicomFile& file) {
  RebuildFrames frames;
  auto px = file.Pixels();
  if (!px.ok()) return frames;
  const std::string ts = file.TransferSyntaxUid();
  const bool kept = px->bits_allocated != 1 && IsKeptSyntax(ts);
  for (uint32_t i = 0; i < px->number_of_frames; ++i) {
    if (kept) {
      auto f = file.EncodedFrame(i);
      EXPECT_TRUE(f.ok()) << f.status().ToString();
      frames.encoded.push_back(std::move(*f));
    } else {
      auto f = file.DecodeFrame(i);
      EXPECT_TRUE(f.ok()) << f.status().ToString();
      frames.decoded.push_back(std::move(*f));
    }
  }
  if (kept) frames.encoded_transfer_syntax = ts;
  return frames;
}

// The document minus the file meta values a rebuild recomputes by design.
json Comparable(json doc) {
  for (const char* k : {"TransferSyntaxUID", "ImplementationClassUID", "ImplementationVersionName",
                        "FileMetaInformationVersion"}) {
    doc["DICOM"].erase(k);
  }
  return doc;
}

// Parse → ToAhiJson → RebuildP10 → Parse: same document (meta aside) and the same pixels.
// Objects without SOP UIDs (private_sq.dcm) get them added for the rebuild and removed after.
void ExpectRoundTrip(const Bytes& original_bytes, const std::string& what) {
  SCOPED_TRACE(what);
  auto original = DicomFile::Parse(original_bytes);
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  json doc = original->ToAhiJson();
  json input = doc;
  std::vector<std::string> added;
  for (const char* k : {"SOPClassUID", "SOPInstanceUID"}) {
    if (!input["DICOM"].contains(k)) {
      input["DICOM"][k] = "1.2.3.999";
      added.push_back(k);
    }
  }
  RebuildFrames frames = FramesOf(*original);
  auto p10 = RebuildP10(input, frames);
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  auto rebuilt = DicomFile::Parse(*p10);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  json again = rebuilt->ToAhiJson();
  for (const std::string& k : added) again["DICOM"].erase(k);
  if (!doc["DICOM"].contains("MediaStorageSOPClassUID")) {
    // RawP10's synthetic meta has fixed values: the rebuilt one must follow the dataset.
    EXPECT_EQ(again["DICOM"]["MediaStorageSOPInstanceUID"], input["DICOM"]["SOPInstanceUID"]);
  }
  EXPECT_EQ(again["DICOM"]["ImplementationClassUID"], kOpenhiImplementationClassUid);
  EXPECT_EQ(again["DICOM"]["TransferSyntaxUID"],
            frames.encoded.empty() ? "1.2.840.10008.1.2.1" : frames.encoded_transfer_syntax);
  const json a = Comparable(doc), b = Comparable(again);
  for (const auto& [k, v] : a["DICOM"].items()) {
    EXPECT_TRUE(b["DICOM"].contains(k)) << "missing " << k;
    if (b["DICOM"].contains(k)) {
      EXPECT_EQ(v, b["DICOM"][k]) << k;
    }
  }
  for (const auto& [k, v] : b["DICOM"].items()) EXPECT_TRUE(a["DICOM"].contains(k)) << "extra " << k;
  EXPECT_EQ(a["DICOMVRs"], b["DICOMVRs"]);
  auto px = original->Pixels();
  if (!px.ok()) return;
  ASSERT_EQ(rebuilt->Pixels()->number_of_frames, px->number_of_frames);
  for (uint32_t i = 0; i < px->number_of_frames; ++i) {
    if (!frames.encoded.empty()) {
      EXPECT_EQ(*rebuilt->EncodedFrame(i), frames.encoded[i]) << "frame " << i;
    } else {
      auto f = rebuilt->DecodeFrame(i);
      ASSERT_TRUE(f.ok()) << f.status().ToString();
      EXPECT_TRUE(f->desc == frames.decoded[i].desc) << "frame " << i;
      EXPECT_TRUE(f->samples == frames.decoded[i].samples) << "frame " << i;
    }
  }
}

void ExpectSharedRoundTrip(const std::string& relative) {
  ExpectRoundTrip(testing::ReadDicomData(relative), relative);
}

// A minimal image instance document (pixel module for `rows`x`cols`, 16-bit).
json MinimalDoc() {
  return json{{"DICOM",
               {{"SOPClassUID", "1.2.840.10008.5.1.4.1.1.7"},
                {"SOPInstanceUID", "1.2.3.4"},
                {"Rows", 2},
                {"Columns", 2},
                {"SamplesPerPixel", 1},
                {"BitsAllocated", 16},
                {"BitsStored", 16},
                {"HighBit", 15},
                {"PixelRepresentation", 0},
                {"PhotometricInterpretation", "MONOCHROME2"},
                {"PixelData", nullptr}}},
              {"DICOMVRs", json::object()}};
}

codec::Image Image2x2(std::initializer_list<uint16_t> values) {
  codec::Image img;
  img.desc = {2, 2, 1, 16, 2, false};
  for (uint16_t v : values) {
    img.samples.push_back(std::byte(v & 0xFF));
    img.samples.push_back(std::byte(v >> 8));
  }
  return img;
}

json ParseBack(const Bytes& p10) {
  auto f = DicomFile::Parse(p10);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? f->ToAhiJson() : json();
}

// --- Round trips ----------------------------------------------------------------------------

TEST(P10Rebuild, RoundTripsAByteExactSyntheticDataset) {
  RawP10 p10;
  p10.Add(0x00080005, "CS", "ISO_IR 100")
      .Add(0x00080008, "CS", "ORIGINAL\\PRIMARY ")
      .Add(0x00080016, "UI", std::string_view("1.2.840.10008.5.1.4.1.1.7\0", 26))
      .Add(0x00080018, "UI", std::string_view("1.2.3.4\0", 8))
      .Add(0x00080070, "LO", "ACME  ")
      .Add(0x00081048, "PN", "Smith^J\\Jones^K ")
      .Add(0x00100010, "PN", "M\xFCller^J\xE9r\xF4me ")
      .Add(0x00181063, "DS", "33.3")
      .Add(0x00200011, "IS", "1 ")
      .Add(0x00204000, "LT", "a\\b ")
      .Add(0x00280009, "AT", std::string_view("\x18\x00\x63\x10", 4))
      .Add(0x00280106, "SS", std::string_view("\xFB\xFF", 2))
      .Add(0x00291010, "OB", std::string_view("\x01\x02\x03\x04", 4))
      .Add(0x00090010, "LO", "ACME 1.0")
      .Add(0x00091001, "FD", std::string_view("\x00\x00\x00\x00\x00\x00\xF0\x3F", 8))
      .Add(0x00181310, "US", std::string_view("\x00\x00\x40\x00\x40\x00\x00\x00", 8))
      .Add(0x00189087, "FD", std::string_view("\x00\x00\x00\x00\x00\x00\xF8\x7F", 8));  // NaN
  p10.BeginSequence(0x00081140)
      .BeginItem()
      .Add(0x00081150, "UI", std::string_view("1.2.3\0", 6))
      .Add(0x00291010, "LO", "in item")  // same private key, another VR: item DICOMVRs
      .EndItem()
      .BeginItem()
      .EndItem()
      .EndSequence();
  ExpectRoundTrip(p10.Finish(), "synthetic");
}

TEST(P10Rebuild, RoundTripsSharedFilesOfEveryKind) {
  for (const char* f : {
           "variety/private_and_sequences/private_sq.dcm",
           "variety/private_and_sequences/mr_siemens_csa_private_overlays.dcm",
           "variety/private_and_sequences/ct_j2k_with_UN_vr.dcm",
           "variety/non_image/comprehensive_sr.dcm",
           "variety/transfer_syntax/MR_small_explicit_be.dcm",
           "variety/transfer_syntax/deflated_explicit_le.dcm",
           "variety/bit_depth/mr_12bit_signed_highbit11.dcm",
           "variety/bit_depth/ct_signed_bitsstored14.dcm",
           "variety/color/us_rgb_planar1.dcm",
           "variety/color/us_palette_color.dcm",
           "variety/color/SC_ybr_full_uncompressed.dcm",  // ISO_IR 192
           "variety/odd_size/SC_rgb_3x3.dcm",
           "variety/multiframe/emri_small_enhanced_mr_10f.dcm",
           "variety/multiframe/emri_small_enhanced_mr_10f_jpegls.dcm",
           "variety/multiframe/siemens_xa10_enhanced_mr_6f.dcm",
           "variety/multiframe/us_ybr_full_422_jpeg_30f.dcm",  // kept: encapsulated, 30 frames
           "variety/color/HTJ2K_08_RGB_lossy.dcm",             // kept HTJ2K (unknown to DCMTK)
           "seg_liver_on_ct_3slice_dcmqi/seg/partial_overlaps.dcm",  // BitsAllocated 1
       }) {
    ExpectSharedRoundTrip(f);
  }
}

TEST(P10Rebuild, NativePixelDataOfANativeOriginalIsByteIdentical) {
  // mr_12bit_signed_highbit11 has garbage above HighBit: only the stored bits come back.
  for (const char* f : {"variety/odd_size/CT_small_128.dcm",
                        "seg_liver_on_ct_3slice_dcmqi/seg/liver.dcm",
                        "variety/color/us_rgb_planar1.dcm"}) {
    SCOPED_TRACE(f);
    Bytes bytes = testing::ReadDicomData(f);
    auto original = DicomFile::Parse(bytes);
    ASSERT_TRUE(original.ok());
    auto p10 = RebuildP10(original->ToAhiJson(), FramesOf(*original));
    ASSERT_TRUE(p10.ok()) << p10.status().ToString();
    // The Pixel Data value is the last element of both files (modulo the pad byte).
    auto value_of = [](const Bytes& file) {
      std::string s(AsStringView(file));
      size_t at = s.rfind(std::string("\xE0\x7F\x10\x00", 4));
      EXPECT_NE(at, std::string::npos);
      uint32_t len = 0;
      std::memcpy(&len, s.data() + at + 8, 4);
      return s.substr(at + 12, len);
    };
    std::string a = value_of(bytes), b = value_of(*p10);
    if (a.size() + 1 == b.size()) a.push_back('\0');
    EXPECT_EQ(a.size(), b.size());
    EXPECT_TRUE(a == b);
  }
}

// --- VRs ------------------------------------------------------------------------------------

TEST(P10Rebuild, RestoresVrsFromItemThenInstanceThenDictionary) {
  json doc = MinimalDoc();
  doc["DICOM"].erase("PixelData");
  doc["DICOM"]["PixelRepresentation"] = 1;
  doc["DICOM"]["SmallestImagePixelValue"] = -5;  // "US or SS": SS from PixelRepresentation
  doc["DICOM"]["00091001"] = 2.5;                // private, recorded FD
  doc["DICOM"]["00090010"] = "ACME";             // private creator, unrecorded: LO
  doc["DICOM"]["00091002"] = "AQIDBA==";         // private, unrecorded: UN
  doc["DICOMVRs"]["00091001"] = "FD";
  doc["DICOM"]["ReferencedSeriesSequence"] =
      json::array({{{"00091001", "text"}, {"DICOMVRs", {{"00091001", "LO"}}}},
                   {{"00091001", 1.5}}});
  auto p10 = RebuildP10(doc, {});
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  json back = ParseBack(*p10);
  EXPECT_EQ(back["DICOM"]["SmallestImagePixelValue"], -5);
  EXPECT_EQ(back["DICOMVRs"]["SmallestImagePixelValue"], "SS");
  EXPECT_EQ(back["DICOMVRs"]["00091001"], "FD");
  EXPECT_EQ(back["DICOMVRs"]["00090010"], "LO");
  EXPECT_EQ(back["DICOMVRs"]["00091002"], "UN");
  EXPECT_EQ(back["DICOM"]["00091002"], "AQIDBA==");
  const json& items = back["DICOM"]["ReferencedSeriesSequence"];
  EXPECT_EQ(items[0]["00091001"], "text");
  EXPECT_EQ(items[0]["DICOMVRs"]["00091001"], "LO");
  EXPECT_EQ(items[1]["00091001"], 1.5);

  doc["DICOM"]["PixelRepresentation"] = 0;
  doc["DICOM"]["SmallestImagePixelValue"] = 5;
  back = ParseBack(*RebuildP10(doc, {}));
  EXPECT_EQ(back["DICOMVRs"]["SmallestImagePixelValue"], "US");
}

// --- Character sets -------------------------------------------------------------------------

TEST(P10Rebuild, ConvertsTextBackToTheSpecificCharacterSet) {
  struct Case {
    const char* charset;
    std::string encoded;  // PatientName bytes in that set
  };
  const Case cases[] = {
      {"ISO_IR 100", "M\xFCller^J\xE9r\xF4me"},
      {"ISO_IR 144", "\xBB\xEE\xDA\xD0\xE8\xDD\xD0"},  // Cyrillic, via DCMTK
      {"ISO_IR 192", "M\xC3\xBCller"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.charset);
    RawP10 p10;
    p10.Add(0x00080005, "CS", c.charset)
        .Add(0x00080016, "UI", std::string_view("1.2.3\0", 6))
        .Add(0x00080018, "UI", std::string_view("1.2.4\0", 6))
        .Add(0x00100010, "PN", c.encoded + (c.encoded.size() % 2 ? " " : ""));
    Bytes original = p10.Finish();
    ExpectRoundTrip(original, c.charset);
    auto f = DicomFile::Parse(original);
    auto rebuilt = RebuildP10(f->ToAhiJson(), {});
    ASSERT_TRUE(rebuilt.ok());
    EXPECT_NE(std::string(AsStringView(*rebuilt)).find(c.encoded), std::string::npos);
  }
  // A character the set cannot hold.
  json doc = MinimalDoc();
  doc["DICOM"].erase("PixelData");
  doc["DICOM"]["SpecificCharacterSet"] = "ISO_IR 100";
  doc["DICOM"]["PatientName"] = "\xE5\xB1\xB1\xE7\x94\xB0";  // 山田
  auto bad = RebuildP10(doc, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("PatientName"), std::string::npos);
}

// --- Pixel data -----------------------------------------------------------------------------

TEST(P10Rebuild, WritesAllFramesOfAMultiFrameInstanceAndChecksTheirCount) {
  json doc = MinimalDoc();
  doc["DICOM"]["NumberOfFrames"] = "3 ";
  RebuildFrames frames;
  for (uint16_t k = 0; k < 3; ++k) frames.decoded.push_back(Image2x2({k, 1, 2, 65535}));
  auto p10 = RebuildP10(doc, frames);
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  auto f = DicomFile::Parse(*p10);
  ASSERT_EQ(f->Pixels()->number_of_frames, 3u);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(f->DecodeFrame(i)->samples, frames.decoded[i].samples);

  frames.decoded.pop_back();
  auto short_frames = RebuildP10(doc, frames);
  ASSERT_FALSE(short_frames.ok());
  EXPECT_EQ(short_frames.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_frames.status().message().find("NumberOfFrames"), std::string::npos);

  frames.decoded.push_back(Image2x2({1, 2, 3, 4}));
  frames.decoded[2].desc.width = 3;
  auto wrong_size = RebuildP10(doc, frames);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.status().message().find("frame 3"), std::string::npos);
}

TEST(P10Rebuild, ShiftsSamplesBackToHighBit) {
  json doc = MinimalDoc();
  doc["DICOM"]["BitsStored"] = 12;
  doc["DICOM"]["HighBit"] = 13;  // stored bits 2..13
  RebuildFrames frames;
  frames.decoded.push_back(Image2x2({0x0FFF, 1, 0, 0x0800}));
  frames.decoded[0].desc.bits_stored = 12;
  auto p10 = RebuildP10(doc, frames);
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  std::string s(AsStringView(*p10));
  EXPECT_EQ(s.substr(s.size() - 8), std::string("\xFC\x3F\x04\x00\x00\x00\x00\x20", 8));
  EXPECT_EQ(DicomFile::Parse(*p10)->DecodeFrame(0)->samples, frames.decoded[0].samples);
}

TEST(P10Rebuild, PacksBinarySegmentationFramesToBits) {
  json doc = MinimalDoc();
  doc["DICOM"]["BitsAllocated"] = 1;
  doc["DICOM"]["BitsStored"] = 1;
  doc["DICOM"]["HighBit"] = 0;
  doc["DICOM"]["Rows"] = 3;
  doc["DICOM"]["Columns"] = 3;
  doc["DICOM"]["NumberOfFrames"] = "2";
  RebuildFrames frames;
  for (int k = 0; k < 2; ++k) {
    codec::Image img;
    img.desc = {3, 3, 1, 1, 1, false};
    for (int i = 0; i < 9; ++i) img.samples.push_back(std::byte((i + k) % 2));
    frames.decoded.push_back(img);
  }
  auto p10 = RebuildP10(doc, frames);
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  std::string s(AsStringView(*p10));
  // 18 bits, contiguous across frames (frame 2 starts at bit 9): 0xAA 0xAA 0x02 + pad byte.
  EXPECT_EQ(s.substr(s.size() - 8), std::string("\x04\x00\x00\x00\xAA\xAA\x02\x00", 8));
  auto f = DicomFile::Parse(*p10);
  for (uint32_t i = 0; i < 2; ++i) EXPECT_EQ(f->DecodeFrame(i)->samples, frames.decoded[i].samples);
}

TEST(P10Rebuild, WritesEncodedFramesEncapsulatedWithAnOffsetTable) {
  json doc = MinimalDoc();
  doc["DICOM"]["NumberOfFrames"] = "2";
  RebuildFrames frames;
  frames.encoded = {ToBytes("\xFF\xD8\x01\x02\xFF\xD9"), ToBytes("\xFF\xD8\x03\xFF\xD9")};
  frames.encoded_transfer_syntax = "1.2.840.10008.1.2.4.50";
  auto p10 = RebuildP10(doc, frames);
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  auto f = DicomFile::Parse(*p10);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->TransferSyntaxUid(), "1.2.840.10008.1.2.4.50");
  EXPECT_EQ(*f->EncodedFrame(0), frames.encoded[0]);
  Bytes second = frames.encoded[1];
  second.push_back(std::byte{0});  // odd fragments are padded
  EXPECT_EQ(*f->EncodedFrame(1), second);
  std::string s(AsStringView(*p10));
  // Basic Offset Table: two entries, 0 and 8 + 6.
  EXPECT_NE(s.find(std::string("\xFE\xFF\x00\xE0\x08\x00\x00\x00\x00\x00\x00\x00\x0E\x00\x00\x00", 16)),
            std::string::npos);

  frames.encoded_transfer_syntax = "1.2.840.10008.1.2.1";
  EXPECT_EQ(RebuildP10(doc, frames).status().code(), StatusCode::kInvalidArgument);
}

// --- BulkDataURI ----------------------------------------------------------------------------

TEST(P10Rebuild, FetchesBulkDataThroughTheResolver) {
  json doc = MinimalDoc();
  doc["DICOM"].erase("PixelData");
  doc["DICOM"]["00291010"] = {{"BulkDataURI", "https://example/bulk/1"}};
  doc["DICOMVRs"]["00291010"] = "OB";
  auto none = RebuildP10(doc, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(none.status().message().find("00291010"), std::string::npos);

  std::string asked;
  BulkDataResolver resolver = [&](std::string_view uri) -> Result<Bytes> {
    asked = std::string(uri);
    return ToBytes("abc");
  };
  auto p10 = RebuildP10(doc, {}, resolver);
  ASSERT_TRUE(p10.ok()) << p10.status().ToString();
  EXPECT_EQ(asked, "https://example/bulk/1");
  EXPECT_EQ(ParseBack(*p10)["DICOM"]["00291010"], Base64Encode(ToBytes(std::string("abc\0", 4))));

  BulkDataResolver failing = [](std::string_view) -> Result<Bytes> { return NotFound("gone"); };
  auto failed = RebuildP10(doc, {}, failing);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kNotFound);
  EXPECT_NE(failed.status().message().find("00291010"), std::string::npos);
}

// --- Bad input ------------------------------------------------------------------------------

TEST(P10Rebuild, RejectsValuesThatDoNotFitTheirVr) {
  struct Case {
    const char* key;
    json value;
  };
  const Case cases[] = {
      {"Rows", "twelve"},          // US given a non-number string
      {"Rows", 70000},             // out of range
      {"Rows", 1.5},               // not an integer
      {"PatientName", 42},         // PN given a number
      {"ReferencedSeriesSequence", "x"},
      {"FrameIncrementPointer", "zz"},  // AT
      {"NoSuchKeyword", "1"},
      {"ZZZZ0000", "1"},
  };
  for (const Case& c : cases) {
    json doc = MinimalDoc();
    doc["DICOM"].erase("PixelData");
    doc["DICOM"][c.key] = c.value;
    auto r = RebuildP10(doc, {});
    ASSERT_FALSE(r.ok()) << c.key << " " << c.value.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.key;
    EXPECT_NE(r.status().message().find(c.key), std::string::npos) << r.status().message();
  }
}

TEST(P10Rebuild, RequiresSopUidsAndFramesForPixelData) {
  json doc = MinimalDoc();
  doc["DICOM"].erase("SOPInstanceUID");
  auto r = RebuildP10(doc, {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("SOPInstanceUID"), std::string::npos);
  doc = MinimalDoc();
  doc["DICOM"].erase("SOPClassUID");
  EXPECT_NE(RebuildP10(doc, {}).status().message().find("SOPClassUID"), std::string::npos);
  EXPECT_EQ(RebuildP10(MinimalDoc(), {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RebuildP10(json::array(), {}).status().code(), StatusCode::kInvalidArgument);
  json no_pixels = MinimalDoc();
  no_pixels["DICOM"].erase("PixelData");
  RebuildFrames frames;
  frames.decoded.push_back(Image2x2({1, 2, 3, 4}));
  EXPECT_EQ(RebuildP10(no_pixels, frames).status().code(), StatusCode::kInvalidArgument);
}

// --- Levels ---------------------------------------------------------------------------------

TEST(P10Rebuild, MergeAhiLevelsLetsTheInstanceWinAndHonoursAbsentAttributes) {
  json patient = {{"PatientName", "A^B"}, {"PatientID", "P1"}};
  json study = {{"StudyInstanceUID", "1.2"}, {"PatientID", "from-study"}};
  json series = {{"SeriesInstanceUID", "1.2.3"}, {"FrameOfReferenceUID", "5.5"},
                 {"SeriesDescription", "s"}};
  json instance = {{"DICOM", {{"SOPInstanceUID", "9"}, {"FrameOfReferenceUID", "6.6"}}},
                   {"DICOMVRs", {{"00091001", "FD"}}},
                   {kAbsentLevelAttributesMember, {"SeriesDescription"}},
                   {"ImageFrames", json::array()}};
  json merged = MergeAhiLevels(patient, study, series, instance);
  EXPECT_EQ(merged["DICOM"]["FrameOfReferenceUID"], "6.6");
  EXPECT_EQ(merged["DICOM"]["PatientName"], "A^B");
  EXPECT_EQ(merged["DICOM"]["PatientID"], "from-study");
  EXPECT_EQ(merged["DICOM"]["SeriesInstanceUID"], "1.2.3");
  EXPECT_FALSE(merged["DICOM"].contains("SeriesDescription"));
  EXPECT_EQ(merged["DICOMVRs"], json({{"00091001", "FD"}}));
  EXPECT_EQ(merged.size(), 2u);
  EXPECT_EQ(MergeAhiLevels(nullptr, nullptr, nullptr, {{"DICOM", {{"A", 1}}}})["DICOMVRs"],
            json::object());
}

}  // namespace
}  // namespace openhi::dicom
