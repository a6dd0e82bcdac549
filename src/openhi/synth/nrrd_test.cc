#include "openhi/synth/nrrd.h"

#include <gtest/gtest.h>

#include <string>

#include "openhi/core/gzip.h"

namespace openhi::synth {
namespace {

Mask SmallMask() {
  Mask m;
  m.geometry.size = {3, 2, 2};
  m.geometry.origin_mm = {-10.5, 20.25, -1.0 / 3.0};
  m.geometry.spacing_mm = {0.7, 0.8, 2.5};
  m.geometry.direction = {{{0.6, 0.8, 0}, {0, 0, -1}, {-0.8, 0.6, 0}}};
  m.voxels = {0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0};
  return m;
}

Result<Mask> Parse(const std::string& text) { return ParseNrrdMask(AsBytes(text)); }

std::string Header(std::string_view extra) {
  return "NRRD0004\ntype: uint8\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 1 1\n"
         "space directions: (1,0,0) (0,1,0) (0,0,1)\nencoding: raw\nspace origin: (0,0,0)\n" +
         std::string(extra);
}

TEST(Nrrd, RoundTripsMaskAndGeometry) {
  const Mask m = SmallMask();
  Result<Bytes> bytes = EncodeNrrdMask(m);
  ASSERT_TRUE(bytes.ok());
  const std::string_view text = AsStringView(*bytes);
  EXPECT_EQ(text.substr(0, 9), "NRRD0004\n");
  EXPECT_NE(text.find("sizes: 3 2 2\n"), std::string_view::npos);
  EXPECT_NE(text.find("space: left-posterior-superior\n"), std::string_view::npos);
  Result<Mask> back = ParseNrrdMask(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->voxels, m.voxels);
  EXPECT_EQ(back->geometry.size, m.geometry.size);
  EXPECT_EQ(back->geometry.origin_mm, m.geometry.origin_mm);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(back->geometry.spacing_mm[a], m.geometry.spacing_mm[a], 1e-12);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(back->geometry.direction[a][c], m.geometry.direction[a][c], 1e-12);
    }
  }
  EXPECT_EQ(back->CountNonZero(), 4u);
}

TEST(Nrrd, ReadsRasGzipCommentsAndKeyValues) {
  Bytes raw = ToBytes(std::string("\x01\x00", 2));
  Result<Bytes> gz = GzipCompress(raw);
  ASSERT_TRUE(gz.ok());
  std::string text =
      "NRRD0005\r\n# a comment\r\ntype: unsigned char\r\ndimension: 3\r\n"
      "space: right-anterior-superior\r\nsizes: 2 1 1\r\n"
      "space directions: (2,0,0) (0,3,0) (0,0,4)\r\nencoding: gzip\r\nendian: little\r\n"
      "space origin: (1,2,3)\r\nmodality:=label\r\n\r\n";
  text += AsStringView(*gz);
  Result<Mask> m = Parse(text);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(std::vector<uint8_t>(m->voxels.begin(), m->voxels.end()),
            (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(m->geometry.origin_mm, (Vec3{-1, -2, 3}));
  EXPECT_EQ(m->geometry.spacing_mm, (Vec3{2, 3, 4}));
  EXPECT_EQ(m->geometry.direction[0], (Vec3{-1, 0, 0}));
  EXPECT_EQ(m->geometry.direction[1], (Vec3{0, -1, 0}));
}

TEST(Nrrd, RejectsMalformedOrUnsupportedInput) {
  const std::pair<std::string, StatusCode> cases[] = {
      {"", StatusCode::kInvalidArgument},
      {"P5\n", StatusCode::kInvalidArgument},
      {Header("\nx"), StatusCode::kInvalidArgument},                // short data
      {Header("\nxyz"), StatusCode::kInvalidArgument},              // trailing data
      {Header(""), StatusCode::kInvalidArgument},                   // no blank line
      {Header("sizes: 1 1 1\n\nx"), StatusCode::kInvalidArgument},  // duplicate field
      {Header("data file: mask.raw\n"), StatusCode::kUnimplemented},
      {Header("byte skip: -1\n\nxy"), StatusCode::kUnimplemented},
      {"NRRD0004\ntype: float\ndimension: 3\n\n", StatusCode::kUnimplemented},
      {"NRRD0004\ntype: uint8\ndimension: 2\n\n", StatusCode::kUnimplemented},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 100000 100000 100000\n\n",
       StatusCode::kInvalidArgument},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 -1 1\n\n", StatusCode::kInvalidArgument},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nspace: scanner-xyz\n\n",
       StatusCode::kUnimplemented},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nspace: LPS\n"
       "space directions: (1,0,0) (0,0,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: raw\n\nxy",
       StatusCode::kInvalidArgument},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nspace: LPS\n"
       "space directions: (1,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: raw\n\nxy",
       StatusCode::kInvalidArgument},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nspace: LPS\n"
       "space directions: (1,0,0) (0,1,0) (0,0,nan)\nspace origin: (0,0,0)\nencoding: raw\n\nxy",
       StatusCode::kInvalidArgument},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nspace: LPS\n"
       "space directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: bzip2\n\nxy",
       StatusCode::kUnimplemented},
      {"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 1 1\nspace: LPS\n"
       "space directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: gzip\n\nxy",
       StatusCode::kInvalidArgument},
  };
  for (const auto& [text, code] : cases) {
    EXPECT_EQ(Parse(text).status().code(), code) << text;
  }
  ASSERT_TRUE(Parse(Header("\nxy")).ok());
}

TEST(Nrrd, EveryTruncationFailsCleanly) {
  Result<Bytes> bytes = EncodeNrrdMask(SmallMask());
  ASSERT_TRUE(bytes.ok());
  for (size_t n = 0; n < bytes->size(); ++n) {
    EXPECT_FALSE(ParseNrrdMask(ByteView(bytes->data(), n)).ok()) << n;
  }
}

TEST(Nrrd, EncodeRejectsInconsistentMask) {
  Mask m = SmallMask();
  m.voxels.pop_back();
  EXPECT_EQ(EncodeNrrdMask(m).status().code(), StatusCode::kInvalidArgument);
  m = SmallMask();
  m.geometry.spacing_mm[1] = 0;
  EXPECT_EQ(EncodeNrrdMask(m).status().code(), StatusCode::kInvalidArgument);
}

TEST(Nrrd, ReadReportsMissingFile) {
  EXPECT_EQ(ReadNrrdMask("/nonexistent/mask.nrrd").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace openhi::synth
