// Issue #5 acceptance, geometry phantoms: synthetic CT series with a known organ label in
// several acquisition geometries run through the whole spleen app with the analytic band model,
// and the DICOM SEG read back independently (tests/seg_dice.py: pydicom + numpy, frames placed
// by their own PlanePosition and checked against their DerivationImage references) must match
// the generator's ground truth (mask.nrrd) with Dice >= 0.98. A flipped axis, a transposed
// frame or misordered slices anywhere between the files and the SEG breaks the overlap.
//
// Path: the issue's, the store one: series imported into a served store, the app package
// apps/spleen_seg_ahi (image-set loader through the connector) -> selector -> series-to-volume
// -> TorchSegmentation -> SEG / STL. One case (shuffled files) goes through the folder app
// apps/spleen_seg instead, so both loaders are covered.
//
// Phantom and model are chosen so that the expected label is exact and unbiased: the organ
// (300 HU, noise 5 HU) is wrapped in the generator's fat shell (-100 HU) and the band model's
// lower edge (100 HU) sits half-way between the two, so the segmented boundary is where the
// truth's is; everything else in the field of view stays below 80 HU. The field of view ends
// at |P| < 52 mm, before the spine (which ScaleIntensityRange would clip into the band). The
// organ is off-centre along every axis and lobulated, so a mirrored result cannot overlap.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/app/package.h"
#include "openhi/client/testing/served_store.h"
#include "openhi/infer/analytic_models.h"
#include "openhi/ops/testing/output_checks.h"
#include "openhi/runner/run_app.h"
#include "openhi/synth/synth.h"

namespace openhi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
namespace checks = ops::testing;

constexpr double kMinDice = 0.98;

// The phantom common to every case; each case then changes the acquisition only.
synth::SynthOptions BaseOptions(const fs::path& dir, uint64_t seed) {
  synth::SynthOptions o;
  o.output_dir = dir;
  o.seed = seed;  // distinct UIDs per case
  o.blob_center_mm = {65, 4, 15};
  o.blob_radii_mm = {35, 32, 45};
  o.blob_hu = 300;
  o.noise_sigma_hu = 5;
  // Axial, 1.5 mm pixels: 240 mm along L, 103.5 mm along P, 157.5 mm along S.
  o.columns = 160;
  o.rows = 70;
  o.slices = 64;
  o.column_spacing_mm = o.row_spacing_mm = 1.5;
  o.slice_spacing_mm = o.slice_thickness_mm = 2.5;
  return o;
}

struct PhantomCase {
  std::string name;
  std::function<void(synth::SynthOptions&)> acquisition;
  bool through_store = true;
};
void PrintTo(const PhantomCase& c, std::ostream* os) { *os << c.name; }

std::vector<PhantomCase> Cases() {
  return {
      {"axial_head_first", [](synth::SynthOptions&) {}},
      // Feet first supine: the scanner's image rows run towards patient right and the slice
      // normal (row x column) points to the feet, so InstanceNumber 1 is the most cranial slice.
      {"axial_feet_first",
       [](synth::SynthOptions& o) {
         o.patient_position = "FFS";
         o.image_orientation_patient = std::array<double, 6>{-1, 0, 0, 0, 1, 0};
       }},
      {"reversed_file_order",
       [](synth::SynthOptions& o) { o.order = synth::SliceOrder::kDescending; }},
      {"shuffled_file_order_from_folder",
       [](synth::SynthOptions& o) { o.order = synth::SliceOrder::kShuffled; }, false},
      // Unsigned pixels with RescaleSlope 0.5 and RescaleIntercept -1024.
      {"rescale_slope_half",
       [](synth::SynthOptions& o) {
         o.pixel_representation = synth::PixelRepresentation::kUnsigned;
         o.rescale_slope = 0.5;
       }},
      // Three different spacings (columns 0.7 mm, rows 0.9 mm, slices 3.3 mm), none the
      // network's.
      {"anisotropic",
       [](synth::SynthOptions& o) {
         o.column_spacing_mm = 0.7;
         o.row_spacing_mm = 0.9;
         o.slice_spacing_mm = o.slice_thickness_mm = 3.3;
         o.columns = 343;
         o.rows = 116;
         o.slices = 49;
       }},
      // Coronal: rows run along L, columns towards the feet, slices along P.
      {"coronal",
       [](synth::SynthOptions& o) {
         o.orientation = synth::Orientation::kCoronal;
         o.column_spacing_mm = 1.0;
         o.row_spacing_mm = 1.2;
         o.slice_spacing_mm = o.slice_thickness_mm = 2.0;
         o.columns = 240;
         o.rows = 134;
         o.slices = 52;
       }},
  };
}

