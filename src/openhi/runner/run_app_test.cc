// End to end: the spleen app packages (apps/spleen_seg, apps/spleen_seg_ahi) with the analytic
// band model on a synthetic abdominal phantom, from a folder and through a served store, as a
// library call and through the `openhi` binary. Outputs are checked independently: dciodvfy
// (SEG validity), pydicom (SEG read back slice by slice against the app's NIfTI labels), the STL
// size, and the labels against the phantom's ground truth.
#include "openhi/runner/run_app.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "openhi/app/package.h"
#include "openhi/client/testing/served_store.h"
#include "openhi/core/file_util.h"
#include "openhi/infer/analytic_models.h"
#include "openhi/ops/testing/output_checks.h"
#include "openhi/synth/nrrd.h"
#include "openhi/synth/synth.h"

namespace openhi::runner {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
namespace checks = ops::testing;

struct Phantom {
  fs::path series;  // DICOM files only
  std::vector<fs::path> files;
  std::vector<std::string> slice_uids;  // SOP Instance UID of spatial slice k
  volume::Mask truth;
};

// Copies apps/<name> with the NIfTI output switched on (uncompressed, for the test to read).
fs::path AppWithNifti(const std::string& name, const fs::path& dir) {
  const fs::path app = dir / name;
  fs::create_directories(app);
  std::ifstream in(fs::path(OPENHI_SOURCE_DIR) / "apps" / name / "app.json");
  json doc = json::parse(in);
  for (json& op : doc["operators"]) {
    if (op["type"] == "NiftiWriterOperator") {
      op["params"] = {{"enabled", true}, {"output_file", "nifti/label.nii"}};
    }
  }
  std::ofstream(app / "app.json") << doc.dump(2);
  return app;
}

class RunAppTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("openhi_run_app_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    phantom_ = new Phantom;
    synth::SynthOptions o;
    o.output_dir = *dir_ / "series";
    // The pipeline's own spacing (1.5 x 1.5 x 2.0 mm, RAS after flips): Spacingd keeps it, so the
    // pointwise band model must reproduce the phantom's blob exactly, whatever the file order.
    o.slices = 48;
    o.rows = 112;
    o.columns = 112;
    o.row_spacing_mm = 1.5;
    o.column_spacing_mm = 1.5;
    o.slice_spacing_mm = 2.0;
    o.slice_thickness_mm = 2.0;
    o.noise_sigma_hu = 0;
    o.order = synth::SliceOrder::kShuffled;
    auto written = synth::WriteSyntheticSeries(o);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    auto truth = synth::ReadNrrdMask(written->mask_path);
    ASSERT_TRUE(truth.ok()) << truth.status().ToString();
    phantom_->truth = std::move(*truth);
    fs::remove(written->mask_path);
    phantom_->series = o.output_dir;
    phantom_->slice_uids.resize(written->slices.size());
    for (const synth::SynthSlice& s : written->slices) {
      phantom_->files.push_back(s.path);
      phantom_->slice_uids[s.slice_index] = s.sop_instance_uid;
    }
    fs::create_directories(*dir_ / "models");
    ASSERT_TRUE(infer::SaveBandModel(*dir_ / "models" / "model.ts", 40, 60).ok());
    ASSERT_TRUE(app::CreatePackage(AppWithNifti("spleen_seg", *dir_), *dir_ / "models",
                                   *dir_ / "spleen.tar.gz")
                    .ok());
    ASSERT_TRUE(app::CreatePackage(AppWithNifti("spleen_seg_ahi", *dir_), *dir_ / "models",
                                   *dir_ / "spleen_ahi.tar.gz")
                    .ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete phantom_;
  }

  static app::AppPaths Paths(const fs::path& input, const fs::path& output) {
    app::AppPaths p;
    p.input = input;
    p.output = output;
    p.model.clear();  // the package's
    p.workdir = *dir_;
    return p;
  }

  // The NIfTI labels of a run, on the phantom's grid.
  static volume::Mask ReadLabels(const fs::path& nii) {
    volume::Mask m;
    m.geometry = phantom_->truth.geometry;
    auto bytes = ReadFile(nii);
    EXPECT_TRUE(bytes.ok()) << nii;
    if (!bytes.ok() || bytes->size() != 352 + m.geometry.VoxelCount()) return m;
    m.voxels.resize(m.geometry.VoxelCount());
    std::memcpy(m.voxels.data(), bytes->data() + 352, m.voxels.size());
    return m;
  }

  static double Dice(const volume::Mask& a, const volume::Mask& b) {
    size_t both = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.voxels.size(); ++i) {
      both += a.voxels[i] != 0 && b.voxels[i] != 0;
      na += a.voxels[i] != 0;
      nb += b.voxels[i] != 0;
    }
    return na + nb == 0 ? 0.0 : 2.0 * both / (na + nb);
  }

