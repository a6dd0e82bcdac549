#include "openhi/store/metadata_document.h"

#include <gtest/gtest.h>

namespace openhi::store {
namespace {

Json Instance(const std::string& sop, const std::string& frame_of_ref) {
  return Json{{"DICOM",
               {{"PatientName", "A^B"},
                {"StudyInstanceUID", "1.2"},
                {"SeriesInstanceUID", "1.2.3"},
                {"FrameOfReferenceUID", frame_of_ref},
                {"SOPInstanceUID", sop},
                {"InstanceNumber", "1 "}}},
              {"DICOMVRs", Json::object()},
              {"ImageFrames", Json::array()}};
}

TEST(MetadataDocument, PlacesAttributesAtTheirNormalizedLevels) {
  MetadataDocument doc("d", "i");
  doc.AddInstance("1.2.3", "9.1", Instance("9.1", "5.5"));
  const Json& j = doc.json();
  EXPECT_EQ(j["SchemaVersion"], "1.1");
  EXPECT_EQ(j["Patient"]["DICOM"]["PatientName"], "A^B");
  EXPECT_EQ(j["Study"]["DICOM"]["StudyInstanceUID"], "1.2");
  EXPECT_EQ(j["Study"]["Series"]["1.2.3"]["DICOM"]["FrameOfReferenceUID"], "5.5");
  const Json& inst = j["Study"]["Series"]["1.2.3"]["Instances"]["9.1"]["DICOM"];
  EXPECT_EQ(inst["InstanceNumber"], "1 ");
  EXPECT_FALSE(inst.contains("PatientName"));
}

TEST(MetadataDocument, KeepsDifferingSeriesValuesPerInstanceSoOriginalsRebuild) {
  // LIDC-style: every slice has its own FrameOfReferenceUID.
  MetadataDocument doc("d", "i");
  doc.AddInstance("1.2.3", "9.1", Instance("9.1", "5.5"));
  doc.AddInstance("1.2.3", "9.2", Instance("9.2", "6.6"));
  EXPECT_EQ(doc.InstanceCount(), 2u);
  EXPECT_EQ(doc.MergedInstance("1.2.3", "9.1")["DICOM"]["FrameOfReferenceUID"], "5.5");
  EXPECT_EQ(doc.MergedInstance("1.2.3", "9.2")["DICOM"]["FrameOfReferenceUID"], "6.6");
  EXPECT_EQ(doc.MergedInstance("1.2.3", "9.2")["DICOM"]["PatientName"], "A^B");
}

TEST(MetadataDocument, AnInstanceLackingALevelAttributeDoesNotGainItOnRebuild) {
  MetadataDocument doc("d", "i");
  Json first = Instance("9.1", "5.5");
  first["DICOM"]["SeriesDescription"] = "AXIAL";
  doc.AddInstance("1.2.3", "9.1", first);
  doc.AddInstance("1.2.3", "9.2", Instance("9.2", "5.5"));  // no SeriesDescription
  const Json& j = doc.json();
  EXPECT_EQ(j["Study"]["Series"]["1.2.3"]["DICOM"]["SeriesDescription"], "AXIAL");
  const Json& second = j["Study"]["Series"]["1.2.3"]["Instances"]["9.2"];
  EXPECT_EQ(second["DICOMAbsentLevelAttributes"], Json::array({"SeriesDescription"}));
  EXPECT_FALSE(j["Study"]["Series"]["1.2.3"]["Instances"]["9.1"].contains("DICOMAbsentLevelAttributes"));
  EXPECT_EQ(doc.MergedInstance("1.2.3", "9.1")["DICOM"]["SeriesDescription"], "AXIAL");
  const Json merged = doc.MergedInstance("1.2.3", "9.2");
  EXPECT_FALSE(merged["DICOM"].contains("SeriesDescription"));
  EXPECT_FALSE(merged.contains("DICOMAbsentLevelAttributes"));
  EXPECT_EQ(merged["DICOM"]["PatientName"], "A^B");
}

TEST(MetadataDocument, RemovingTheLastInstanceRemovesTheSeries) {
  MetadataDocument doc("d", "i");
  doc.AddInstance("1.2.3", "9.1", Instance("9.1", "5.5"));
  EXPECT_TRUE(doc.RemoveInstance("1.2.3", "9.1"));
  EXPECT_FALSE(doc.RemoveInstance("1.2.3", "9.1"));
  EXPECT_EQ(doc.SeriesCount(), 0u);
}

TEST(MetadataDocument, FromJsonRejectsOtherShapes) {
  EXPECT_FALSE(MetadataDocument::FromJson(Json::array()).ok());
  EXPECT_FALSE(MetadataDocument::FromJson(Json{{"Patient", 1}}).ok());
}

}  // namespace
}  // namespace openhi::store
