#include "openhi/ops/series_selector.h"

#include <gtest/gtest.h>

namespace openhi::ops {
namespace {

using nlohmann::json;

DicomSeries MakeSeries(const std::string& uid, json dicom, size_t instances = 1,
                       json vrs = json::object()) {
  DicomSeries s;
  s.study_instance_uid = "1.2.study";
  s.series_instance_uid = uid;
  for (size_t i = 0; i < instances; ++i) {
    s.instances.push_back(DicomInstanceRef{json{{"DICOM", dicom}, {"DICOMVRs", vrs}}, 1});
  }
  return s;
}

DicomStudyList OneStudy(std::vector<DicomSeries> series) {
  DicomStudy study;
  study.study_instance_uid = "1.2.study";
  study.series = std::move(series);
  return {study};
}

// The series UIDs selected by `rules` (kept as given, to test the parser too).
std::vector<std::string> Select(const std::string& rules, const DicomStudyList& studies,
                                SelectionOptions options = {}) {
  auto parsed = SelectionRules::Parse(rules);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return {"<parse error>"};
  auto selected = parsed->Select(studies, options);
  EXPECT_TRUE(selected.ok()) << selected.status().ToString();
  if (!selected.ok()) return {"<select error>"};
  std::vector<std::string> uids;
  for (const SelectedSeries& s : *selected) uids.push_back(s.series.series_instance_uid);
  return uids;
}

// Rules with one selection holding one condition.
std::string One(const std::string& keyword, const std::string& matcher_json) {
  return R"({"selections": [{"name": "s", "conditions": {")" + keyword + "\": " + matcher_json +
         "}}]}";
}

using Uids = std::vector<std::string>;

const DicomStudyList kCtMr = OneStudy({
    MakeSeries("mr", {{"Modality", "MR"}, {"SeriesDescription", "T1 AXIAL POST"},
                      {"SeriesNumber", "12 "}, {"SliceThickness", "5.0"},
                      {"ImageType", {"ORIGINAL", "PRIMARY", "M", "ND"}}}),
    MakeSeries("ct", {{"Modality", "CT"}, {"SeriesDescription", "CT Abdomen Pelvis"},
                      {"SeriesNumber", "3"}, {"SliceThickness", "2.5"}, {"Rows", 512},
                      {"ImageType", {"ORIGINAL", "PRIMARY", "AXIAL"}}}),
    MakeSeries("ct_sec", {{"Modality", "CT"}, {"SeriesDescription", "Dose Report"},
                          {"SeriesNumber", "0"}, {"SliceThickness", "10"},
                          {"ImageType", {"DERIVED", "SECONDARY", "SCREEN SAVE"}}}),
});

TEST(SeriesSelector, TextIsCaseInsensitiveEqualityOrRegexSearch) {
  EXPECT_EQ(Select(One("Modality", R"("ct")"), kCtMr), Uids{"ct"});
  EXPECT_EQ(Select(One("Modality", R"("(?i)mr")"), kCtMr), Uids{"mr"});
  EXPECT_EQ(Select(One("SeriesDescription", R"("abdomen")"), kCtMr), Uids{"ct"});  // anywhere
  EXPECT_EQ(Select(One("SeriesDescription", R"("^abdomen")"), kCtMr), Uids{});
  EXPECT_EQ(Select(One("SeriesDescription", "\"^(Dose|T1)\""), kCtMr), Uids{"mr"});
  EXPECT_EQ(Select(One("SeriesDescription", R"("(?P<x>report)$")"), kCtMr), Uids{"ct_sec"});
}

TEST(SeriesSelector, NumbersMatchExactlyFromIsDsStringsAndJsonNumbers) {
  EXPECT_EQ(Select(One("SeriesNumber", "12"), kCtMr), Uids{"mr"});  // "12 " padded IS
  EXPECT_EQ(Select(One("SliceThickness", "2.5"), kCtMr), Uids{"ct"});
  EXPECT_EQ(Select(One("Rows", "512"), kCtMr), Uids{"ct"});
  EXPECT_EQ(Select(One("Rows", "256"), kCtMr), Uids{});
}

TEST(SeriesSelector, NumericRangesAndRelations) {
  SelectionOptions all;
  all.all_matched = true;
  EXPECT_EQ(Select(One("SliceThickness", "[2.5, 5]"), kCtMr, all), (Uids{"mr", "ct"}));
  EXPECT_EQ(Select(One("SliceThickness", "[3, 10]"), kCtMr, all), (Uids{"mr", "ct_sec"}));
  EXPECT_EQ(Select(One("SliceThickness", R"([5, ">"])"), kCtMr, all), (Uids{"ct_sec"}));
  EXPECT_EQ(Select(One("SliceThickness", R"([5, ">="])"), kCtMr, all), (Uids{"mr", "ct_sec"}));
  EXPECT_EQ(Select(One("SliceThickness", R"([5, "<"])"), kCtMr, all), (Uids{"ct"}));
  EXPECT_EQ(Select(One("SliceThickness", R"([5, "<="])"), kCtMr, all), (Uids{"mr", "ct"}));
  EXPECT_EQ(Select(One("SliceThickness", R"([5, "!="])"), kCtMr, all), (Uids{"ct", "ct_sec"}));
  EXPECT_EQ(Select(One("SliceThickness", R"(["5", ">="])"), kCtMr, all), (Uids{"mr", "ct_sec"}));
}

TEST(SeriesSelector, NumericRegexIsAFullMatchOnTheWrittenValue) {
  SelectionOptions all;
  all.all_matched = true;
  EXPECT_EQ(Select(One("SeriesNumber", R"("1")"), kCtMr, all), Uids{});  // 12: no fullmatch
  EXPECT_EQ(Select(One("SeriesNumber", R"("1\\d")"), kCtMr, all), Uids{"mr"});
  EXPECT_EQ(Select(One("SliceThickness", R"("2\\.5")"), kCtMr, all), Uids{"ct"});
}

TEST(SeriesSelector, ZeroIsAValue) {  // MONAI would treat SeriesNumber 0 as missing
  EXPECT_EQ(Select(One("SeriesNumber", R"([0, "<="])"), kCtMr), Uids{"ct_sec"});
}

TEST(SeriesSelector, MultiValuedAttributesUseSubstringTermsAndExclusions) {
  SelectionOptions all;
  all.all_matched = true;
  EXPECT_EQ(Select(One("ImageType", R"(["PRIMARY", "ORIGINAL"])"), kCtMr, all),
            (Uids{"mr", "ct"}));
  EXPECT_EQ(Select(One("ImageType", R"(["primary", "axial"])"), kCtMr, all), Uids{"ct"});
  EXPECT_EQ(Select(One("ImageType", R"(["PRIMARY", "LOCALIZER"])"), kCtMr, all), Uids{});
  EXPECT_EQ(Select(One("ImageType", R"("!SECONDARY")"), kCtMr, all), (Uids{"mr", "ct"}));
  EXPECT_EQ(Select(One("ImageType", R"(["ORIGINAL", "!AXIAL"])"), kCtMr, all), Uids{"mr"});
  EXPECT_EQ(Select(One("ImageType", R"("secondary")"), kCtMr, all), Uids{"ct_sec"});
  // Substring semantics, as MONAI's str(list): "SCREEN" is inside "SCREEN SAVE".
  EXPECT_EQ(Select(One("ImageType", R"("screen")"), kCtMr, all), Uids{"ct_sec"});
}

TEST(SeriesSelector, ListAndNumberMatchersOnSingleTextValues) {
  auto studies = OneStudy({MakeSeries("one", {{"ImageType", {"ORIGINAL"}}, {"StudyID", "42"}})});
  EXPECT_EQ(Select(One("ImageType", R"(["original"])"), studies), Uids{"one"});
  EXPECT_EQ(Select(One("ImageType", R"(["!original"])"), studies), Uids{});
  EXPECT_EQ(Select(One("StudyID", "42"), studies), Uids{"one"});  // text compared as number
  EXPECT_EQ(Select(One("StudyID", "[40, 50]"), studies), Uids{});  // not a number attribute
}

TEST(SeriesSelector, DicomVrsMarkNumberStrings) {
  // A private tag declared DS in DICOMVRs is numeric: the string matcher is a full match.
  auto studies = OneStudy(
      {MakeSeries("p", {{"00191010", "12.5"}}, 1, json{{"00191010", "DS"}}),
       MakeSeries("q", {{"00191010", "12.5"}}, 1, json{{"00191010", "LO"}})});
  SelectionOptions all;
  all.all_matched = true;
  EXPECT_EQ(Select(One("00191010", R"("12")"), studies, all), Uids{"q"});  // search vs fullmatch
  EXPECT_EQ(Select(One("00191010", R"([12, 13])"), studies, all), Uids{"p"});
}

TEST(SeriesSelector, ImageOrientationPatientByDominantNormalAxis) {
  auto series = [](const std::string& uid, json iop, const char* position) {
    json d{{"ImageOrientationPatient", iop}};
    if (position) d["PatientPosition"] = position;
    return MakeSeries(uid, d);
  };
  auto studies = OneStudy({
      series("axial", {"1", "0", "0", "0", "1", "0"}, "HFS"),
      series("coronal", {"1", "0", "0", "0", "0", "-1"}, "FFS"),
      series("sagittal", {"0", "1", "0", "0", "0", "-1"}, "HFP"),
      series("oblique_axial", {"1", "0", "0", "0", "0.94", "-0.34"}, "HFDL"),
  });
  SelectionOptions all;
  all.all_matched = true;
  EXPECT_EQ(Select(One("ImageOrientationPatient", R"("Axial")"), studies, all),
            (Uids{"axial", "oblique_axial"}));
  EXPECT_EQ(Select(One("ImageOrientationPatient", R"(" coronal ")"), studies, all),
            Uids{"coronal"});
  EXPECT_EQ(Select(One("ImageOrientationPatient", R"("SAGITTAL")"), studies, all),
            Uids{"sagittal"});

  auto bad_name = SelectionRules::Parse(One("ImageOrientationPatient", R"("Oblique")"));
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_name.status().message().find(
                "selections[0].conditions.ImageOrientationPatient"),
            std::string::npos);