  // Checks one run's outputs; returns its labels.
  static volume::Mask CheckOutputs(const RunSummary& summary, const fs::path& out) {
    std::vector<fs::path> segs = checks::DicomFilesIn(out);
    EXPECT_EQ(segs.size(), 1u);
    EXPECT_EQ(summary.outputs.size(), 3u);  // SEG, STL, NIfTI
    volume::Mask labels = ReadLabels(out / "nifti" / "label.nii");
    if (segs.size() != 1) return labels;
    EXPECT_EQ(checks::DciodvfyErrors(segs[0]), std::vector<std::string>());
    Status same = checks::CheckSegMatches(segs[0], phantom_->files, labels, phantom_->slice_uids);
    EXPECT_TRUE(same.ok()) << same.ToString();
    auto triangles = checks::StlTriangleCount(out / "stl" / "spleen.stl");
    EXPECT_TRUE(triangles.ok() && *triangles > 100) << triangles.status().ToString();
    const double dice = Dice(labels, phantom_->truth);
    std::printf("Dice vs phantom truth: %.4f (%zu labelled voxels, truth %zu)\n", dice,
                labels.CountNonZero(), phantom_->truth.CountNonZero());
    EXPECT_GE(dice, 0.99);  // exact on this grid (see SetUpTestSuite)
    return labels;
  }

  static inline fs::path* dir_ = nullptr;
  static inline Phantom* phantom_ = nullptr;
};

TEST_F(RunAppTest, RunsThePackagedAppOnAFolder) {
  ASSERT_NE(phantom_, nullptr);
  const fs::path out = *dir_ / "out_folder";
  auto summary = RunAppPackage(*dir_ / "spleen.tar.gz", Paths(phantom_->series, out), 2);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->app.name, "spleen_seg");
  EXPECT_EQ(summary->paths.model.filename(), "models");
  ASSERT_EQ(summary->operators.size(), 7u);
  EXPECT_EQ(summary->operators[0].name, "study_loader_op");
  EXPECT_EQ(summary->operators[0].type, "DICOMDataLoaderOperator");
  EXPECT_EQ(summary->operators[3].type, "TorchSegmentationOperator");
  for (const OperatorRun& r : summary->operators) EXPECT_GE(r.seconds, 0) << r.name;
  CheckOutputs(*summary, out);
  const json j = RunSummaryToJson(*summary);
  EXPECT_EQ(j["outputs"].size(), 3u);
  EXPECT_EQ(j["operators"].size(), 7u);
  // The unpacked package was removed.
  for (const auto& e : fs::directory_iterator(*dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind("openhi-app-", 0), std::string::npos) << e.path();
  }
}

TEST_F(RunAppTest, RunsTheImageSetVariantThroughAServedStoreWithTheSameResult) {
  ASSERT_NE(phantom_, nullptr);
  auto served = client::testing::ServedStore::Start({phantom_->series});
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  const client::ClientConfig config = (*served)->Config();
  ::setenv("AWS_ACCESS_KEY_ID", config.credentials.access_key_id.c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", config.credentials.secret.c_str(), 1);
  ::setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", (*served)->endpoint().c_str(), 1);
  const fs::path input = *dir_ / "request";
  fs::create_directories(input);
  std::ofstream(input / "request.json") << json{{"datastoreId", (*served)->datastore_id()},
                                                {"imageSetId", (*served)->image_set_ids()[0]}};
  // An unpacked package folder this time.
  auto unpacked = app::UnpackPackage(*dir_ / "spleen_ahi.tar.gz", *dir_ / "pkg_ahi");
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();

  const fs::path out = *dir_ / "out_store";
  auto summary = RunAppPackage(*dir_ / "pkg_ahi", Paths(input, out), 2);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->operators[0].type, "AHIDataLoaderOperator");
  volume::Mask from_store = CheckOutputs(*summary, out);

  const fs::path out_folder = *dir_ / "out_folder_ref";
  auto reference = RunAppPackage(*dir_ / "spleen.tar.gz", Paths(phantom_->series, out_folder), 2);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  volume::Mask from_folder = ReadLabels(out_folder / "nifti" / "label.nii");
  EXPECT_TRUE(from_store.voxels == from_folder.voxels) << "store and folder runs differ";
  ::unsetenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING");
}

TEST_F(RunAppTest, ASharedResourceCacheLoadsTheModelOnceAcrossRuns) {
  ASSERT_NE(phantom_, nullptr);
  auto unpacked = app::UnpackPackage(*dir_ / "spleen.tar.gz", *dir_ / "pkg_cached");
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  RunOptions options;
  options.threads = 2;
  options.resources = std::make_shared<app::ResourceCache>();
  volume::Mask first;
  for (int run = 0; run < 2; ++run) {
    const fs::path out = *dir_ / ("out_cached" + std::to_string(run));
    auto summary = RunAppPackage(*dir_ / "pkg_cached", Paths(phantom_->series, out), options);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(options.resources->size(), 1u);  // the TorchScript model, kept after run 1
    volume::Mask labels = ReadLabels(out / "nifti" / "label.nii");
    if (run == 0) first = std::move(labels);
    else EXPECT_TRUE(labels.voxels == first.voxels) << "the cached model segments differently";
  }
}

