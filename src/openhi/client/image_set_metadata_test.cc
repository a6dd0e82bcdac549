#include "openhi/client/image_set_metadata.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "openhi/core/file_util.h"
#include "openhi/core/gzip.h"

namespace openhi::client {
namespace {

using nlohmann::json;

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::byte*>(s.data()), s.size());
}

// The real AWS HealthImaging document of a 588-instance CT (../shared/data/ahi-metadata).
Bytes RealDocument() {
  auto bytes = ReadFile(OPENHI_SHARED_DIR "/data/ahi-metadata/ct_588_instances.json");
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : Bytes{};
}

TEST(ImageSetMetadataTest, ParsesTheRealAhiDocument) {
  Bytes doc = RealDocument();
  auto parsed = ImageSetMetadata::Parse(doc);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();

  // Independent reading of the same document with nlohmann::json.
  json j = json::parse(reinterpret_cast<const char*>(doc.data()),
                       reinterpret_cast<const char*>(doc.data()) + doc.size());
  EXPECT_EQ(parsed->datastore_id(), j["DatastoreID"]);
  EXPECT_EQ(parsed->image_set_id(), j["ImageSetID"]);
  EXPECT_EQ(parsed->schema_version(), j["SchemaVersion"]);
  EXPECT_EQ(parsed->study_instance_uid(), j["Study"]["DICOM"]["StudyInstanceUID"]);
  ASSERT_EQ(parsed->series().size(), j["Study"]["Series"].size());

  size_t frames = 0;
  size_t s = 0;
  for (const auto& [series_uid, series_json] : j["Study"]["Series"].items()) {
    const SeriesMetadata& series = parsed->series()[s];
    EXPECT_EQ(series.series_instance_uid, series_uid);
    EXPECT_EQ(series.modality, series_json["DICOM"]["Modality"]);
    ASSERT_EQ(series.instances.size(), series_json["Instances"].size());
    size_t i = 0;
    for (const auto& [sop_uid, inst_json] : series_json["Instances"].items()) {
      const InstanceMetadata& inst = series.instances[i];
      const json& d = inst_json["DICOM"];
      EXPECT_EQ(inst.sop_instance_uid, sop_uid);
      EXPECT_EQ(inst.pixels.rows, d["Rows"].get<uint32_t>());
      EXPECT_EQ(inst.pixels.columns, d["Columns"].get<uint32_t>());
      EXPECT_EQ(inst.pixels.bits_stored, d["BitsStored"].get<uint16_t>());
      EXPECT_EQ(inst.pixels.pixel_representation, d["PixelRepresentation"].get<uint16_t>());
      EXPECT_EQ(inst.instance_number, std::stoll(d["InstanceNumber"].get<std::string>()));
      ASSERT_TRUE(inst.image_position_patient.has_value());
      for (int a = 0; a < 3; ++a) {
        EXPECT_DOUBLE_EQ((*inst.image_position_patient)[a],
                         std::stod(d["ImagePositionPatient"][a].get<std::string>()));
      }
      ASSERT_TRUE(inst.image_orientation_patient.has_value());
      ASSERT_TRUE(inst.pixel_spacing.has_value());
      EXPECT_DOUBLE_EQ(inst.rescale_slope, std::stod(d["RescaleSlope"].get<std::string>()));
      EXPECT_EQ(inst.stored_transfer_syntax_uid, "1.2.840.10008.1.2.4.202");
      ASSERT_EQ(inst.frames.size(), inst_json["ImageFrames"].size());
      for (size_t f = 0; f < inst.frames.size(); ++f) {
        const json& fj = inst_json["ImageFrames"][f];
        EXPECT_EQ(inst.frames[f].id, fj["ID"]);
        const json& sums = fj["PixelDataChecksumFromBaseToFullResolution"];
        ASSERT_EQ(inst.frames[f].checksums.size(), sums.size());
        EXPECT_EQ(inst.frames[f].FullResolutionCrc(), sums.back()["Checksum"].get<uint32_t>());
        EXPECT_EQ(inst.frames[f].checksums.back().width, sums.back()["Width"].get<uint32_t>());
      }
      frames += inst.frames.size();
      ++i;
    }
    // Lazy full attributes equal the document's.
    EXPECT_EQ(parsed->SeriesDicom(s), series_json["DICOM"]);
    EXPECT_EQ(parsed->InstanceObject(s, 0), series_json["Instances"].begin().value());
    ++s;
  }
  EXPECT_EQ(parsed->FrameCount(), frames);
  EXPECT_EQ(frames, 588u);
  EXPECT_EQ(parsed->PatientDicom(), j["Patient"]["DICOM"]);
  EXPECT_EQ(parsed->StudyDicom(), j["Study"]["DICOM"]);
}

TEST(ImageSetMetadataTest, AcceptsGzipAndPlainJsonAlike) {
  Bytes doc = RealDocument();
  auto gz = GzipCompress(doc);
  ASSERT_TRUE(gz.ok());
  auto from_gzip = ImageSetMetadata::Parse(*gz);
  auto from_plain = ImageSetMetadata::Parse(doc);
  ASSERT_TRUE(from_gzip.ok()) << from_gzip.status().ToString();
  ASSERT_TRUE(from_plain.ok());
  EXPECT_EQ(from_gzip->FrameCount(), from_plain->FrameCount());
  EXPECT_EQ(from_gzip->series()[0].instances.back().frames[0].id,
            from_plain->series()[0].instances.back().frames[0].id);
}