  auto rules = SelectionRules::Parse(One("ImageOrientationPatient", R"("Axial")"));
  ASSERT_TRUE(rules.ok());
  for (const char* position : {static_cast<const char*>(nullptr), "SITTING"}) {
    auto no_position = OneStudy({series("x", {"1", "0", "0", "0", "1", "0"}, position)});
    auto r = rules->Select(no_position, {});
    EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);  // as MONAI's NotImplementedError
    EXPECT_NE(r.status().message().find("PatientPosition"), std::string::npos);
  }
}

TEST(SeriesSelector, OrientationIsTestedAfterTheOtherConditions) {
  // A series rejected by Modality never reaches the PatientPosition requirement.
  auto studies = OneStudy({MakeSeries("mr", {{"Modality", "MR"},
                                             {"ImageOrientationPatient", {"1", "0", "0", "0", "1", "0"}}})});
  auto rules = SelectionRules::Parse(
      R"({"selections": [{"conditions": {"ImageOrientationPatient": "Axial", "Modality": "CT"}}]})");
  ASSERT_TRUE(rules.ok());
  auto r = rules->Select(studies, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
}

TEST(SeriesSelector, MissingAttributes) {
  auto studies = OneStudy({MakeSeries("bare", {{"Modality", "CT"}, {"SeriesDescription", ""}})});
  // Numeric, list and content-requiring text matchers fail on a missing value, as in MONAI.
  EXPECT_EQ(Select(One("SeriesNumber", "1"), studies), Uids{});
  EXPECT_EQ(Select(One("SliceThickness", "[1, 5]"), studies), Uids{});
  EXPECT_EQ(Select(One("ImageType", R"(["PRIMARY"])"), studies), Uids{});
  EXPECT_EQ(Select(One("ImageType", R"("!SECONDARY")"), studies), Uids{});
  EXPECT_EQ(Select(One("BodyPartExamined", R"("(?i)abdomen")"), studies), Uids{});
  EXPECT_EQ(Select(One("ImageOrientationPatient", R"("Axial")"), studies), Uids{});
  // The improvement: a pattern that accepts "" accepts a missing (or empty) value.
  EXPECT_EQ(Select(One("StudyDescription", "\"(.*?)\""), studies), Uids{"bare"});
  EXPECT_EQ(Select(One("SeriesDescription", R"(".*")"), studies), Uids{"bare"});
  EXPECT_EQ(Select(One("SeriesDescription", R"("^$|^CT")"), studies), Uids{"bare"});
}

TEST(SeriesSelector, DefaultSpleenRulesSelectACtWithoutDescriptions) {
  auto studies = OneStudy({
      MakeSeries("seg", {{"Modality", "SEG"}}),
      MakeSeries("ct", {{"Modality", "CT"}}),  // neither StudyDescription nor SeriesDescription
  });
  auto rules = SelectionRules::Parse(kSpleenCtSelectionRules);
  ASSERT_TRUE(rules.ok());
  auto r = rules->Select(studies, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].series.series_instance_uid, "ct");
  EXPECT_EQ((*r)[0].selection_name, "CT Series");
}

