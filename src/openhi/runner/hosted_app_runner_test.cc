// HostedAppRunner: the apps/spleen_seg_ahi package with the analytic band model, reading small
// synthetic image sets from an in-process served store, called directly (Load/Invoke) and
// through hosting's InvocationEngine (unpack, run, upload to a file:// output).
#include "openhi/runner/hosted_app_runner.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "openhi/client/testing/served_store.h"
#include "openhi/core/cancellation.h"
#include "openhi/hosting/invocation_engine.h"
#include "openhi/hosting/locations.h"
#include "openhi/hosting/model_cache.h"
#include "openhi/infer/analytic_models.h"
#include "openhi/synth/synth.h"

namespace openhi::runner {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Regular files under `dir`, relative to it, generic form.
std::set<std::string> FilesUnder(const fs::path& dir) {
  std::set<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.insert(e.path().lexically_relative(dir).generic_string());
  }
  return files;
}

// The names a run summary lists under "outputs".
std::set<std::string> Outputs(const json& run) {
  std::set<std::string> names;
  for (const json& o : run.at("outputs")) names.insert(o.get<std::string>());
  return names;
}

class HostedAppRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("openhi_hosted_app_runner_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    // Two small series (two image sets) on the pipeline's own grid, a blob inside the field of
    // view (64 x 64 x 24 voxels at 1.5 x 1.5 x 2.0 mm).
    std::vector<fs::path> series;
    for (uint64_t seed : {1, 2}) {
      synth::SynthOptions o;
      o.output_dir = *dir_ / ("series" + std::to_string(seed));
      o.slices = 24;
      o.rows = 64;
      o.columns = 64;
      o.row_spacing_mm = 1.5;
      o.column_spacing_mm = 1.5;
      o.slice_spacing_mm = 2.0;
      o.slice_thickness_mm = 2.0;
      o.blob_center_mm = {0, 0, 0};
      o.blob_radii_mm = {20, 20, 15};
      o.noise_sigma_hu = 0;
      o.seed = seed;
      auto written = synth::WriteSyntheticSeries(o);
      ASSERT_TRUE(written.ok()) << written.status().ToString();
      fs::remove(written->mask_path);
      series.push_back(o.output_dir);
    }
    auto served = client::testing::ServedStore::Start(series);
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    served_ = served->release();
    ASSERT_EQ(served_->image_set_ids().size(), 2u);
    const client::ClientConfig config = served_->Config();
    ::setenv("AWS_ACCESS_KEY_ID", config.credentials.access_key_id.c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", config.credentials.secret.c_str(), 1);
    ::setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", served_->endpoint().c_str(), 1);

    fs::create_directories(*dir_ / "models");
    ASSERT_TRUE(infer::SaveBandModel(*dir_ / "models" / "model.ts", 40, 60).ok());
    fs::create_directories(*dir_ / "packages");
    ASSERT_TRUE(app::CreatePackage(fs::path(OPENHI_SOURCE_DIR) / "apps" / "spleen_seg_ahi",
                                   *dir_ / "models", *dir_ / "packages" / "spleen_ahi.tar.gz")
                    .ok());
    auto unpacked =
        app::UnpackPackage(*dir_ / "packages" / "spleen_ahi.tar.gz", *dir_ / "unpacked");
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  }
  static void TearDownTestSuite() {
    delete served_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  // An invocation of the image sets `which` (indices into the served store's) with fresh
  // scratch and work folders named after `name`.
  static hosting::InvocationInput Input(const std::string& name, std::vector<size_t> which,
                                        const CancellationToken* cancel) {
    hosting::InvocationInput in;
    in.model_name = "spleen_ahi.tar.gz";
    for (size_t i : which) in.inputs.push_back({served_->datastore_id(), served_->image_set_ids()[i]});
    in.inference_id = name;
    in.scratch_dir = *dir_ / "invocations" / name / "scratch";
    in.work_dir = *dir_ / "invocations" / name / "work";
    fs::create_directories(in.scratch_dir);
    fs::create_directories(in.work_dir);
    in.cancel = cancel;
    return in;
  }

  static inline fs::path* dir_ = nullptr;
  static inline client::testing::ServedStore* served_ = nullptr;
};

TEST_F(HostedAppRunnerTest, LoadsAPackageFolder) {
  ASSERT_NE(served_, nullptr);
  HostedAppRunner runner({1});
  auto loaded = runner.Load(*dir_ / "unpacked");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const auto* model = dynamic_cast<const HostedAppModel*>(loaded->get());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->info().name, "spleen_seg_ahi");
  EXPECT_EQ(model->info().version, "1.0.0");
  // app.json and the model, at least.
  EXPECT_GT(model->size_bytes(), fs::file_size(*dir_ / "models" / "model.ts"));
  EXPECT_EQ(model->resources()->size(), 0u);

  EXPECT_EQ(runner.Load(*dir_ / "models").status().code(), StatusCode::kNotFound);  // no app.json
}

