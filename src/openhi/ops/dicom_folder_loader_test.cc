#include "openhi/ops/dicom_folder_loader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <unistd.h>

#include "openhi/ops/dicom_attributes.h"
#include "openhi/synth/synth.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;

fs::path DataDir(const std::string& relative) {
  return fs::path(OPENHI_SHARED_DIR) / "data" / "dicom" / relative;
}

std::shared_ptr<ThreadPool> Pool() {
  static std::shared_ptr<ThreadPool> pool = std::make_shared<ThreadPool>(2);
  return pool;
}

// A fresh temporary folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("openhi_ops_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// Counts for <shared>/data/dicom, from pydicom 2.3.1 (/usr/bin/python3, dcmread(force=True)):
// 263 files; 30 studies and 34 series among the files that have SOPInstanceUID, SOPClassUID,
// StudyInstanceUID and SeriesInstanceUID. DICOMDIR: none in the tree. pydicom reads
// malformed/rtplan_truncated.dcm, the only file of its study, which the loader skips as
// truncated: one study and one series fewer.
constexpr size_t kSharedFiles = 263;
constexpr size_t kSharedStudies = 30 - 1;
constexpr size_t kSharedSeries = 34 - 1;

bool AnyWarningMentions(const FolderLoadResult& r, const std::string& text) {
  for (const std::string& w : r.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(DicomFolderLoader, LoadsTheLidcSeries) {
  auto r = LoadDicomFolder(DataDir("ct_chest_upper_abdomen_lidc0314_2mm"), Pool());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->warnings.empty());
  ASSERT_EQ(r->studies.size(), 1u);
  ASSERT_EQ(r->studies[0].series.size(), 1u);
  const DicomSeries& series = r->studies[0].series[0];
  EXPECT_EQ(series.series_instance_uid,
            "1.3.6.1.4.1.14519.5.2.1.6279.6001.154677396354641150280013275227");
  EXPECT_EQ(series.instances.size(), 138u);
  EXPECT_EQ(GetText(series.instances[0].attributes, "Modality"), "CT");
  EXPECT_EQ(series.instances[0].number_of_frames, 1u);
  ASSERT_NE(series.pixels, nullptr);
}

TEST(DicomFolderLoader, SkipsEveryMalformedFileWithAWarningAndNeverCrashes) {
  fs::path folder = DataDir("malformed");
  auto r = LoadDicomFolder(folder, Pool());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(folder)) files += e.is_regular_file();
  EXPECT_EQ(r->files_seen, files);
  // Every file is either loaded or named in a warning.
  EXPECT_EQ(r->instances_loaded + r->warnings.size(), files);
  for (const char* bad : {"rtplan_truncated.dcm", "MR_truncated_pixeldata.dcm",
                          "j2k_multiframe_too_short.dcm", "bad_vr_value.dcm"}) {
    EXPECT_TRUE(AnyWarningMentions(*r, bad)) << bad;
  }
  for (const std::string& w : r->warnings) EXPECT_EQ(w.rfind("skipped ", 0), 0u) << w;
}

TEST(DicomFolderLoader, LoadsTheWholeSharedDataTree) {
  auto r = LoadDicomFolder(DataDir(""), Pool());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The known series are there, complete.
  std::map<std::string, size_t> instances_by_series;
  size_t series_count = 0;
  std::set<std::string> studies;
  for (const DicomStudy& study : r->studies) {
    EXPECT_TRUE(studies.insert(study.study_instance_uid).second);
    for (const DicomSeries& s : study.series) {
      ++series_count;
      EXPECT_EQ(s.study_instance_uid, study.study_instance_uid);
      instances_by_series[s.series_instance_uid] = s.instances.size();
    }
  }
  EXPECT_EQ(instances_by_series["1.3.6.1.4.1.14519.5.2.1.6279.6001.154677396354641150280013275227"],
            138u);
  EXPECT_EQ(instances_by_series["1.2.826.0.1.3680043.9.4245.3115138630835728997848661150714813892"],
            28u);
  EXPECT_EQ(instances_by_series["1.3.6.1.4.1.14519.5.2.1.4429.7055.197322826283777183783875680644"],
            24u);
  EXPECT_EQ(instances_by_series["1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1"], 3u);
  EXPECT_EQ(series_count, instances_by_series.size());
  EXPECT_EQ(r->files_seen, kSharedFiles);
  EXPECT_EQ(studies.size(), kSharedStudies);
  EXPECT_EQ(series_count, kSharedSeries);
  EXPECT_TRUE(AnyWarningMentions(*r, "rtplan_truncated.dcm"));
}