TEST(SeriesSelector, FirstMatchAllMatchedAndSortByInstanceCount) {
  auto studies = OneStudy({
      MakeSeries("small", {{"Modality", "CT"}}, 2),
      MakeSeries("big", {{"Modality", "CT"}}, 5),
      MakeSeries("mid", {{"Modality", "CT"}}, 3),
      MakeSeries("mid2", {{"Modality", "CT"}}, 3),
  });
  std::string rules = One("Modality", R"("CT")");
  EXPECT_EQ(Select(rules, studies), Uids{"small"});
  SelectionOptions sort_only;
  sort_only.sort_by_sop_instance_count = true;  // without all_matched: no effect, as MONAI
  EXPECT_EQ(Select(rules, studies, sort_only), Uids{"small"});
  SelectionOptions all;
  all.all_matched = true;
  EXPECT_EQ(Select(rules, studies, all), (Uids{"small", "big", "mid", "mid2"}));
  all.sort_by_sop_instance_count = true;
  EXPECT_EQ(Select(rules, studies, all), (Uids{"big", "mid", "mid2", "small"}));  // stable
}

TEST(SeriesSelector, SelectionsStudiesAndNames) {
  DicomStudyList studies = kCtMr;
  DicomStudy other;
  other.study_instance_uid = "1.2.other";
  other.series.push_back(MakeSeries("other_mr", {{"Modality", "MR"}}));
  other.series.back().study_instance_uid = "1.2.other";
  studies.push_back(other);
  DicomStudy none;
  none.study_instance_uid = "1.2.none";
  none.series.push_back(MakeSeries("us", {{"Modality", "US"}}));
  studies.push_back(none);
  auto rules = SelectionRules::Parse(R"({"selections": [
      {"name": "  MR series ", "conditions": {"Modality": "MR"}},
      {"name": "no conditions"},
      {"name": "empty", "conditions": {}},
      {"name": "ignored matchers", "conditions": {"Modality": "CT", "SeriesNumber": 0,
                                                  "BodyPartExamined": "", "X": null}}]})");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  auto r = rules->Select(studies, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].selection_name, "MR series");
  EXPECT_EQ((*r)[0].series.series_instance_uid, "mr");
  EXPECT_EQ((*r)[1].selection_name, "ignored matchers");
  EXPECT_EQ((*r)[1].series.series_instance_uid, "ct");
  EXPECT_EQ((*r)[2].series.series_instance_uid, "other_mr");
  EXPECT_EQ((*r)[2].series.study_instance_uid, "1.2.other");
}

