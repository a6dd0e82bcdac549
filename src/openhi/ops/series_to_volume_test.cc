#include "openhi/ops/series_to_volume_operator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "openhi/app/app_json.h"
#include "openhi/ops/builtin_operators.h"
#include "openhi/ops/dicom_attributes.h"
#include "openhi/ops/dicom_folder_loader.h"
#include "openhi/ops/series_selector.h"
#include "openhi/synth/synth.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;

const fs::path kLidc =
    fs::path(OPENHI_SHARED_DIR) / "data" / "dicom" / "ct_chest_upper_abdomen_lidc0314_2mm";

std::shared_ptr<ThreadPool> Pool() {
  static std::shared_ptr<ThreadPool> pool = std::make_shared<ThreadPool>(2);
  return pool;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("openhi_s2v_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

Result<SelectedSeries> LoadAndSelect(const fs::path& folder) {
  OPENHI_ASSIGN_OR_RETURN(FolderLoadResult loaded, LoadDicomFolder(folder, Pool()));
  OPENHI_ASSIGN_OR_RETURN(SelectionRules rules, SelectionRules::Parse(kSpleenCtSelectionRules));
  OPENHI_ASSIGN_OR_RETURN(SelectedSeriesList selected, rules.Select(loaded.studies, {}));
  if (selected.empty()) return NotFound("nothing selected");
  return selected.front();
}

// Independent reference from pydicom: per file, sorted by ImagePositionPatient z (ascending,
// the normal of this axial series is +z): SOPInstanceUID, sum of HU, HU at (row 300, col 200).
struct ReferenceSlice {
  std::string sop_instance_uid;
  double hu_sum = 0;
  double hu_sample = 0;
};

std::vector<ReferenceSlice> PydicomReference(const fs::path& folder, const fs::path& work) {
  fs::path script = work / "ref.py";
  fs::path out = work / "ref.txt";
  std::ofstream(script) << R"py(
import sys, os, pydicom, numpy as np
rows = []
for name in os.listdir(sys.argv[1]):
    ds = pydicom.dcmread(os.path.join(sys.argv[1], name))
    hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    rows.append((float(ds.ImagePositionPatient[2]), ds.SOPInstanceUID, hu.sum(), hu[300, 200]))
rows.sort()
with open(sys.argv[2], "w") as f:
    for z, uid, s, v in rows:
        f.write("%s %.1f %.1f\n" % (uid, s, v))
)py";
  std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + folder.string() + "' '" +
                    out.string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return {};
  std::vector<ReferenceSlice> ref;
  std::ifstream in(out);
  ReferenceSlice r;
  while (in >> r.sop_instance_uid >> r.hu_sum >> r.hu_sample) ref.push_back(r);
  return ref;
}

TEST(SeriesToVolume, LidcCtBecomesA512x512x138HounsfieldVolume) {
  auto selected = LoadAndSelect(kLidc);
  ASSERT_TRUE(selected.ok()) << selected.status().ToString();
  std::vector<std::string> warnings;
  auto built = BuildSeriesVolume(*selected, SeriesToVolumeOptions(), &warnings);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_TRUE(warnings.empty());
  const volume::VolumeGeometry& g = built->volume.geometry;
  EXPECT_EQ(g.size, (std::array<size_t, 3>{512, 512, 138}));
  EXPECT_DOUBLE_EQ(g.spacing_mm[0], 0.78125);
  EXPECT_DOUBLE_EQ(g.spacing_mm[1], 0.78125);
  EXPECT_NEAR(g.spacing_mm[2], 2.0, 1e-6);
  EXPECT_NEAR(g.direction[2][2], 1.0, 1e-9);
  ASSERT_EQ(built->slices.size(), 138u);
  EXPECT_EQ(built->series_instance_uid,
            "1.3.6.1.4.1.14519.5.2.1.6279.6001.154677396354641150280013275227");
  EXPECT_EQ(built->selection_name, "CT Series");
  EXPECT_EQ(built->slices[0].sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(GetText(built->first_slice_attributes, "SOPInstanceUID"),
            built->slices[0].sop_instance_uid);
  // Slice 0 is the most inferior (z ascending along the +z normal).
  auto z0 = GetNumbers(built->first_slice_attributes, "ImagePositionPatient");
  ASSERT_TRUE(z0.has_value());
  EXPECT_NEAR(g.origin_mm[2], (*z0)[2], 1e-9);
  EXPECT_NEAR(g.origin_mm[2], -679.8, 0.05);

  // HU plausibility: air outside the body, a wide HU range inside.
  const auto& v = built->volume.voxels;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  EXPECT_LE(*lo, -1000.0f);
  EXPECT_GE(*hi, 1000.0f);
  EXPECT_LT(v[built->volume.Index(5, 5, 70)], -900.0f);  // a corner: air

  TempDir work;
  std::vector<ReferenceSlice> ref = PydicomReference(kLidc, work.path());
  if (ref.empty()) GTEST_SKIP() << "no /usr/bin/python3 with pydicom for the reference";
  ASSERT_EQ(ref.size(), 138u);
  for (size_t k = 0; k < 138; ++k) {
    EXPECT_EQ(built->slices[k].sop_instance_uid, ref[k].sop_instance_uid) << k;
    double sum = 0;
    for (size_t j = 0; j < 512; ++j) {
      for (size_t i = 0; i < 512; ++i) sum += v[built->volume.Index(i, j, k)];
    }
    EXPECT_NEAR(sum, ref[k].hu_sum, 0.5) << k;
    EXPECT_EQ(v[built->volume.Index(200, 300, k)], ref[k].hu_sample) << k;
  }
}

synth::SynthOptions SmallSeries(const fs::path& dir) {
  synth::SynthOptions o;
  o.output_dir = dir;
  o.slices = 6;
  o.rows = 24;
  o.columns = 32;
  o.row_spacing_mm = 16;
  o.column_spacing_mm = 12;
  o.slice_spacing_mm = 7;
  o.noise_sigma_hu = 0;
  o.series_description = "";  // selected anyway (missing description rule)
  return o;
}

TEST(SeriesToVolume, SyntheticDescendingUnsignedSeriesMatchesItsGeometry) {
  TempDir dir;
  synth::SynthOptions o = SmallSeries(dir.path());
  o.order = synth::SliceOrder::kDescending;
  o.orientation = synth::Orientation::kCoronal;
  o.pixel_representation = synth::PixelRepresentation::kUnsigned;  // intercept -1024
  auto written = synth::WriteSyntheticSeries(o);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto selected = LoadAndSelect(dir.path());
  ASSERT_TRUE(selected.ok()) << selected.status().ToString();
  auto built = BuildSeriesVolume(*selected, SeriesToVolumeOptions(), nullptr);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const volume::VolumeGeometry& g = built->volume.geometry;
  const auto& expected = written->geometry;
  EXPECT_EQ(g.size, (std::array<size_t, 3>{32, 24, 6}));
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(g.origin_mm[a], expected.origin_mm[a], 1e-6);
    EXPECT_NEAR(g.spacing_mm[a], expected.spacing_mm[a], 1e-6);
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(g.direction[a][b], expected.direction[a][b], 1e-6);
  }
  for (const synth::SynthSlice& s : written->slices) {
    EXPECT_EQ(built->slices[s.slice_index].sop_instance_uid, s.sop_instance_uid);
  }
  EXPECT_FLOAT_EQ(built->volume.voxels[built->volume.Index(0, 0, 0)], -1000.0f);  // air
}

TEST(SeriesToVolume, GapsAreRejectedByDefaultAndFilledOnRequest) {
  TempDir dir;
  auto written = synth::WriteSyntheticSeries(SmallSeries(dir.path()));
  ASSERT_TRUE(written.ok());
  fs::remove(written->slices[2].path);
  auto selected = LoadAndSelect(dir.path());
  ASSERT_TRUE(selected.ok());
  auto rejected = BuildSeriesVolume(*selected, SeriesToVolumeOptions(), nullptr);
  EXPECT_EQ(rejected.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(rejected.status().message().find("gap"), std::string::npos);

  SeriesToVolumeOptions fill;
  fill.plan.gaps = volume::GapPolicy::kFillEmptySlices;
  fill.plan.empty_slice_value = -1024;
  std::vector<std::string> warnings;
  auto built = BuildSeriesVolume(*selected, fill, &warnings);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->volume.geometry.size[2], 6u);
  EXPECT_TRUE(built->slices[2].sop_instance_uid.empty());
  EXPECT_FLOAT_EQ(built->volume.voxels[built->volume.Index(10, 10, 2)], -1024.0f);
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings[0].rfind("gap", 0), 0u);
}

