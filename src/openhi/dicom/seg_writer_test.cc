#include "openhi/dicom/seg_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <sstream>

#include "openhi/core/crc32.h"
#include "openhi/core/file_util.h"
#include "openhi/core/ids.h"
#include "openhi/dicom/dicom_file.h"

namespace openhi::dicom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr Tag kSOPClassUID = MakeTag(0x0008, 0x0016);
constexpr Tag kSOPInstanceUID = MakeTag(0x0008, 0x0018);
constexpr Tag kImagePositionPatient = MakeTag(0x0020, 0x0032);
constexpr Tag kImageOrientationPatient = MakeTag(0x0020, 0x0037);
constexpr Tag kPixelSpacing = MakeTag(0x0028, 0x0030);
constexpr Tag kRows = MakeTag(0x0028, 0x0010);
constexpr Tag kColumns = MakeTag(0x0028, 0x0011);

std::vector<double> Numbers(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, '\\')) out.push_back(std::stod(part));
  return out;
}

std::string Get(const DicomFile& f, Tag tag) {
  Result<std::string> value = f.GetString(tag);
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return value.ok() ? *value : std::string();
}

// A single-frame source series sorted along the slice normal, with its grid as a Mask
// geometry (the volume module's convention: origin = first slice, spacing k = slice distance).
struct SourceSeries {
  std::vector<fs::path> files;  // in slice order
  std::vector<SegSourceSlice> sources;
  json first_attributes;
  volume::VolumeGeometry geometry;
};

SourceSeries LoadSeries(const fs::path& dir) {
  struct Slice {
    fs::path path;
    SegSourceSlice source;
    std::vector<double> position;
    double distance = 0;
  };
  std::vector<Slice> slices;
  std::vector<double> iop, spacing;
  size_t rows = 0, cols = 0;
  std::optional<DicomFile> first;
  for (const auto& entry : fs::directory_iterator(dir)) {
    Result<Bytes> bytes = ReadFile(entry.path());
    EXPECT_TRUE(bytes.ok());
    Result<DicomFile> file = DicomFile::Parse(*bytes);
    EXPECT_TRUE(file.ok()) << entry.path();
    Slice s{entry.path(), {Get(*file, kSOPClassUID), Get(*file, kSOPInstanceUID)},
            Numbers(Get(*file, kImagePositionPatient))};
    iop = Numbers(Get(*file, kImageOrientationPatient));
    spacing = Numbers(Get(*file, kPixelSpacing));
    rows = std::stoul(Get(*file, kRows));
    cols = std::stoul(Get(*file, kColumns));
    const std::array<double, 3> normal = {iop[1] * iop[5] - iop[2] * iop[4],
                                          iop[2] * iop[3] - iop[0] * iop[5],
                                          iop[0] * iop[4] - iop[1] * iop[3]};
    for (int a = 0; a < 3; ++a) s.distance += normal[a] * s.position[a];
    slices.push_back(std::move(s));
  }
  std::sort(slices.begin(), slices.end(),
            [](const Slice& a, const Slice& b) { return a.distance < b.distance; });
  SourceSeries series;
  for (const Slice& s : slices) {
    series.files.push_back(s.path);
    series.sources.push_back(s.source);
  }
  Result<Bytes> bytes = ReadFile(slices.front().path);
  series.first_attributes = DicomFile::Parse(*bytes)->ToAhiJson();
  volume::VolumeGeometry& g = series.geometry;
  g.size = {cols, rows, slices.size()};
  g.origin_mm = {slices[0].position[0], slices[0].position[1], slices[0].position[2]};
  const double dz = slices.size() > 1 ? slices[1].distance - slices[0].distance : 1.0;
  g.spacing_mm = {spacing[1], spacing[0], dz};
  g.direction[0] = {iop[0], iop[1], iop[2]};
  g.direction[1] = {iop[3], iop[4], iop[5]};
  g.direction[2] = {iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
                    iop[0] * iop[4] - iop[1] * iop[3]};
  return series;
}

