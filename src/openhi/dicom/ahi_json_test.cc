#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/test_util.h"

namespace openhi::dicom {
namespace {

using nlohmann::json;
using testing::ParseDicomData;
using testing::RawP10;

json JsonOf(const Bytes& p10) {
  auto file = DicomFile::Parse(p10);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return json();
  json doc = file->ToAhiJson();
  EXPECT_NO_THROW(doc.dump());
  return doc;
}

json JsonOf(const std::string& relative) { return JsonOf(testing::ReadDicomData(relative)); }

Bytes Words(std::initializer_list<uint16_t> words) {
  Bytes out;
  for (uint16_t w : words) {
    out.push_back(static_cast<std::byte>(w & 0xFF));
    out.push_back(static_cast<std::byte>(w >> 8));
  }
  return out;
}

// A dataset written byte by byte, so that padding and VRs are exactly what the test says.
Bytes TypingSample() {
  RawP10 p10;
  p10.Add(0x00080000, "UL", std::string_view("\x10\x00\x00\x00", 4))  // group length: omitted
      .Add(0x00080005, "CS", "ISO_IR 100")
      .Add(0x00080008, "CS", "ORIGINAL")  // CS 2-n, one value
      .Add(0x00080016, "UI", std::string_view("1.2.840.10008.5.1.4.1.1.7\0", 26))
      .Add(0x00080018, "UI", std::string_view("1.2.3.4\0", 8))
      .Add(0x00080050, "SH", "")  // empty
      .Add(0x00080060, "CS", "OT")
      .Add(0x00080070, "LO", "ACME  ")                   // one pad byte plus a real space
      .Add(0x00080080, "LO", "ABC")                      // odd length (invalid): no padding
      .Add(0x00081048, "PN", "Smith^J\\Jones^K ")        // PN 1-n
      .Add(0x00081140, "SQ", "")                         // empty sequence
      .Add(0x00100010, "PN", "M\xFCller^J\xE9r\xF4me ")  // ISO_IR 100 (Latin-1)
      .Add(0x00181063, "DS", "33.3")
      .Add(0x00200011, "IS", "1 ")     // padding kept for IS/DS
      .Add(0x00204000, "LT", "a\\b ")  // LT is never split
      .Add(0x00280008, "IS", "3 ")
      .Add(0x00280009, "AT", std::string_view("\x18\x00\x63\x10", 4))
      .Add(0x00280010, "US", std::string_view("\x02\x00", 2))
      .Add(0x00280011, "US", std::string_view("\x03\x00", 2))
      .Add(0x00280030, "DS", "0.5\\0.125 ")
      .Add(0x00280106, "SS", std::string_view("\xFB\xFF", 2))  // xs in the dictionary
      .Add(0x00281050, "DS", "-40 ")
      .Add(0x00290010, "LO", "ACME PRIVATE")
      .Add(0x00291010, "OB", std::string_view("\x01\x02\x03\x04", 4))
      .Add(0x00291011, "US", std::string_view("\x01\x00\x02\x00", 4));
  p10.BeginSequence(0x00082112)  // SourceImageSequence
      .BeginItem()
      .Add(0x00081150, "UI", std::string_view("1.2.840.10008.5.1.4.1.1.2\0", 26))
      .Add(0x00290010, "LO", "ACME PRIVATE")
      .Add(0x00291010, "LO", "item text ")  // same key as the top-level OB: different VR
      .Add(0x00291012, "FD", std::string_view("\x00\x00\x00\x00\x00\x00\xF8\x7F", 8))  // NaN
      .EndItem()
      .BeginItem()
      .EndItem()
      .EndSequence();
  p10.Add(0x00189087, "FD", std::string_view("\x00\x00\x00\x00\x00\x00\xF0\x3F", 8))   // 1.0
      .Add(0x00182043, "FL", std::string_view("\x33\x33\x33\x41\x00\x00\x80\xBF", 8))  // 11.2,-1
      .Add(0x60000010, "US", std::string_view("\x02\x00", 2))
      .Add(0x60003000, "OW", Words({0x0102, 0x0304}))
      .Add(0x60023000, "OW", Words({0xFFFF}))
      .Add(0x7FE00010, "OW", Words({1, 2, 3, 4, 5, 6}))
      .Add(0xFFFCFFFC, "OB", std::string_view("\0\0", 2));  // trailing padding: omitted
  return p10.Finish();
}

TEST(AhiJson, TypesValuesByVr) {
  const json doc = JsonOf(TypingSample());
  const json& d = doc["DICOM"];
  const json& vrs = doc["DICOMVRs"];
  // Numbers.
  EXPECT_EQ(d["Rows"], 2);
  EXPECT_EQ(d["SmallestImagePixelValue"], -5);
  EXPECT_EQ(d["DiffusionBValue"], 1.0);
  EXPECT_EQ(d["LocalizingCursorPosition"], json::array({11.2, -1.0}));  // FL 2: shortest form
  EXPECT_EQ(d["FrameIncrementPointer"], json::array({"00181063"}));     // AT 1-n
  // IS/DS keep their padding; multi-valued ones become arrays even with one value.
  EXPECT_EQ(d["SeriesNumber"], "1 ");
  EXPECT_EQ(d["FrameTime"], "33.3");
  EXPECT_EQ(d["PixelSpacing"], json::array({"0.5", "0.125 "}));
  EXPECT_EQ(d["WindowCenter"], json::array({"-40 "}));
  // Other strings: one trailing pad byte removed, nothing else.
  EXPECT_EQ(d["ImageType"], json::array({"ORIGINAL"}));
  EXPECT_EQ(d["SpecificCharacterSet"], json::array({"ISO_IR 100"}));
  EXPECT_EQ(d["Modality"], "OT");
  EXPECT_EQ(d["Manufacturer"], "ACME ");
  EXPECT_EQ(d["InstitutionName"], "ABC");
  EXPECT_EQ(d["SOPInstanceUID"], "1.2.3.4");
  EXPECT_EQ(d["PhysiciansOfRecord"], json::array({"Smith^J", "Jones^K"}));
  EXPECT_EQ(d["ImageComments"], "a\\b");
  // Latin-1 (ISO_IR 100) converted to UTF-8.
  EXPECT_EQ(d["PatientName"], "M\xC3\xBCller^J\xC3\xA9r\xC3\xB4me");
  // Empty values and empty sequences are null; Pixel Data is a placeholder.
  EXPECT_TRUE(d["AccessionNumber"].is_null());
  EXPECT_TRUE(d["ReferencedImageSequence"].is_null());
  EXPECT_TRUE(d["PixelData"].is_null());
  // Binary values: base64 of the little-endian bytes.
  EXPECT_EQ(d["OverlayData"], "AgEEAw==");
  EXPECT_EQ(d["00291010"], "AQIDBA==");
  EXPECT_EQ(d["FileMetaInformationVersion"], "AAE=");
  // Repeating groups: the first group has the keyword, the others a hex key plus a VR.
  EXPECT_EQ(d["OverlayRows"], 2);
  EXPECT_EQ(d["60023000"], "//8=");
  EXPECT_EQ(vrs["60023000"], "OW");
  // Private tags: hex keys, VRs recorded, numbers typed, arrays when several values.
  EXPECT_EQ(d["00290010"], "ACME PRIVATE");
  EXPECT_EQ(d["00291011"], json::array({1, 2}));
  EXPECT_EQ(vrs["00290010"], "LO");
  EXPECT_EQ(vrs["00291010"], "OB");
  EXPECT_EQ(vrs["00291011"], "US");
  // A VR that the dictionary cannot give (xs = US or SS) is recorded under the keyword.
  EXPECT_EQ(vrs["SmallestImagePixelValue"], "SS");
  EXPECT_FALSE(vrs.contains("PixelData"));
  EXPECT_FALSE(vrs.contains("Rows"));
  // Group lengths and trailing padding are left out; the file meta is included.
  EXPECT_FALSE(d.contains("FileMetaInformationGroupLength"));
  EXPECT_FALSE(d.contains("00080000"));
  EXPECT_FALSE(d.contains("DataSetTrailingPadding"));
  EXPECT_EQ(d["TransferSyntaxUID"], "1.2.840.10008.1.2.1");
  EXPECT_EQ(d["MediaStorageSOPClassUID"], "1.2.840.10008.5.1.4.1.1.7");
}

TEST(AhiJson, WritesSequencesAsArraysOfItemObjects) {
  const json doc = JsonOf(TypingSample());
  const json& items = doc["DICOM"]["SourceImageSequence"];
  ASSERT_TRUE(items.is_array());
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["ReferencedSOPClassUID"], "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(items[0]["00290010"], "ACME PRIVATE");
  EXPECT_EQ(items[0]["00291010"], "item text");
  EXPECT_EQ(items[0]["00291012"], "NaN");
  // (0029,1010) is OB at the top level but LO here: the item records its own VR. (0029,1012)
  // is new, so it goes to the instance-level map.
  EXPECT_EQ(items[0]["DICOMVRs"], json({{"00291010", "LO"}}));
  EXPECT_EQ(doc["DICOMVRs"]["00291012"], "FD");
  EXPECT_EQ(items[1], json::object());
}

TEST(AhiJson, ConvertsTextToUtf8ByCharacterSet) {
  // No Specific Character Set: valid UTF-8 passes, anything else is read as Latin-1.
  RawP10 none;
  none.Add(0x00100010, "PN", "M\xC3\xBCller ").Add(0x00081030, "LO", "caf\xE9");
  json d = JsonOf(none.Finish())["DICOM"];
  EXPECT_EQ(d["PatientName"], "M\xC3\xBCller");
  EXPECT_EQ(d["StudyDescription"], "caf\xC3\xA9");
  // ISO_IR 192 is UTF-8.
  RawP10 utf8;
  utf8.Add(0x00080005, "CS", "ISO_IR 192").Add(0x00100010, "PN", "\xE5\xB1\xB1\xE7\x94\xB0");
  EXPECT_EQ(JsonOf(utf8.Finish())["DICOM"]["PatientName"], "\xE5\xB1\xB1\xE7\x94\xB0");
  // Another single-byte set goes through DCMTK (ISO_IR 144: Cyrillic, 0xBC = U+041C).
  RawP10 cyrillic;
  cyrillic.Add(0x00080005, "CS", "ISO_IR 144").Add(0x00100010, "PN", "\xBC\xD0");
  EXPECT_EQ(JsonOf(cyrillic.Finish())["DICOM"]["PatientName"], "\xD0\x9C\xD0\xB0");
  // Korean with ISO 2022 escapes (PS3.5 I.2 "Hong^Gildong=洪^吉洞").
  RawP10 korean;
  korean.Add(0x00080005, "CS", "\\ISO 2022 IR 149 ")
      .Add(0x00100010, "PN", "Hong^Gildong=\x1B$)C\xFB\xF3^\x1B$)C\xD1\xCE\xD4\xD7");
  EXPECT_EQ(JsonOf(korean.Finish())["DICOM"]["PatientName"],
            "Hong^Gildong=\xE6\xB4\xAA^\xE5\x90\x89\xE6\xB4\x9E");
  // A set the conversion library lacks (JIS X 0208 through glibc iconv): the 7-bit value with
  // its escape sequences passes through unchanged.
  RawP10 japanese;
  japanese.Add(0x00080005, "CS", "\\ISO 2022 IR 87 ")
      .Add(0x00100010, "PN", "Yamada^Tarou=\x1B$B;3ED\x1B(B^\x1B$BB@O:\x1B(B");
  EXPECT_EQ(JsonOf(japanese.Finish())["DICOM"]["PatientName"],
            "Yamada^Tarou=\x1B$B;3ED\x1B(B^\x1B$BB@O:\x1B(B");
}

TEST(AhiJson, DescribesARealCt) {
  const json doc = JsonOf(std::string("codec_matrix_wg04_ct1/CT1_UNC.dcm"));
  const json& d = doc["DICOM"];
  EXPECT_EQ(d["Rows"], 512);
  EXPECT_EQ(d["PixelRepresentation"], 1);
  EXPECT_EQ(d["ImageType"], json::array({"ORIGINAL", "PRIMARY", "AXIAL"}));
  EXPECT_EQ(d["PixelSpacing"], json::array({"0.661468", "0.661468 "}));
  EXPECT_EQ(d["KVP"], "120 ");
  EXPECT_EQ(d["SeriesNumber"], "1 ");
  EXPECT_EQ(d["PatientName"], "CompressedSamples^CT1");
  EXPECT_TRUE(d["AccessionNumber"].is_null());
  EXPECT_TRUE(d["PixelData"].is_null());
  EXPECT_EQ(d["FileMetaInformationVersion"], "AAE=");
  EXPECT_EQ(d["TransferSyntaxUID"], "1.2.840.10008.1.2.1");
  EXPECT_EQ(d["00090010"], "GEMS_IDEN_01");
  EXPECT_EQ(doc["DICOMVRs"]["00090010"], "LO");
  EXPECT_EQ(d["00431012"], json::array({14, 2, 3}));
  EXPECT_EQ(doc["DICOMVRs"]["00431028"], "OB");
  EXPECT_TRUE(d["00431028"].is_string());
}

TEST(AhiJson, ConvertsUnknownVrElementsToDictionaryTypes) {
  const json d =
      JsonOf(std::string("variety/private_and_sequences/ct_j2k_with_UN_vr.dcm"))["DICOM"];
  EXPECT_EQ(d["PatientName"], "PANCREAS_0001");
  EXPECT_EQ(d["ImageType"], json::array({"ORIGINAL", "PRIMARY", "AXIAL"}));
  EXPECT_EQ(d["InstanceNumber"], "122 ");
  EXPECT_EQ(d["00131010"], "UGFuY3JlYXMtQ1Qg");  // unknown private tag: UN bytes
}

TEST(AhiJson, WritesPrivateAndNestedSequences) {
  const json nested = JsonOf(std::string("variety/private_and_sequences/nested_private_sq.dcm"));
  ASSERT_TRUE(nested["DICOM"]["00010001"].is_array());
  EXPECT_TRUE(nested["DICOM"]["00010001"][0]["00010001"].is_array());
  EXPECT_EQ(nested["DICOMVRs"]["00010001"], "SQ");
  const json sr = JsonOf(std::string("variety/non_image/comprehensive_sr.dcm"));
  const json& content = sr["DICOM"]["ContentSequence"];
  ASSERT_TRUE(content.is_array());
  ASSERT_FALSE(content.empty());
  EXPECT_TRUE(content[0].contains("RelationshipType"));
  const json siemens =
      JsonOf(std::string("variety/private_and_sequences/mr_siemens_csa_private_overlays.dcm"));
  EXPECT_TRUE(siemens["DICOM"]["OverlayData"].is_string());
  EXPECT_EQ(siemens["DICOMVRs"]["00291110"], "OB");
  EXPECT_TRUE(siemens["DICOM"]["00291110"].is_string());
  EXPECT_EQ(siemens["DICOM"]["00290010"], "SIEMENS MEDCOM HEADER");
}

// Every shared file yields a document that dumps (valid UTF-8) and records a VR for every
// hex-keyed top-level attribute.
TEST(AhiJson, EverySharedFileProducesAValidDocument) {
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(OPENHI_SHARED_DIR) / "data" / "dicom")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".dcm") continue;
    auto bytes = testing::ReadDicomData(
        std::filesystem::relative(entry.path(), testing::DicomDataPath("")).string());
    auto file = DicomFile::Parse(bytes);
    if (!file.ok()) continue;
    ++files;
    const json doc = file->ToAhiJson();
    std::string text;
    ASSERT_NO_THROW(text = doc.dump()) << entry.path();
    for (const auto& [key, value] : doc["DICOM"].items()) {
      if (key.size() == 8 && std::isxdigit(static_cast<unsigned char>(key[0])) &&
          std::isdigit(static_cast<unsigned char>(key[1]))) {
        EXPECT_TRUE(doc["DICOMVRs"].contains(key)) << entry.path() << " " << key;
      }
    }
    for (const auto& [key, vr] : doc["DICOMVRs"].items()) {
      ASSERT_TRUE(vr.is_string());
      EXPECT_EQ(vr.get<std::string>().size(), 2u) << entry.path() << " " << key;
    }
  }
  EXPECT_GT(files, 250);
}

