// The writer operators (DICOM SEG, STL, NIfTI) on a label volume of a synthetic series, run
// through an app graph; outputs checked independently (dciodvfy, pydicom, numpy).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "openhi/app/application.h"
#include "openhi/ops/dicom_folder_loader.h"
#include "openhi/ops/label_volume.h"
#include "openhi/ops/nifti_writer_operator.h"
#include "openhi/ops/seg_writer_operator.h"
#include "openhi/ops/series_selector.h"
#include "openhi/ops/series_to_volume_operator.h"
#include "openhi/ops/stl_writer_operator.h"
#include "openhi/ops/testing/output_checks.h"
#include "openhi/synth/synth.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Emits a fixed LabelVolume on "out".
class LabelSource : public app::Operator {
 public:
  explicit LabelSource(std::shared_ptr<const LabelVolume> v) : value_(std::move(v)) {}
  void Setup(app::OperatorSpec& spec) override { spec.Output<LabelVolume>("out"); }
  Status Compute(app::InputContext&, app::OutputContext& out, app::ExecutionContext&) override {
    return out.Emit<LabelVolume>("out", value_);
  }

 private:
  std::shared_ptr<const LabelVolume> value_;
};

class WriterOperatorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("openhi_writers_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    synth::SynthOptions o;
    o.output_dir = *dir_ / "series";
    o.slices = 12;
    o.rows = 48;
    o.columns = 40;
    o.row_spacing_mm = 8;
    o.column_spacing_mm = 9;
    o.slice_spacing_mm = 10;
    o.noise_sigma_hu = 0;
    o.order = synth::SliceOrder::kDescending;
    auto written = synth::WriteSyntheticSeries(o);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    for (const synth::SynthSlice& s : written->slices) sources_.push_back(s.path);

    auto pool = std::make_shared<ThreadPool>(2);
    auto loaded = LoadDicomFolder(o.output_dir, pool);
    ASSERT_TRUE(loaded.ok());
    auto rules = SelectionRules::Parse(kSpleenCtSelectionRules);
    ASSERT_TRUE(rules.ok());
    auto selected = rules->Select(loaded->studies, {});
    ASSERT_TRUE(selected.ok() && !selected->empty());
    auto volume = BuildSeriesVolume(selected->front(), SeriesToVolumeOptions(), nullptr);
    ASSERT_TRUE(volume.ok()) << volume.status().ToString();
    volume::Mask mask;
    mask.geometry = volume->volume.geometry;
    mask.voxels.resize(mask.geometry.VoxelCount());
    for (size_t i = 0; i < mask.voxels.size(); ++i) {
      mask.voxels[i] = volume->volume.voxels[i] == 50.0f ? 1 : 0;  // the blob (noise off)
    }
    labels_ = new std::shared_ptr<const LabelVolume>(
        std::make_shared<LabelVolume>(MakeLabelVolume(*volume, std::move(mask))));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete labels_;
  }

  // Runs source -> {SEG, STL, NIfTI} writers with `params` per writer; output in `out`.
  Status RunWriters(std::shared_ptr<const LabelVolume> labels, const fs::path& out,
                    const json& seg_params = json::object(),
                    const json& stl_params = json::object(),
                    const json& nifti_params = json::object()) {
    app::Application app;
    OPENHI_RETURN_IF_ERROR(
        app.AddOperator("source", std::make_unique<LabelSource>(std::move(labels))).status());
    OPENHI_ASSIGN_OR_RETURN(app::Operator * seg, app.AddOperator<SegWriterOperator>("seg"));
    OPENHI_ASSIGN_OR_RETURN(app::Operator * stl, app.AddOperator<StlWriterOperator>("stl"));
    OPENHI_ASSIGN_OR_RETURN(app::Operator * nii, app.AddOperator<NiftiWriterOperator>("nii"));
    OPENHI_RETURN_IF_ERROR(seg->SetParameters(seg_params));
    OPENHI_RETURN_IF_ERROR(stl->SetParameters(stl_params));
    OPENHI_RETURN_IF_ERROR(nii->SetParameters(nifti_params));
    OPENHI_RETURN_IF_ERROR(app.AddFlow("source", "out", "seg", "seg_image"));
    OPENHI_RETURN_IF_ERROR(app.AddFlow("source", "out", "stl", "image"));
    OPENHI_RETURN_IF_ERROR(app.AddFlow("source", "out", "nii", "image"));
    app::AppPaths paths;
    paths.output = out;
    return app.Run(app::AppContext(paths, 2));
  }

  static inline fs::path* dir_ = nullptr;
  static inline std::vector<fs::path> sources_;
  static inline std::shared_ptr<const LabelVolume>* labels_ = nullptr;
};

