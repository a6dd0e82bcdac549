#include "openhi/ops/dicom_attributes.h"

#include <gtest/gtest.h>

#include "openhi/ops/internal/python_regex.h"

namespace openhi::ops {
namespace {

const nlohmann::json kAttrs = nlohmann::json::parse(R"({"DICOM": {
  "SeriesNumber": "3 ", "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
  "PixelSpacing": ["0.5", "0.75"], "Rows": 512, "Empty": null, "Blank": "  ",
  "Joined": "1\\2\\3", "PatientName": {"Alphabetic": "DOE^J"}}})");

TEST(DicomAttributes, ReadsTextNumbersAndLists) {
  EXPECT_EQ(GetText(kAttrs, "SeriesNumber"), "3");
  EXPECT_EQ(GetText(kAttrs, "ImageType"), "ORIGINAL");
  EXPECT_EQ(GetText(kAttrs, "Rows"), "512");
  EXPECT_EQ(GetText(kAttrs, "Missing"), std::nullopt);
  EXPECT_EQ(GetText(kAttrs, "Empty"), std::nullopt);
  EXPECT_EQ(GetText(kAttrs, "Blank"), std::nullopt);
  EXPECT_EQ(GetText(kAttrs, "PatientName"), "DOE^J");
  EXPECT_EQ(GetTextValues(kAttrs, "Joined"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(GetNumbers(kAttrs, "PixelSpacing"), (std::vector<double>{0.5, 0.75}));
  EXPECT_EQ(GetNumbers(kAttrs, "ImageType"), std::nullopt);
  EXPECT_EQ(FindAttribute(kAttrs, "Empty"), nullptr);
}

TEST(DicomAttributes, ParsesAndFormatsNumbers) {
  EXPECT_EQ(ParseNumber(" -1.5e2 "), -150.0);
  EXPECT_EQ(ParseNumber("+2"), 2.0);
  EXPECT_EQ(ParseNumber("2a"), std::nullopt);
  EXPECT_EQ(ParseNumber(""), std::nullopt);
  EXPECT_EQ(ParseNumber("nan"), std::nullopt);
  EXPECT_EQ(FormatNumber(5), "5");
  EXPECT_EQ(FormatNumber(-2.5), "-2.5");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
}

TEST(PythonRegex, TranslatesPythonSyntax) {
  auto re = internal::CompilePythonRegex("(?i)^ct");
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(std::regex_search("CT", *re));
  re = internal::CompilePythonRegex("(?P<kind>abd)omen\\Z");
  ASSERT_TRUE(re.ok()) << re.status().ToString();
  EXPECT_TRUE(std::regex_search("ABDOMEN", *re));
  EXPECT_FALSE(std::regex_search("abdomens", *re));
  re = internal::CompilePythonRegex("\\Achest");
  ASSERT_TRUE(re.ok());
  EXPECT_FALSE(std::regex_search("a chest", *re));
  EXPECT_EQ(internal::CompilePythonRegex("([a-").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openhi::ops