TEST(AhiJson, MapsTagsAndKeywords) {
  EXPECT_EQ(KeywordForTag(MakeTag(0x0010, 0x0010)), "PatientName");
  EXPECT_EQ(KeywordForTag(MakeTag(0x0002, 0x0001)), "FileMetaInformationVersion");
  EXPECT_EQ(KeywordForTag(MakeTag(0x0028, 0x0040)), "ImageFormat");  // retired
  EXPECT_EQ(KeywordForTag(MakeTag(0x6000, 0x3000)), "OverlayData");
  EXPECT_EQ(KeywordForTag(MakeTag(0x6002, 0x3000)), "");
  EXPECT_EQ(KeywordForTag(MakeTag(0x0029, 0x1010)), "");
  EXPECT_EQ(KeywordForTag(MakeTag(0x0008, 0x0000)), "");
  EXPECT_EQ(TagForKeyword("PatientName"), MakeTag(0x0010, 0x0010));
  EXPECT_EQ(TagForKeyword("SOPInstanceUID"), MakeTag(0x0008, 0x0018));
  EXPECT_EQ(TagForKeyword("ImageFormat"), MakeTag(0x0028, 0x0040));
  EXPECT_EQ(TagForKeyword("OverlayData"), MakeTag(0x6000, 0x3000));
  EXPECT_EQ(TagForKeyword("NoSuchKeyword"), std::nullopt);
  EXPECT_EQ(TagKey(MakeTag(0x0008, 0x103E)), "0008103E");
}

}  // namespace
}  // namespace openhi::dicom