TEST(ImageSetMetadataTest, CopiesShareTheParsedDocument) {
  auto parsed = ImageSetMetadata::Parse(RealDocument());
  ASSERT_TRUE(parsed.ok());
  ImageSetMetadata copy = *parsed;
  parsed = Status(StatusCode::kInternal, "dropped");  // the original is gone
  EXPECT_EQ(copy.InstanceObject(0, 0)["DICOM"]["Rows"], 512);
}

// Series-level values apply to instances that lack them; instance values win.
TEST(ImageSetMetadataTest, MergesLevelsInstanceWins) {
  const std::string doc = R"({
    "SchemaVersion": "1.1", "DatastoreID": "d", "ImageSetID": "i",
    "Patient": {"DICOM": {"PatientID": "p"}},
    "Study": {"DICOM": {"StudyInstanceUID": "1.2"},
      "Series": {"1.2.3": {"DICOM": {"SeriesInstanceUID": "1.2.3", "Modality": "CT",
                                     "RescaleSlope": "2", "Rows": 4},
        "Instances": {
          "1.2.3.1": {"DICOM": {"Columns": 5, "ImageOrientationPatient": "1\\0\\0\\0\\1\\0",
                                "ImagePositionPatient": [0, 0, "-1.5 "]},
                      "ImageFrames": [{"ID": "f1"}]},
          "1.2.3.2": {"DICOM": {"Columns": 5, "Rows": 6, "RescaleSlope": "1"},
                      "StoredTransferSyntaxUID": "1.2.840.10008.1.2.4.50",
                      "ImageFrames": [{"ID": "f2"}, {"ID": "f3"}]}}}}}})";
  auto parsed = ImageSetMetadata::Parse(View(doc));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const auto& inst = parsed->series()[0].instances;
  ASSERT_EQ(inst.size(), 2u);
  EXPECT_EQ(inst[0].pixels.rows, 4u);
  EXPECT_EQ(inst[0].rescale_slope, 2.0);
  EXPECT_EQ((*inst[0].image_orientation_patient)[4], 1.0);
  EXPECT_EQ((*inst[0].image_position_patient)[2], -1.5);
  EXPECT_FALSE(inst[0].frames[0].FullResolutionCrc().has_value());
  EXPECT_EQ(inst[1].pixels.rows, 6u);
  EXPECT_EQ(inst[1].rescale_slope, 1.0);
  EXPECT_EQ(inst[1].stored_transfer_syntax_uid, "1.2.840.10008.1.2.4.50");
  EXPECT_EQ(inst[1].frames.size(), 2u);
  EXPECT_EQ(parsed->FrameCount(), 3u);
}

TEST(ImageSetMetadataTest, RejectsMalformedDocumentsWithTheirPath) {
  struct Case {
    std::string doc;
    std::string expected;
  };
  const std::string head = R"({"Patient": {"DICOM": {}}, "Study": {"DICOM": {}, "Series": )";
  const std::vector<Case> cases = {
      {"", "not valid JSON"},
      {"{\"Patient\":", "not valid JSON"},
      {"[1, 2]", "(root): expected an object"},
      {R"({"Study": {}})", "missing \"Patient\""},
      {R"({"Patient": {"DICOM": {}}, "Study": {"DICOM": {}}})", "missing \"Series\""},
      {head + R"({"s": {"DICOM": {}, "Instances": {"i": {"DICOM": {"Rows": "abc"}}}}}}})",
       "Study.Series[s].Instances[i].DICOM.Rows: expected an unsigned integer"},
      {head + R"({"s": {"DICOM": {"ImagePositionPatient": ["1", "2"]}, "Instances": {}}}}})",
       "Study.Series[s].DICOM.ImagePositionPatient: expected 3 decimal values"},
      {head + R"({"s": {"DICOM": {}, "Instances": {"i": {"DICOM": {}, "ImageFrames": [{}]}}}}}})",
       "ImageFrames[0].ID: expected a frame ID string"},
      {head + R"({"s": {"DICOM": {}, "Instances": {"i": {"DICOM": {}, "ImageFrames": [{"ID": "x",
          "PixelDataChecksumFromBaseToFullResolution": [{"Width": 1}]}]}}}}}})",
       "expected {Width, Height, Checksum} entries"},
  };
  for (const Case& c : cases) {
    auto parsed = ImageSetMetadata::Parse(View(c.doc));
    ASSERT_FALSE(parsed.ok()) << c.doc;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.doc;
    EXPECT_NE(parsed.status().message().find(c.expected), std::string::npos)
        << parsed.status().message();
  }
  // Corrupt gzip is data loss, not a JSON error.
  std::string bad_gzip = "\x1f\x8b\x08\x00garbage";
  auto parsed = ImageSetMetadata::Parse(View(bad_gzip));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace openhi::client
