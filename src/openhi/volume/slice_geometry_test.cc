#include "openhi/volume/slice_geometry.h"

#include <gtest/gtest.h>

namespace openhi::volume {
namespace {

SliceAttributeText JoinedText() {
  SliceAttributeText t;
  t.image_position_patient = {"-125\\-123.5404569\\5.8360586"};
  t.image_orientation_patient = {"1\\0\\0\\0\\0.9483237\\-0.3173047"};
  t.pixel_spacing = {"0.4882812\\0.5"};
  t.rows = 512;
  t.columns = 256;
  t.rescale_slope = "1.5";
  t.rescale_intercept = "-1024 ";
  t.slice_thickness = "4";
  return t;
}

TEST(ParseSliceGeometry, ReadsBackslashJoinedValues) {
  Result<SliceGeometry> g = ParseSliceGeometry(JoinedText());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_DOUBLE_EQ(g->position[0], -125);
  EXPECT_DOUBLE_EQ(g->position[1], -123.5404569);
  EXPECT_DOUBLE_EQ(g->position[2], 5.8360586);
  EXPECT_DOUBLE_EQ(g->orientation[4], 0.9483237);
  EXPECT_DOUBLE_EQ(g->orientation[5], -0.3173047);
  EXPECT_DOUBLE_EQ(g->pixel_spacing[0], 0.4882812);
  EXPECT_DOUBLE_EQ(g->pixel_spacing[1], 0.5);
  EXPECT_EQ(g->rows, 512u);
  EXPECT_EQ(g->columns, 256u);
  EXPECT_DOUBLE_EQ(g->rescale_slope, 1.5);
  EXPECT_DOUBLE_EQ(g->rescale_intercept, -1024);
  EXPECT_DOUBLE_EQ(g->slice_thickness_mm, 4);
}

TEST(ParseSliceGeometry, SplitValuesGiveTheSameGeometry) {
  SliceAttributeText t = JoinedText();
  t.image_position_patient = {" -125", "-123.5404569", "+5.8360586 "};
  t.image_orientation_patient = {"1", "0", "0", "0", "0.9483237", "-0.3173047"};
  t.pixel_spacing = {"4.882812e-1", "0.5"};
  Result<SliceGeometry> split = ParseSliceGeometry(t);
  Result<SliceGeometry> joined = ParseSliceGeometry(JoinedText());
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->position, joined->position);
  EXPECT_EQ(split->orientation, joined->orientation);
  EXPECT_EQ(split->pixel_spacing, joined->pixel_spacing);
}

TEST(ParseSliceGeometry, AbsentRescaleDefaultsToIdentity) {
  SliceAttributeText t = JoinedText();
  t.rescale_slope.clear();
  t.rescale_intercept.clear();
  t.slice_thickness.clear();
  Result<SliceGeometry> g = ParseSliceGeometry(t);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->rescale_slope, 1);
  EXPECT_EQ(g->rescale_intercept, 0);
  EXPECT_EQ(g->slice_thickness_mm, 0);
}

TEST(ParseSliceGeometry, RejectsMalformedValuesNamingTheAttribute) {
  struct Case {
    void (*mutate)(SliceAttributeText*);
    const char* expected;
  };
  const Case cases[] = {
      {[](SliceAttributeText* t) { t->image_position_patient = {"1\\2"}; }, "ImagePositionPatient"},
      {[](SliceAttributeText* t) { t->image_position_patient = {"1\\2\\x"}; },
       "ImagePositionPatient"},
      {[](SliceAttributeText* t) { t->image_orientation_patient = {"1\\0\\0\\0\\1\\nan"}; },
       "ImageOrientationPatient"},
      {[](SliceAttributeText* t) { t->image_orientation_patient = {"0\\0\\0\\0\\1\\0"}; },
       "ImageOrientationPatient"},
      {[](SliceAttributeText* t) { t->pixel_spacing = {"0.5\\\\0.5"}; }, "PixelSpacing"},
      {[](SliceAttributeText* t) { t->pixel_spacing = {"0.5\\0"}; }, "PixelSpacing"},
      {[](SliceAttributeText* t) { t->pixel_spacing = {}; }, "PixelSpacing"},
      {[](SliceAttributeText* t) { t->rescale_slope = "1.0.0"; }, "RescaleSlope"},
      {[](SliceAttributeText* t) { t->rescale_intercept = "inf"; }, "RescaleIntercept"},
      {[](SliceAttributeText* t) { t->rows = 0; }, "Rows"},
  };
  for (const Case& c : cases) {
    SliceAttributeText t = JoinedText();
    c.mutate(&t);
    Result<SliceGeometry> g = ParseSliceGeometry(t);
    ASSERT_FALSE(g.ok()) << c.expected;
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(g.status().message().find(c.expected), std::string::npos) << g.status().message();
  }
}

}  // namespace
}  // namespace openhi::volume