TEST_F(WriterOperatorsTest, WritesAValidSegAnStlAndANifti) {
  ASSERT_NE(labels_, nullptr);
  const LabelVolume& labels = **labels_;
  ASSERT_GT(labels.labels.CountNonZero(), 100u);
  const fs::path out = *dir_ / "out";
  Status s = RunWriters(*labels_, out);
  ASSERT_TRUE(s.ok()) << s.ToString();

  // SEG: <SOPInstanceUID>.dcm, valid, and reads back to exactly the labels.
  std::vector<fs::path> segs = testing::DicomFilesIn(out);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(testing::DciodvfyErrors(segs[0]), std::vector<std::string>());
  std::vector<std::string> uids;
  for (const SliceSource& slice : labels.slices) uids.push_back(slice.sop_instance_uid);
  Status match = testing::CheckSegMatches(segs[0], sources_, labels.labels, uids);
  EXPECT_TRUE(match.ok()) << match.ToString();
  const auto meta = testing::RunCommand(
      "/usr/bin/python3 -c \"import pydicom,sys; d=pydicom.dcmread(sys.argv[1]); "
      "print(d.SOPInstanceUID + '.dcm'); print(d.SeriesDescription); "
      "s=d.SegmentSequence[0]; print(s.SegmentLabel, "
      "s.SegmentedPropertyCategoryCodeSequence[0].CodeValue, "
      "s.SegmentedPropertyTypeCodeSequence[0].CodeValue, s.SegmentAlgorithmName)\" " +
      segs[0].string());
  EXPECT_EQ(meta.output, segs[0].filename().string() +
                             "\nAI generated Seg, not for clinical use.\nSpleen 113343008 "
                             "78961009 volumetric (3D) segmentation of the spleen from CT image\n");

  // STL at MONAI's place, non-empty.
  auto triangles = testing::StlTriangleCount(out / "stl" / "spleen.stl");
  ASSERT_TRUE(triangles.ok()) << triangles.status().ToString();
  EXPECT_GT(*triangles, 100u);

  // NIfTI: the labels back, in RAS (the geometry itself is checked by volume_test).
  const auto nii = testing::RunCommand(
      "/usr/bin/python3 -c \"import gzip,sys,numpy as np; r=gzip.open(sys.argv[1]).read(); "
      "print(int((np.frombuffer(r[352:], np.uint8) != 0).sum()))\" " +
      (out / "nifti" / "label.nii.gz").string());
  EXPECT_EQ(nii.output, std::to_string(labels.labels.CountNonZero()) + "\n");
}

TEST_F(WriterOperatorsTest, HonoursParametersAndSkipsAnEmptyStl) {
  ASSERT_NE(labels_, nullptr);
  auto empty = std::make_shared<LabelVolume>(**labels_);
  std::fill(empty->labels.voxels.begin(), empty->labels.voxels.end(), 0);
  const fs::path out = *dir_ / "out_empty";
  Status s = RunWriters(empty, out, {{"output_file", "seg/result.dcm"}}, json::object(),
                        {{"enabled", false}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(fs::exists(out / "seg" / "result.dcm"));
  EXPECT_EQ(testing::DciodvfyErrors(out / "seg" / "result.dcm"), std::vector<std::string>());
  EXPECT_FALSE(fs::exists(out / "stl"));
  EXPECT_FALSE(fs::exists(out / "nifti"));

  Status strict =
      RunWriters(empty, *dir_ / "out_strict", json::object(), {{"fail_if_empty", true}});
  EXPECT_EQ(strict.code(), StatusCode::kNotFound);
  EXPECT_EQ(strict.message().rfind("stl: ", 0), 0u) << strict.message();
}

TEST_F(WriterOperatorsTest, RejectsBadParametersWithTheirNames) {
  ASSERT_NE(labels_, nullptr);
  Status escape = RunWriters(*labels_, *dir_ / "out_bad", {{"output_file", "../x.dcm"}});
  EXPECT_EQ(escape.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(escape.message().find("output_file"), std::string::npos) << escape.message();

  Status segments = RunWriters(
      *labels_, *dir_ / "out_bad2",
      {{"segments", json::array({{{"label", "Spleen"}, {"category", {{"value", "1"}}}}})}});
  EXPECT_EQ(segments.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(segments.message().find("segments[0].category"), std::string::npos)
      << segments.message();

  Status absolute =
      RunWriters(*labels_, *dir_ / "out_bad3", json::object(), {{"output_file", "/tmp/x.stl"}});
  EXPECT_EQ(absolute.code(), StatusCode::kInvalidArgument);
}

TEST(ParseSegments, ReadsCodesAndDefaults) {
  auto segs = ParseSegments(json::parse(R"([
      {"label": "Liver", "type": {"value": "10200004", "scheme": "SCT", "meaning": "Liver"}},
      {"label": "Spleen", "label_value": 7, "algorithm_name": "a", "algorithm_version": "2"}])"));
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  ASSERT_EQ(segs->size(), 2u);
  EXPECT_EQ((*segs)[0].label_value, 1);
  EXPECT_EQ((*segs)[0].type.value, "10200004");
  EXPECT_EQ((*segs)[0].category.value, "113343008");
  EXPECT_EQ((*segs)[1].label_value, 7);
  EXPECT_EQ((*segs)[1].algorithm_version, "2");
  EXPECT_FALSE(ParseSegments(json::array()).ok());
  EXPECT_FALSE(ParseSegments(json::parse(R"([{"label_value": 1}])")).ok());
  EXPECT_FALSE(ParseSegments(json::parse(R"([{"label": "x", "label_value": 300}])")).ok());
  EXPECT_FALSE(ParseSegments(json::parse(R"([{"label": "x", "colour": 1}])")).ok());
}

}  // namespace
}  // namespace openhi::ops