TEST_F(RunAppTest, ACancelledTokenStopsTheRunWithoutOutputs) {
  ASSERT_NE(phantom_, nullptr);
  CancellationToken token;
  token.Cancel();
  RunOptions options;
  options.threads = 2;
  options.cancel = &token;
  const fs::path out = *dir_ / "out_cancelled";
  auto summary = RunAppPackage(*dir_ / "spleen.tar.gz", Paths(phantom_->series, out), options);
  EXPECT_TRUE(IsCancelledError(summary.status())) << summary.status().ToString();
  EXPECT_TRUE(checks::DicomFilesIn(out).empty());
  // An expired deadline (InvocationTimeoutSeconds in hosting) stops it the same way.
  CancellationToken expired(CancellationToken::Clock::now());
  options.cancel = &expired;
  summary = RunAppPackage(*dir_ / "spleen.tar.gz", Paths(phantom_->series, out), options);
  EXPECT_TRUE(IsCancelledError(summary.status())) << summary.status().ToString();
}

TEST_F(RunAppTest, TheCliPackagesAndRunsHonouringHoloscanAndMonaiVariables) {
  ASSERT_NE(phantom_, nullptr);
  const std::string bin = std::string(OPENHI_BINARY_DIR) + "/openhi";
  const fs::path pkg = *dir_ / "cli.tar.gz";
  auto packaged =
      checks::RunCommand(bin + " package " + OPENHI_SOURCE_DIR + "/apps/spleen_seg -m " +
                         (*dir_ / "models").string() + " -o " + pkg.string());
  ASSERT_EQ(packaged.exit_code, 0) << packaged.output;
  EXPECT_NE(packaged.output.find("\"spleen_seg\""), std::string::npos) << packaged.output;

  const fs::path out = *dir_ / "out_cli";
  auto run = checks::RunCommand(
      "HOLOSCAN_OUTPUT_PATH=" + out.string() + " MONAI_INPUTPATH=" + phantom_->series.string() +
      " MONAI_OUTPUTPATH=/nonexistent/ignored " + bin + " run " + pkg.string() + " --threads 2 > " +
      (*dir_ / "summary.json").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto stdout_bytes = ReadFile(*dir_ / "summary.json");
  ASSERT_TRUE(stdout_bytes.ok());
  const json summary = json::parse(
      std::string(reinterpret_cast<const char*>(stdout_bytes->data()), stdout_bytes->size()),
      nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << run.output;
  EXPECT_EQ(summary["outputs"].size(), 2u) << run.output;  // NIfTI off in apps/spleen_seg
  EXPECT_EQ(summary["paths"]["output"], out.string());
  std::vector<fs::path> segs = checks::DicomFilesIn(out);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(checks::DciodvfyErrors(segs[0]), std::vector<std::string>());
  auto triangles = checks::StlTriangleCount(out / "stl" / "spleen.stl");
  EXPECT_TRUE(triangles.ok() && *triangles > 100);

  // Errors: a typed message on stderr and the service exit code.
  auto missing = checks::RunCommand(bin + " run " + (*dir_ / "nope.tar.gz").string() + " -i " +
                                    phantom_->series.string() + " -o " + out.string());
  EXPECT_EQ(missing.exit_code, 254) << missing.output;
  EXPECT_NE(missing.output.find("does not exist"), std::string::npos) << missing.output;
}

TEST_F(RunAppTest, ReportsBadPackagesAndMissingModels) {
  ASSERT_NE(phantom_, nullptr);
  EXPECT_EQ(RunAppPackage(*dir_ / "none", Paths(phantom_->series, *dir_ / "o1")).status().code(),
            StatusCode::kNotFound);

  const fs::path bad = *dir_ / "bad_app";
  fs::create_directories(bad);
  std::ofstream(bad / "app.json") << R"({"operators": [{"name": "x", "type": "NoSuchOperator"}]})";
  auto unknown = RunAppPackage(bad, Paths(phantom_->series, *dir_ / "o2"));
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("NoSuchOperator"), std::string::npos);

  // The app folder itself has no models: the inference operator names the missing file.
  app::AppPaths paths = Paths(phantom_->series, *dir_ / "o3");
  auto no_model = RunAppPackage(fs::path(OPENHI_SOURCE_DIR) / "apps" / "spleen_seg", paths, 2);
  EXPECT_EQ(no_model.status().code(), StatusCode::kNotFound) << no_model.status().ToString();
  EXPECT_EQ(no_model.status().message().rfind("spleen_seg_op: ", 0), 0u)
      << no_model.status().message();
}

}  // namespace
}  // namespace openhi::runner