// A synthetic label volume: an ellipsoid of label 1 in the first two thirds of the slices
// (some slices stay empty when there are enough) and, when `second_label`, a box of label 2.
volume::Mask SyntheticMask(const volume::VolumeGeometry& g, bool second_label) {
  volume::Mask m{g, LargeVector<uint8_t>(g.VoxelCount(), 0)};
  const double ci = g.size[0] * 0.4, cj = g.size[1] * 0.55;
  const double ck = g.size[2] < 4 ? 1.0 : g.size[2] * 0.4;
  const double ri = g.size[0] * 0.2, rj = g.size[1] * 0.15;
  const double rk = g.size[2] < 4 ? 1.2 : g.size[2] * 0.25;
  for (size_t k = 0; k < g.size[2]; ++k) {
    for (size_t j = 0; j < g.size[1]; ++j) {
      for (size_t i = 0; i < g.size[0]; ++i) {
        const double d = std::pow((i - ci) / ri, 2) + std::pow((j - cj) / rj, 2) +
                         std::pow((k - ck) / rk, 2);
        if (d <= 1) m.voxels[m.Index(i, j, k)] = 1;
        if (second_label && i >= g.size[0] * 3 / 4 && i < g.size[0] * 3 / 4 + 20 &&
            j >= 10 && j < 30 && k + 1 == g.size[2]) {
          m.voxels[m.Index(i, j, k)] = 2;
        }
      }
    }
  }
  return m;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class SegWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("openhi_seg_test_" + NewId());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes the SEG to the test folder (and, for inspection, a copy to $OPENHI_SEG_TEST_KEEP).
  fs::path Write(const Bytes& bytes) {
    const fs::path path = dir_ / "seg.dcm";
    EXPECT_TRUE(WriteFileAtomic(path, bytes, false).ok());
    if (const char* keep = std::getenv("OPENHI_SEG_TEST_KEEP")) {
      const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
      EXPECT_TRUE(WriteFileAtomic(fs::path(keep) / (name + ".dcm"), bytes, false).ok());
    }
    return path;
  }

  // dciodvfy: the number of "Error" lines; warnings are printed for the report.
  int DciodvfyErrors(const fs::path& seg) {
    const CommandResult r = RunCommand("dciodvfy -new " + seg.string());
    int errors = 0;
    std::stringstream lines(r.output);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("Error", 0) == 0) {
        ++errors;
        ADD_FAILURE() << "dciodvfy: " << line;
      } else if (line.rfind("Warning", 0) == 0) {
        std::printf("dciodvfy %s\n", line.c_str());
      }
    }
    return errors;
  }

  json ReadBack(const fs::path& seg, const SourceSeries& series) {
    std::string command = "/usr/bin/python3 " OPENHI_SOURCE_DIR "/tests/read_seg.py " +
                          seg.string();
    for (const fs::path& f : series.files) command += " " + f.string();
    const CommandResult r = RunCommand(command);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    if (r.exit_code != 0) return json();
    return json::parse(r.output);
  }

  // Checks the read-back slices against `mask` (labels mapped to segment numbers).
  void ExpectSameLabels(const json& back, const SegRequest& request, size_t* nonempty_frames) {
    const volume::Mask& m = *request.labels;
    const size_t n = m.geometry.size[0] * m.geometry.size[1];
    *nonempty_frames = 0;
    for (size_t k = 0; k < m.geometry.size[2]; ++k) {
      std::vector<uint8_t> expected(n, 0);
      std::set<uint8_t> present;
      for (size_t v = 0; v < n; ++v) {
        const uint8_t label = m.voxels[k * n + v];
        for (size_t s = 0; s < request.segments.size(); ++s) {
          if (label != 0 && request.segments[s].label_value == label) {
            expected[v] = static_cast<uint8_t>(s + 1);
            present.insert(label);
          }
        }
      }
      *nonempty_frames += present.size();
      const size_t count = n - std::count(expected.begin(), expected.end(), 0);
      const uint32_t crc = Crc32(ByteView(reinterpret_cast<const std::byte*>(expected.data()), n));
      const json& got = back["slices"][request.sources[k].sop_instance_uid];
      EXPECT_EQ(got[0].get<size_t>(), count) << "slice " << k;
      EXPECT_EQ(got[1].get<uint32_t>(), crc) << "slice " << k;
    }
  }

  SegRequest SpleenRequest(const volume::Mask& mask, const SourceSeries& series) {
    SegRequest r;
    r.labels = &mask;
    r.sources = series.sources;
    r.source_attributes = series.first_attributes;
    r.segments.push_back(SegSegment{});
    r.manufacturer = "openhi test";
    r.algorithm_name = "volumetric (3D) segmentation of the spleen from CT image";
    r.algorithm_version = "0.1.0";
    return r;
  }

  fs::path dir_;
};