TEST(SeriesSelector, NoRulesSelectEverySeries) {
  for (const char* text : {"", "   \n", "null", "{}"}) {
    auto rules = SelectionRules::Parse(text);
    ASSERT_TRUE(rules.ok()) << text;
    EXPECT_TRUE(rules->selects_all());
    auto r = rules->Select(kCtMr, {});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 3u);
    EXPECT_EQ((*r)[0].selection_name, "");
  }
}

TEST(SeriesSelector, BadRulesAreInvalidArgumentWithTheirLocation) {
  struct Case {
    std::string rules;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"{", "invalid JSON"},
           {"[1]", "expected a JSON object"},
           {R"({"selection": []})", "\"selections\""},
           {R"({"selections": []})", "\"selections\""},
           {R"({"selections": [3]})", "selections[0]: expected an object"},
           {R"({"selections": [{"name": 3}]})", "selections[0].name"},
           {R"({"selections": [{"conditions": [1]}]})", "selections[0].conditions: expected"},
           {R"({"selections": [{"conditions": {"Modality": {"a": 1}}}]})",
            "selections[0].conditions.Modality: a matcher cannot be an object"},
       }) {
    auto r = SelectionRules::Parse(c.rules);
    ASSERT_FALSE(r.ok()) << c.rules;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.rules;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
  }
}

TEST(SeriesSelector, MatchersThatCannotApplyFailWhenUsed) {
  struct Case {
    std::string rules;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {One("Modality", R"("([a-")"), "selections[0].conditions.Modality: invalid regular"},
           {One("SliceThickness", "[1, 2, 3]"), "must be [min, max] or [value"},
           {One("SliceThickness", R"([1, "=~"])"), "unsupported relational operator '=~'"},
           {One("SliceThickness", R"(["a", ">"])"), "is not a number"},
       }) {
    auto rules = SelectionRules::Parse(c.rules);
    ASSERT_TRUE(rules.ok()) << c.rules;  // the problem shows only against a value
    auto r = rules->Select(kCtMr, {});
    ASSERT_FALSE(r.ok()) << c.rules;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("series mr"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace openhi::ops