// Captures the SeriesVolume at the end of an app.json graph.
class CaptureVolume : public app::Operator {
 public:
  static inline std::shared_ptr<const SeriesVolume> last;
  void Setup(app::OperatorSpec& spec) override { spec.Input<SeriesVolume>("image"); }
  Status Compute(app::InputContext& in, app::OutputContext&, app::ExecutionContext&) override {
    OPENHI_ASSIGN_OR_RETURN(last, in.Receive<SeriesVolume>("image"));
    return Status::Ok();
  }
};

std::string PipelineJson(const std::string& rules) {
  return R"({"name": "ct_volume", "operators": [
      {"name": "loader", "type": "DICOMDataLoaderOperator"},
      {"name": "selector", "type": "DICOMSeriesSelectorOperator",
       "params": {"rules": )" + rules + R"(}},
      {"name": "series_to_vol", "type": "DICOMSeriesToVolumeOperator"},
      {"name": "capture", "type": "CaptureVolume"}],
    "flows": [
      {"from": "loader.dicom_study_list", "to": "selector.dicom_study_list"},
      {"from": "selector.study_selected_series_list",
       "to": "series_to_vol.study_selected_series_list"},
      {"from": "series_to_vol.image", "to": "capture.image"}]})";
}

TEST(SeriesToVolume, RunsAsAnAppJsonPipelineOfBuiltinOperators) {
  app::OperatorRegistry registry;
  ASSERT_TRUE(RegisterBuiltinOperators(registry).ok());
  ASSERT_TRUE(registry.Register<CaptureVolume>("CaptureVolume", "test sink").ok());
  EXPECT_EQ(RegisterBuiltinOperators(registry).code(), StatusCode::kAlreadyExists);

  TempDir dir;
  ASSERT_TRUE(synth::WriteSyntheticSeries(SmallSeries(dir.path())).ok());
  app::AppPaths paths;
  paths.input = dir.path();
  app::AppContext ctx(paths, 2);

  auto loaded = app::LoadAppFromText(
      PipelineJson(R"({"selections": [{"name": "CT", "conditions": {"Modality": "CT"}}]})"),
      registry);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  CaptureVolume::last = nullptr;
  Status s = loaded->app->Run(ctx);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NE(CaptureVolume::last, nullptr);
  EXPECT_EQ(CaptureVolume::last->volume.geometry.size, (std::array<size_t, 3>{32, 24, 6}));
  EXPECT_EQ(CaptureVolume::last->selection_name, "CT");

  // Rules given as JSON text, selecting nothing: series-to-volume fails on its input port.
  loaded = app::LoadAppFromText(
      PipelineJson(R"("{\"selections\": [{\"conditions\": {\"Modality\": \"MR\"}}]}")"), registry);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  s = loaded->app->Run(ctx);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "series_to_vol/study_selected_series_list: no series was selected");

  // Bad rules fail the selector with the rule location.
  loaded = app::LoadAppFromText(PipelineJson(R"({"selections": 3})"), registry);
  ASSERT_TRUE(loaded.ok());
  s = loaded->app->Run(ctx);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("selector: parameter 'rules': selection rules:", 0), 0u)
      << s.message();
}

TEST(SeriesToVolume, LoaderFailsOnAnEmptyInputFolder) {
  app::OperatorRegistry registry;
  ASSERT_TRUE(RegisterBuiltinOperators(registry).ok());
  ASSERT_TRUE(registry.Register<CaptureVolume>("CaptureVolume", "test sink").ok());
  TempDir dir;
  app::AppPaths paths;
  paths.input = dir.path();
  auto loaded = app::LoadAppFromText(PipelineJson("\"\""), registry);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Status s = loaded->app->Run(app::AppContext(paths, 1));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message().rfind("loader: no DICOM instance could be loaded", 0), 0u) << s.message();
}

}  // namespace
}  // namespace openhi::ops