TEST_F(HostedAppRunnerTest, RunsTheAppIntoScratchAndReusesTheModel) {
  ASSERT_NE(served_, nullptr);
  std::unique_ptr<hosting::ModelRunner> runner = MakeHostedAppRunner({1});
  auto loaded = runner->Load(*dir_ / "unpacked");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const auto& model = dynamic_cast<const HostedAppModel&>(**loaded);
  CancellationToken token;

  for (int round = 0; round < 2; ++round) {
    const hosting::InvocationInput in = Input("one" + std::to_string(round), {0}, &token);
    auto result = runner->Invoke(**loaded, in);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const json& s = result->summary;
    EXPECT_EQ(s.at("app"), "spleen_seg_ahi");
    EXPECT_EQ(s.at("version"), "1.0.0");
    EXPECT_EQ(s.at("imageSets"), 1);
    ASSERT_EQ(s.at("runs").size(), 1u);
    const json& run = s["runs"][0];
    EXPECT_FALSE(run.contains("paths")) << run.dump();
    EXPECT_EQ(run.at("operators").size(), 7u);
    // One image set: the results lie in scratch_dir itself, and "outputs" names exactly them,
    // relative to it.
    const std::set<std::string> files = FilesUnder(in.scratch_dir);
    EXPECT_EQ(Outputs(run), files);
    EXPECT_EQ(files.size(), 2u);  // SEG + STL (the NIfTI writer is off in the package)
    EXPECT_EQ(files.count("stl/spleen.stl"), 1u);
    size_t dicom = 0;
    for (const std::string& f : files) {
      EXPECT_FALSE(fs::path(f).is_absolute()) << f;
      dicom += fs::path(f).extension() == ".dcm";
    }
    EXPECT_EQ(dicom, 1u);
    EXPECT_GT(fs::file_size(in.scratch_dir / "stl" / "spleen.stl"), 84u);  // some triangles
    // The request's reference went to work_dir, never to the uploaded scratch folder.
    EXPECT_TRUE(fs::exists(in.work_dir / "input0" / "inputImageSets.json"));
    // The TorchScript model is loaded by the first invocation and kept for the second.
    EXPECT_EQ(model.resources()->size(), 1u) << "round " << round;
  }
}

TEST_F(HostedAppRunnerTest, SeveralImageSetsGoToOneSubFolderEach) {
  ASSERT_NE(served_, nullptr);
  HostedAppRunner runner({1});
  auto loaded = runner.Load(*dir_ / "unpacked");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  CancellationToken token;
  const hosting::InvocationInput in = Input("two", {0, 1}, &token);
  auto result = runner.Invoke(**loaded, in);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->summary.at("imageSets"), 2);
  ASSERT_EQ(result->summary.at("runs").size(), 2u);
  std::set<std::string> listed;
  for (size_t i = 0; i < 2; ++i) {
    const std::string id = served_->image_set_ids()[i];
    for (const std::string& name : Outputs(result->summary["runs"][i])) {
      EXPECT_EQ(name.rfind(id + "/", 0), 0u) << name;
      listed.insert(name);
    }
    EXPECT_TRUE(fs::exists(in.scratch_dir / id / "stl" / "spleen.stl")) << id;
  }
  EXPECT_EQ(listed, FilesUnder(in.scratch_dir));
  EXPECT_EQ(listed.size(), 4u);
}

TEST_F(HostedAppRunnerTest, AnExpiredTokenCancelsTheRun) {
  ASSERT_NE(served_, nullptr);
  HostedAppRunner runner({1});
  auto loaded = runner.Load(*dir_ / "unpacked");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const CancellationToken expired(CancellationToken::Clock::now() - std::chrono::seconds(1));
  const hosting::InvocationInput in = Input("expired", {0}, &expired);
  auto result = runner.Invoke(**loaded, in);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(IsCancelledError(result.status())) << result.status().ToString();
  EXPECT_TRUE(FilesUnder(in.scratch_dir).empty());
}

TEST_F(HostedAppRunnerTest, RejectsAModelOfAnotherRunner) {
  struct Other : hosting::LoadedModel {
    uint64_t size_bytes() const override { return 1; }
  };
  HostedAppRunner runner;
  CancellationToken token;
  hosting::InvocationInput in;
  in.cancel = &token;
  EXPECT_EQ(runner.Invoke(Other(), in).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HostedAppRunnerTest, ServesThePackageThroughTheInvocationEngine) {
  ASSERT_NE(served_, nullptr);
  HostedAppRunner runner({1});
  hosting::ModelCache cache(runner, {*dir_ / "packages", *dir_ / "engine_unpacked", 1ull << 30, {}});
  hosting::LocationCache locations;
  hosting::EngineOptions eo;
  auto out = locations.Open("file://" + (*dir_ / "engine_out").string() + "/");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  eo.output = *out;
  eo.scratch_root = *dir_ / "engine_scratch";
  hosting::InvocationEngine engine(cache, runner, eo);

  hosting::InvocationRequest r;
  r.target_model = "spleen_ahi.tar.gz";
  r.body = json{{"inputs", json::array({{{"datastoreId", served_->datastore_id()},
                                          {"imageSetId", served_->image_set_ids()[1]}}})}}
               .dump();
  r.content_type = "application/json";
  r.inference_id = "engine-1";
  r.output_key_prefix = "engine-1/";
  hosting::InvocationOutcome outcome = engine.Run(r);
  ASSERT_TRUE(outcome.ok()) << outcome.error->status.ToString();
  const json& response = outcome.response;
  EXPECT_EQ(response.at("summary").at("app"), "spleen_seg_ahi");
  const std::set<std::string> names = Outputs(response["summary"]["runs"][0]);
  std::set<std::string> uploaded;
  for (const json& o : response.at("outputs")) uploaded.insert(o.at("name").get<std::string>());
  EXPECT_EQ(uploaded, names);
  EXPECT_EQ(FilesUnder(*dir_ / "engine_out" / "engine-1"), names);
  EXPECT_EQ(names.size(), 2u);
}

}  // namespace
}  // namespace openhi::runner
