#include "openhi/ahi/json.h"

#include <gtest/gtest.h>

namespace openhi::ahi {
namespace {

Result<SearchCriteria> Parse(const char* text) { return ParseSearchCriteria(Json::parse(text)); }

TEST(SearchCriteria, AcceptsTheDocumentedCombination) {
  auto c = Parse(R"({"filters":[
      {"operator":"BETWEEN","values":[{"updatedAt":1.0},{"updatedAt":2.0}]},
      {"operator":"EQUAL","values":[{"DICOMSeriesInstanceUID":"1.2.3"}]}],
    "sort":{"sortField":"updatedAt","sortOrder":"ASC"}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->filters.size(), 2u);
  EXPECT_TRUE(c->sort_ascending);
  EXPECT_EQ(SortJson(*c)["sortOrder"], "ASC");
}

TEST(SearchCriteria, NormalisesStudyDateAndTime) {
  auto c = Parse(R"({"filters":[{"operator":"BETWEEN","values":[
      {"DICOMStudyDateAndTime":{"DICOMStudyDate":"20200101"}},
      {"DICOMStudyDateAndTime":{"DICOMStudyDate":"20201231","DICOMStudyTime":"235959.5"}}]}]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->filters[0].values[0].text, "20200101000000.000000");
  EXPECT_EQ(c->filters[0].values[1].text, "20201231235959.500000");
}

TEST(SearchCriteria, RejectsWhatTheServiceRejects) {
  const char* bad[] = {
      R"({"filters":[{"operator":"BETWEEN","values":[{"DICOMPatientId":"a"},{"DICOMPatientId":"b"}]}]})",
      R"({"filters":[{"operator":"EQUAL","values":[{"DICOMPatientId":"a"},{"DICOMPatientId":"b"}]}]})",
      R"({"filters":[{"operator":"LIKE","values":[{"DICOMPatientId":"a"}]}]})",
      R"({"filters":[{"operator":"EQUAL","values":[{"DICOMPatientId":"a"}]},{"operator":"EQUAL","values":[{"DICOMStudyId":"a"}]},{"operator":"EQUAL","values":[{"DICOMStudyId":"b"}]}]})",
      R"({"filters":[{"operator":"EQUAL","values":[{"DICOMPatientId":"a","DICOMStudyId":"b"}]}]})",
      R"({"filters":[{"operator":"EQUAL","values":[{"Nope":"a"}]}]})",
      R"({"sort":{"sortField":"DICOMPatientId","sortOrder":"ASC"}})",
      R"({"filters":[{"operator":"EQUAL","values":[{"DICOMStudyDateAndTime":{"DICOMStudyDate":"2020-01-01"}}]}]})",
      R"([1,2])",
  };
  for (const char* b : bad) {
    EXPECT_EQ(Parse(b).status().code(), StatusCode::kInvalidArgument) << b;
  }
}

TEST(CopyImageSetInformation, ParsesSourceAndDestinationAndRejectsBadShapes) {
  auto ok = ParseCopyImageSetInformation(Json::parse(
      R"({"sourceImageSet":{"latestVersionId":"3","DICOMCopies":{"copiableAttributes":"{}"}},
          "destinationImageSet":{"imageSetId":"x","latestVersionId":"1"}})"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->source_latest_version, 3);
  EXPECT_EQ(ok->copiable_attributes, "{}");
  EXPECT_EQ(ok->destination_image_set_id, "x");
  for (const char* bad : {R"({})", R"({"sourceImageSet":{"latestVersionId":3}})",
                          R"({"sourceImageSet":{"latestVersionId":"0"}})",
                          R"({"sourceImageSet":{"latestVersionId":"1"},"destinationImageSet":{}})"}) {
    EXPECT_EQ(ParseCopyImageSetInformation(Json::parse(bad)).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(Json, ParseJsonReportsBadJsonWithoutThrowing) {
  EXPECT_EQ(ParseJson("{\"a\":").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseJson("{\"a\":1}").ok());
}

TEST(Json, ListImageSetVersionsUsesTheModelsCapitalI) {
  ImageSetVersion v;
  v.image_set_id = "x";
  Json j = ImageSetPropertiesJson(v);
  EXPECT_TRUE(j.contains("ImageSetWorkflowStatus"));
  EXPECT_EQ(j["versionId"], "1");
}

}  // namespace
}  // namespace openhi::ahi