TEST_F(SegWriterTest, ThreeSliceCtRoundTripsAndIsValid) {
  const SourceSeries series =
      LoadSeries(fs::path(OPENHI_SHARED_DIR) / "data/dicom/seg_liver_on_ct_3slice_dcmqi/ct");
  ASSERT_EQ(series.sources.size(), 3u);
  const volume::Mask mask = SyntheticMask(series.geometry, /*second_label=*/true);
  ASSERT_GT(mask.CountNonZero(), 0u);
  SegRequest request = SpleenRequest(mask, series);
  SegSegment second;
  second.label_value = 2;
  second.label = "Liver";
  second.type = {"10200004", "SCT", "Liver"};
  request.segments.push_back(second);

  Result<Bytes> seg = WriteBinarySeg(request);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const fs::path path = Write(*seg);
  EXPECT_EQ(DciodvfyErrors(path), 0);
  const json back = ReadBack(path, series);
  ASSERT_FALSE(back.is_null());
  size_t nonempty = 0;
  ExpectSameLabels(back, request, &nonempty);
  const json& meta = back["meta"];
  EXPECT_EQ(meta["NumberOfFrames"].get<size_t>(), nonempty);  // empty frames omitted
  EXPECT_EQ(meta["SeriesDescription"], "AI generated Seg, not for clinical use.");
  EXPECT_EQ(meta["SegmentationType"], "BINARY");
  EXPECT_EQ(meta["BitsAllocated"], 1);
  EXPECT_EQ(meta["Modality"], "SEG");
  const json& src = series.first_attributes["DICOM"];
  EXPECT_EQ(meta["StudyInstanceUID"], src["StudyInstanceUID"]);
  EXPECT_EQ(meta["FrameOfReferenceUID"], src["FrameOfReferenceUID"]);
  EXPECT_EQ(meta["ReferencedSeriesInstanceUID"], src["SeriesInstanceUID"]);
  EXPECT_NE(meta["SeriesInstanceUID"], src["SeriesInstanceUID"]);
  EXPECT_NE(meta["SOPInstanceUID"], src["SOPInstanceUID"]);
  EXPECT_EQ(meta["PatientID"], src.value("PatientID", json("")));
  ASSERT_EQ(meta["Segments"].size(), 2u);
  const json& spleen = meta["Segments"][0];
  EXPECT_EQ(spleen["label"], "Spleen");
  EXPECT_EQ(spleen["category"], json({"113343008", "SCT", "Organ"}));
  EXPECT_EQ(spleen["type"], json({"78961009", "SCT", "Spleen"}));
  EXPECT_EQ(spleen["algorithm_type"], "AUTOMATIC");
  EXPECT_EQ(spleen["family"], json({"123110", "DCM"}));
  EXPECT_EQ(spleen["algorithm_identification"],
            json({request.algorithm_name, request.algorithm_version}));
  EXPECT_EQ(meta["Segments"][1]["type"], json({"10200004", "SCT", "Liver"}));

  // Two writes get distinct series and instance UIDs.
  Result<Bytes> again = WriteBinarySeg(request);
  ASSERT_TRUE(again.ok());
  const json back2 = ReadBack(Write(*again), series);
  EXPECT_NE(back2["meta"]["SeriesInstanceUID"], meta["SeriesInstanceUID"]);
  EXPECT_NE(back2["meta"]["SOPInstanceUID"], meta["SOPInstanceUID"]);
}