class SpleenGeometryPhantomTest : public ::testing::TestWithParam<PhantomCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("openhi_geometry_phantom_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "models");
    infer::BandModelSpec band;
    band.lo_hu = 100;   // half-way between the fat shell (-100) and the organ (300)
    band.hi_hu = 5000;  // above anything ScaleIntensityRange lets through
    band.sharpness = 10;
    ASSERT_TRUE(infer::SaveBandModel(*dir_ / "models" / "model.ts", band).ok());
    for (const char* app : {"spleen_seg", "spleen_seg_ahi"}) {
      const Status st =
          app::CreatePackage(fs::path(OPENHI_SOURCE_DIR) / "apps" / app, *dir_ / "models",
                             *dir_ / (std::string(app) + ".tar.gz"));
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr && !::getenv("OPENHI_KEEP_TEST_FILES")) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  static inline fs::path* dir_ = nullptr;
};

TEST_P(SpleenGeometryPhantomTest, SegMatchesTheKnownLabel) {
  ASSERT_NE(dir_, nullptr);
  const PhantomCase& c = GetParam();
  const fs::path root = *dir_ / c.name;
  const fs::path series_dir = root / "series", truth_dir = root / "truth";
  static uint64_t seed = 100;
  synth::SynthOptions o = BaseOptions(series_dir, ++seed);
  c.acquisition(o);
  auto series = synth::WriteSyntheticSeries(o);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  ASSERT_GT(series->mask_voxel_count, 10000u);
  // The mask leaves the series folder, so that only DICOM files are imported.
  fs::create_directories(truth_dir);
  fs::rename(series->mask_path, truth_dir / "mask.nrrd");

  app::AppPaths paths;
  paths.output = root / "output";
  paths.model.clear();  // the package's models/
  paths.workdir = root;
  std::unique_ptr<client::testing::ServedStore> served;
  fs::path package = *dir_ / "spleen_seg.tar.gz";
  if (c.through_store) {
    auto started = client::testing::ServedStore::Start({series_dir});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    served = std::move(*started);
    ASSERT_EQ(served->image_set_ids().size(), 1u);
    const client::ClientConfig config = served->Config();
    ::setenv("AWS_ACCESS_KEY_ID", config.credentials.access_key_id.c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", config.credentials.secret.c_str(), 1);
    ::setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", served->endpoint().c_str(), 1);
    paths.input = root / "request";
    fs::create_directories(paths.input);
    std::ofstream(paths.input / "request.json")
        << json{{"datastoreId", served->datastore_id()},
                {"imageSetId", served->image_set_ids()[0]}};
    package = *dir_ / "spleen_seg_ahi.tar.gz";
  } else {
    paths.input = series_dir;
  }

  auto summary = runner::RunAppPackage(package, paths, 2);
  ::unsetenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->operators.at(0).type,
            c.through_store ? "AHIDataLoaderOperator" : "DICOMDataLoaderOperator");

  const std::vector<fs::path> segs = checks::DicomFilesIn(paths.output);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(checks::DciodvfyErrors(segs[0]), std::vector<std::string>());
  auto triangles = checks::StlTriangleCount(paths.output / "stl" / "spleen.stl");
  EXPECT_TRUE(triangles.ok() && *triangles > 0) << triangles.status().ToString();

  std::string command = std::string("/usr/bin/python3 ") + OPENHI_SOURCE_DIR +
                        "/tests/seg_dice.py " + segs[0].string() + " " +
                        (truth_dir / "mask.nrrd").string();
  for (const synth::SynthSlice& s : series->slices) command += " " + s.path.string();
  const checks::CommandResult run = checks::RunCommand(command);
  const std::string& out = run.output;  // stdout and stderr: the JSON object is the last line
  ASSERT_EQ(run.exit_code, 0) << out;
  const json result = json::parse(out.substr(out.rfind('{')), nullptr, false);
  ASSERT_TRUE(result.is_object()) << out;
  const double dice = result.value("dice", 0.0);
  std::printf("%s: Dice %.4f (SEG %d voxels in %d frames, truth %d)\n", c.name.c_str(), dice,
              result.value("predicted", 0), result.value("frames", 0), result.value("truth", 0));
  RecordProperty("dice", std::to_string(dice));
  EXPECT_EQ(result.value("truth", 0), static_cast<int>(series->mask_voxel_count));
  EXPECT_GE(dice, kMinDice) << out;
}

INSTANTIATE_TEST_SUITE_P(Geometries, SpleenGeometryPhantomTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<PhantomCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace openhi