TEST(DicomFolderLoader, SkipsDicomdirWithAWarning) {
  if (std::system("command -v dcmmkdir > /dev/null 2>&1") != 0) GTEST_SKIP() << "no dcmmkdir";
  TempDir dir;
  synth::SynthOptions o;
  o.output_dir = dir.path() / "SYNTH";
  o.slices = 3;
  o.rows = o.columns = 16;
  auto written = synth::WriteSyntheticSeries(o);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  fs::create_directories(dir.path() / "SERIES");
  for (size_t i = 0; i < written->slices.size(); ++i) {  // DICOM file IDs: IM1, IM2, ...
    fs::rename(written->slices[i].path, dir.path() / "SERIES" / ("IM" + std::to_string(i + 1)));
  }
  fs::remove_all(o.output_dir);
  std::string cmd = "cd '" + dir.path().string() +
                    "' && dcmmkdir --recurse -Nxc +I +id . > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_TRUE(fs::exists(dir.path() / "DICOMDIR"));
  fs::copy_file(dir.path() / "DICOMDIR", dir.path() / "renamed_index.dcm");

  auto r = LoadDicomFolder(dir.path(), Pool());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->instances_loaded, 3u);
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_TRUE(AnyWarningMentions(*r, "/DICOMDIR: DICOMDIR"));
  EXPECT_TRUE(AnyWarningMentions(*r, "renamed_index.dcm: DICOMDIR"));
}

TEST(DicomFolderLoader, KeepsTheHigherAcquisitionNumberAmongDuplicatePositions) {
  TempDir dir;
  synth::SynthOptions o;
  o.output_dir = dir.path();
  o.slices = 4;
  o.rows = o.columns = 16;
  auto written = synth::WriteSyntheticSeries(o);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  fs::remove(dir.path() / "mask.nrrd");
  const synth::SynthSlice& s1 = written->slices[1];
  const synth::SynthSlice& s2 = written->slices[2];
  // z1: a re-acquisition of slice 1 (AcquisitionNumber 5 beats the original's, absent = -1);
  // z2: a copy of slice 2 with a lower AcquisitionNumber than the original's 3.
  fs::copy_file(s1.path, dir.path() / "z1.dcm");
  fs::copy_file(s2.path, dir.path() / "z2.dcm");
  auto modify = [](const fs::path& file, const std::string& uid, const std::string& acq) {
    std::string cmd = "dcmodify -nb -q -i '(0008,0018)=" + uid + "' -i '(0020,0012)=" + acq +
                      "' '" + file.string() + "' > /dev/null 2>&1";
    return std::system(cmd.c_str());
  };
  ASSERT_EQ(modify(dir.path() / "z1.dcm", "1.2.3.4.1", "5"), 0);
  ASSERT_EQ(modify(s2.path, s2.sop_instance_uid, "3"), 0);
  ASSERT_EQ(modify(dir.path() / "z2.dcm", "1.2.3.4.2", "2"), 0);

  auto r = LoadDicomFolder(dir.path(), Pool());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->studies.size(), 1u);
  const DicomSeries& series = r->studies[0].series[0];
  ASSERT_EQ(series.instances.size(), 4u);
  std::vector<std::string> uids;
  for (const auto& inst : series.instances) {
    uids.push_back(GetText(inst.attributes, "SOPInstanceUID").value_or(""));
  }
  // The re-acquisition replaced slice 1 in place; the original slice 2 stayed.
  EXPECT_EQ(uids[0], written->slices[0].sop_instance_uid);
  EXPECT_EQ(uids[1], "1.2.3.4.1");
  EXPECT_EQ(uids[2], s2.sop_instance_uid);
  EXPECT_EQ(uids[3], written->slices[3].sop_instance_uid);
  EXPECT_EQ(r->warnings.size(), 2u);
  EXPECT_TRUE(AnyWarningMentions(*r, "dropped " + s1.path.string()));
  EXPECT_TRUE(AnyWarningMentions(*r, "dropped " + (dir.path() / "z2.dcm").string()));

  // The pixel source follows the kept files.
  std::atomic<int> frames{0};
  ASSERT_TRUE(series.pixels
                  ->ForEachFrame([&](size_t, uint32_t, const codec::Image& image) {
                    EXPECT_EQ(image.desc.width, 16u);
                    ++frames;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(frames.load(), 4);
}

TEST(DicomFolderLoader, ReportsMissingFolderAndNonFolder) {
  EXPECT_EQ(LoadDicomFolder("/nonexistent/openhi", Pool()).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(LoadDicomFolder(DataDir("malformed/bad_vr_value.dcm"), Pool()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(DicomFolderLoader, PixelSourceStopsAtTheFirstError) {
  auto r = LoadDicomFolder(DataDir("seg_liver_on_ct_3slice_dcmqi/ct"), Pool());
  ASSERT_TRUE(r.ok());
  const DicomSeries& series = r->studies[0].series[0];
  Status s = series.pixels->ForEachFrame(
      [](size_t, uint32_t, const codec::Image&) { return Aborted("enough"); });
  EXPECT_EQ(s.code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace openhi::ops