TEST_F(SegWriterTest, LidcSeriesWithPerSliceFrameOfReferenceIsValid) {
  const SourceSeries series =
      LoadSeries(fs::path(OPENHI_SHARED_DIR) / "data/dicom/ct_chest_upper_abdomen_lidc0314_2mm");
  ASSERT_EQ(series.sources.size(), 138u);
  const volume::Mask mask = SyntheticMask(series.geometry, /*second_label=*/false);
  SegRequest request = SpleenRequest(mask, series);
  const auto start = std::chrono::steady_clock::now();
  Result<Bytes> seg = WriteBinarySeg(request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  std::printf("LIDC SEG: %zu bytes in %lld ms\n", seg->size(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  const fs::path path = Write(*seg);
  EXPECT_EQ(DciodvfyErrors(path), 0);
  const json back = ReadBack(path, series);
  ASSERT_FALSE(back.is_null());
  size_t nonempty = 0;
  ExpectSameLabels(back, request, &nonempty);
  EXPECT_GT(nonempty, 0u);
  EXPECT_LT(nonempty, 138u);
  EXPECT_EQ(back["meta"]["NumberOfFrames"].get<size_t>(), nonempty);
  EXPECT_EQ(back["meta"]["ReferencedInstances"].get<size_t>(), nonempty);
  // The first slice's frame of reference (the series has one per slice).
  EXPECT_EQ(back["meta"]["FrameOfReferenceUID"],
            series.first_attributes["DICOM"]["FrameOfReferenceUID"]);
}

TEST_F(SegWriterTest, AllEmptyMaskWritesAllFrames) {
  const SourceSeries series =
      LoadSeries(fs::path(OPENHI_SHARED_DIR) / "data/dicom/seg_liver_on_ct_3slice_dcmqi/ct");
  volume::Mask mask{series.geometry, LargeVector<uint8_t>(series.geometry.VoxelCount(), 0)};
  const SegRequest request = SpleenRequest(mask, series);
  Result<Bytes> seg = WriteBinarySeg(request);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const fs::path path = Write(*seg);
  EXPECT_EQ(DciodvfyErrors(path), 0);
  const json back = ReadBack(path, series);
  ASSERT_FALSE(back.is_null());
  EXPECT_EQ(back["meta"]["NumberOfFrames"], 3);
  for (const auto& [uid, counts] : back["slices"].items()) EXPECT_EQ(counts[0], 0) << uid;
}

TEST_F(SegWriterTest, RejectsBadInput) {
  const SourceSeries series =
      LoadSeries(fs::path(OPENHI_SHARED_DIR) / "data/dicom/seg_liver_on_ct_3slice_dcmqi/ct");
  const volume::Mask mask = SyntheticMask(series.geometry, false);
  auto expect_invalid = [](const SegRequest& r, const char* what) {
    Result<Bytes> seg = WriteBinarySeg(r);
    ASSERT_FALSE(seg.ok()) << what;
    EXPECT_EQ(seg.status().code(), StatusCode::kInvalidArgument) << what;
  };
  SegRequest r = SpleenRequest(mask, series);
  r.sources.clear();
  expect_invalid(r, "no sources");
  r = SpleenRequest(mask, series);
  r.sources.pop_back();
  expect_invalid(r, "fewer sources than slices");
  volume::Mask short_mask = mask;
  short_mask.voxels.pop_back();
  r = SpleenRequest(short_mask, series);
  expect_invalid(r, "voxel count mismatch");
  r = SpleenRequest(mask, series);
  r.segments.clear();
  expect_invalid(r, "no segments");
  r = SpleenRequest(mask, series);
  r.labels = nullptr;
  expect_invalid(r, "no labels");
  r = SpleenRequest(mask, series);
  r.segments.push_back(SegSegment{});
  expect_invalid(r, "duplicate label value");
  r = SpleenRequest(mask, series);
  r.algorithm_name.clear();
  expect_invalid(r, "no algorithm name");
  r = SpleenRequest(mask, series);
  r.source_attributes = json::object();
  expect_invalid(r, "no DICOM attributes");
  r = SpleenRequest(mask, series);
  r.source_attributes["DICOM"].erase("StudyInstanceUID");
  expect_invalid(r, "no StudyInstanceUID");
  r = SpleenRequest(mask, series);
  r.sources[1].sop_instance_uid.clear();
  expect_invalid(r, "empty source UID");
}

}  // namespace
}  // namespace openhi::dicom
