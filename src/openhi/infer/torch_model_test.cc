#include "openhi/infer/torch_model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "openhi/infer/analytic_models.h"
#include "openhi/infer/sliding_window.h"

namespace openhi::infer {
namespace {

// A per-process scratch directory, removed with its contents when the object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("openhi_infer_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(const std::string& file) const { return path_ / file; }

 private:
  std::filesystem::path path_;
};

TEST(TorchModel, MissingFileIsNotFound) {
  const TempDir dir("missing");
  auto m = TorchModel::Load(dir / "nope.ts");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

TEST(TorchModel, CorruptFileIsInvalidArgument) {
  const TempDir dir("corrupt");
  const auto path = dir / "model.ts";
  std::ofstream(path) << "this is not a zip archive";
  auto m = TorchModel::Load(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("not a TorchScript model"), std::string::npos);
}

TEST(TorchModel, BandModelComputesTheBandLogits) {
  const TempDir dir("band");
  const auto path = dir / "band.ts";
  BandModelSpec spec;  // 40..60 HU, scaling -57..164
  ASSERT_TRUE(SaveBandModel(path, spec).ok());
  auto model = TorchModel::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  auto scaled = [](double hu) { return float((hu + 57.0) / 221.0); };
  FloatTensor in;
  in.shape = {1, 1, 1, 1, 4};
  in.data = {scaled(0), scaled(39), scaled(50), scaled(61)};
  auto out = model->Forward(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->shape, (std::vector<int64_t>{1, 2, 1, 1, 4}));
  const double lo = 97.0 / 221.0, hi = 117.0 / 221.0;
  for (int v = 0; v < 4; ++v) {
    EXPECT_EQ(out->data[v], 0.0f);  // channel 0
    const double x = in.data[v];
    EXPECT_NEAR(out->data[4 + v], 100.0 * std::min(x - lo, hi - x), 1e-4);
  }
  EXPECT_LT(out->data[4 + 0], 0.0f);
  EXPECT_LT(out->data[4 + 1], 0.0f);
  EXPECT_GT(out->data[4 + 2], 0.0f);
  EXPECT_LT(out->data[4 + 3], 0.0f);
}

TEST(TorchModel, BandModelRejectsAnEmptyBand) {
  const TempDir dir("band_bad");
  auto s = SaveBandModel(dir / "x.ts", 60.0f, 40.0f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(TorchModel, ForwardRejectsInconsistentInput) {
  const TempDir dir("band2");
  const auto path = dir / "band.ts";
  ASSERT_TRUE(SaveBandModel(path, 40.0f, 60.0f).ok());
  auto model = TorchModel::Load(path);
  ASSERT_TRUE(model.ok());
  FloatTensor in;
  in.shape = {1, 1, 2, 2, 2};
  in.data.resize(7);
  EXPECT_EQ(model->Forward(in).status().code(), StatusCode::kInvalidArgument);
}

TEST(TorchModel, SlidingWindowWithPointwiseModelEqualsWholeVolumeForward) {
  const TempDir dir("band3");
  const auto path = dir / "band.ts";
  ASSERT_TRUE(SaveBandModel(path, 0.0f, 100.0f).ok());
  auto model = TorchModel::Load(path);
  ASSERT_TRUE(model.ok());
  const std::array<int64_t, 3> shape = {37, 30, 21};
  FloatTensor whole;
  whole.shape = {1, 1, shape[0], shape[1], shape[2]};
  whole.data.resize(shape[0] * shape[1] * shape[2]);
  for (size_t i = 0; i < whole.data.size(); ++i) whole.data[i] = float((i * 7919) % 1000) / 999.0f;
  auto expected = model->Forward(whole);
  ASSERT_TRUE(expected.ok());

  SlidingWindowOptions options;
  options.roi = {16, 16, 16};
  options.sw_batch_size = 4;
  auto stitched = SlidingWindowInference(
      whole.data, shape, options, [&](const FloatTensor& b) { return model->Forward(b); });
  ASSERT_TRUE(stitched.ok()) << stitched.status().ToString();
  ASSERT_EQ(stitched->data.size(), expected->data.size());
  for (size_t i = 0; i < expected->data.size(); ++i) {
    ASSERT_NEAR(stitched->data[i], expected->data[i], 1e-4 + 1e-6 * std::fabs(expected->data[i]))
        << i;
  }
}

// The preparations of TorchModelOptions on the spleen bundle's UNet architecture (seeded
// weights from tools/make_test_models.py, Debian's python3-torch): outputs within float
// tolerance of the module as saved.
// The bundle-architecture UNet under every preparation, transposed convolutions rewritten or
// not, against the module as saved.
TEST(TorchModel, PreparedUnetMatchesTheModuleAsSaved) {
  const TempDir dir("unet_options");
  const auto path = dir / "unet.ts";
  const std::string command = std::string("/usr/bin/python3 ") + OPENHI_SOURCE_DIR +
                              "/tools/make_test_models.py --seed 3 --output " + path.string() +
                              " > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  FloatTensor in;
  in.shape = {2, 1, 32, 32, 32};
  in.data.resize(2 * 32 * 32 * 32);
  for (size_t i = 0; i < in.data.size(); ++i) {
    in.data[i] = float((i * 2654435761u) % 1000) / 999.0f;
  }
  // The reference is PyTorch's default path: the module as saved, optimizing executor.
  EXPECT_FALSE(TorchModel::DefaultOptions().optimize_graph);
  TorchModelOptions as_saved;
  as_saved.conv_transpose_as_conv = false;
  as_saved.optimize_graph = true;
  auto plain = TorchModel::Load(path, as_saved);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  auto expected = plain->Forward(in);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  ASSERT_EQ(expected->shape, (std::vector<int64_t>{2, 2, 32, 32, 32}));
  double scale = 0;
  for (float v : expected->data) scale = std::max(scale, double(std::fabs(v)));
  ASSERT_GT(scale, 0);

  for (int variant = 1; variant < 16; ++variant) {
    TorchModelOptions options;
    options.freeze = variant & 1;
    options.optimize_for_inference = variant & 2;
    options.channels_last = variant & 4;
    options.conv_transpose_as_conv = variant & 8;
    auto model = TorchModel::Load(path, options);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(model->options().freeze, options.freeze);
    EXPECT_EQ(model->options().optimize_for_inference,
              options.freeze && options.optimize_for_inference);
    auto out = model->Forward(in);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->shape, expected->shape);
    double worst = 0;
    for (size_t i = 0; i < out->data.size(); ++i) {
      worst = std::max(worst, double(std::fabs(out->data[i] - expected->data[i])));
    }
    EXPECT_LE(worst, 1e-4 * scale) << "variant " << variant << " (scale " << scale << ")";
  }
}

TEST(TorchModel, ThreadCountIsSettable) {
  TorchModel::SetNumThreads(2);
  EXPECT_EQ(TorchModel::NumThreads(), 2);
  TorchModel::SetNumThreads(1);
  EXPECT_EQ(TorchModel::NumThreads(), 1);
}

}  // namespace
}  // namespace openhi::infer
