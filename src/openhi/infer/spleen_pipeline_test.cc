#include "openhi/infer/spleen_pipeline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "openhi/infer/analytic_models.h"

namespace openhi::infer {
namespace {

// A per-process scratch directory, removed with its contents when the object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("openhi_pipeline_" + name + "_" + std::to_string(::getpid()))) {
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

// Phantom in LPS mm: air everywhere, a 0 HU "body" box, and a 50 HU "spleen" box.
struct Box {
  volume::Vec3 lo, hi;
  bool Contains(const volume::Vec3& p) const {
    for (int a = 0; a < 3; ++a)
      if (p[a] < lo[a] || p[a] > hi[a]) return false;
    return true;
  }
};
const Box kBody{{-80, -70, -60}, {80, 70, 60}};
const Box kSpleen{{5, -25, -40}, {65, 35, 30}};

volume::VolumeGeometry Geometry(volume::Vec3 row, volume::Vec3 col, volume::Vec3 spacing) {
  volume::VolumeGeometry g;
  g.spacing_mm = spacing;
  const volume::Vec3 normal = {row[1] * col[2] - row[2] * col[1],
                               row[2] * col[0] - row[0] * col[2],
                               row[0] * col[1] - row[1] * col[0]};
  g.direction = {row, col, normal};
  // Cover the LPS cube [-100, 100] x [-90, 90] x [-75, 75] from its corner that is smallest
  // along every grid axis.
  const volume::Vec3 lo = {-100, -90, -75}, hi = {100, 90, 75};
  for (int axis = 0; axis < 3; ++axis) {
    double extent = 0;
    for (int w = 0; w < 3; ++w) extent += std::fabs(g.direction[axis][w]) * (hi[w] - lo[w]);
    g.size[axis] = static_cast<size_t>(extent / spacing[axis]) + 1;
  }
  for (int w = 0; w < 3; ++w) {
    // centre the grid on the cube centre
    double c = 0.5 * (lo[w] + hi[w]);
    for (int axis = 0; axis < 3; ++axis)
      c -= g.direction[axis][w] * spacing[axis] * (double(g.size[axis]) - 1) / 2.0;
    g.origin_mm[w] = c;
  }
  return g;
}

struct Phantom {
  volume::Volume image;
  volume::Mask truth;
};

Phantom MakePhantom(const volume::VolumeGeometry& g) {
  Phantom p;
  p.image.geometry = g;
  p.truth.geometry = g;
  p.image.voxels.resize(g.VoxelCount());
  p.truth.voxels.resize(g.VoxelCount());
  for (size_t k = 0; k < g.size[2]; ++k)
    for (size_t j = 0; j < g.size[1]; ++j)
      for (size_t i = 0; i < g.size[0]; ++i) {
        const auto lps = g.VoxelToLps(double(i), double(j), double(k));
        const size_t n = p.image.Index(i, j, k);
        const bool spleen = kSpleen.Contains(lps);
        // Spleen HU varies in 45..55 so that the model sees no perfectly flat region.
        p.image.voxels[n] = spleen ? 50.0f + 5.0f * float(std::sin(0.37 * double(i + 2 * j + 3 * k)))
                                   : (kBody.Contains(lps) ? 0.0f : -1000.0f);
        p.truth.voxels[n] = spleen ? 1 : 0;
      }
  return p;
}

double Dice(const volume::Mask& a, const volume::Mask& b) {
  size_t both = 0, na = 0, nb = 0;
  for (size_t n = 0; n < a.voxels.size(); ++n) {
    na += a.voxels[n] != 0;
    nb += b.voxels[n] != 0;
    both += a.voxels[n] != 0 && b.voxels[n] != 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * double(both) / double(na + nb);
}

class BandPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The band's lower edge (25 HU) sits half-way between body (0) and spleen (45..55), so
    // the segmented boundary is unbiased; air and body never reach it.
    // A soft band (sharpness 10: p(spleen) = 0.76 at 50 HU, 0.24 at 0 HU) keeps the
    // probabilities close to linear in HU across an edge, so the boundary survives the 1.5 mm
    // grid with sub-voxel accuracy (a hard 0/1 step would quantise it to that grid).
    dir_ = new TempDir("band");
    path_ = new std::filesystem::path(*dir_ / "model.ts");
    BandModelSpec spec;
    spec.lo_hu = 25.0f;
    spec.hi_hu = 150.0f;
    spec.sharpness = 10.0f;
    ASSERT_TRUE(SaveBandModel(*path_, spec).ok());
  }
  static void TearDownTestSuite() {
    delete path_;
    delete dir_;
  }

  void ExpectSegments(const volume::VolumeGeometry& g) {
    auto model = TorchModel::Load(*path_);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const Phantom p = MakePhantom(g);
    ASSERT_GT(p.truth.CountNonZero(), 1000u);
    StageTimings timings;
    auto mask = RunSegmentation(*model, p.image, {}, &timings);
    ASSERT_TRUE(mask.ok()) << mask.status().ToString();
    EXPECT_EQ(mask->geometry.size, g.size);
    EXPECT_EQ(mask->geometry.origin_mm, g.origin_mm);
    EXPECT_EQ(mask->voxels.size(), g.VoxelCount());
    const double dice = Dice(*mask, p.truth);
    EXPECT_GE(dice, 0.98) << "windows " << timings.windows << " grid " << timings.network_grid[0]
                          << "x" << timings.network_grid[1] << "x" << timings.network_grid[2];
    RecordProperty("dice", std::to_string(dice));
  }

  static TempDir* dir_;
  static std::filesystem::path* path_;
};
TempDir* BandPipeline::dir_ = nullptr;
std::filesystem::path* BandPipeline::path_ = nullptr;

TEST_F(BandPipeline, AxialHeadFirst) { ExpectSegments(Geometry({1, 0, 0}, {0, 1, 0}, {1.25, 1.25, 2.5})); }

TEST_F(BandPipeline, AxialFeetFirst) {
  ExpectSegments(Geometry({-1, 0, 0}, {0, 1, 0}, {1.25, 1.25, 2.5}));
}

TEST_F(BandPipeline, Anisotropic) { ExpectSegments(Geometry({1, 0, 0}, {0, 1, 0}, {0.7, 0.9, 3.3})); }

TEST_F(BandPipeline, Coronal) { ExpectSegments(Geometry({1, 0, 0}, {0, 0, -1}, {1.0, 1.2, 2.0})); }

TEST_F(BandPipeline, Sagittal) { ExpectSegments(Geometry({0, 1, 0}, {0, 0, -1}, {1.1, 1.3, 2.2})); }

TEST_F(BandPipeline, Oblique) {
  const double c = std::cos(0.2), s = std::sin(0.2);
  ExpectSegments(Geometry({c, s, 0}, {-s, c, 0}, {1.2, 1.2, 2.5}));
}

TEST_F(BandPipeline, CancelledTokenStopsTheSlidingWindow) {
  auto model = TorchModel::Load(*path_);
  ASSERT_TRUE(model.ok());
  const Phantom p = MakePhantom(Geometry({1, 0, 0}, {0, 1, 0}, {1.25, 1.25, 2.5}));
  CancellationToken token;
  token.Cancel();
  SpleenPipelineOptions options;
  options.cancel = &token;
  StageTimings timings;
  auto mask = RunSegmentation(*model, p.image, options, &timings);
  EXPECT_TRUE(IsCancelledError(mask.status())) << mask.status().ToString();
  EXPECT_EQ(timings.forward_s, 0);  // no forward pass ran
}

TEST_F(BandPipeline, RejectsInconsistentVolume) {
  auto model = TorchModel::Load(*path_);
  ASSERT_TRUE(model.ok());
  volume::Volume v;
  v.geometry.size = {4, 4, 4};
  v.voxels.resize(10);
  EXPECT_EQ(RunSegmentation(*model, v).status().code(), StatusCode::kInvalidArgument);
  v.voxels.resize(64);
  v.geometry.spacing_mm = {1, 0, 1};
  EXPECT_EQ(RunSegmentation(*model, v).status().code(), StatusCode::kInvalidArgument);
}

// A model that marks the face of bright objects looking towards +R, +A or +S: the detected
// voxels must lie on the matching face of the spleen box for every acquisition geometry, so a
// flipped or swapped axis anywhere in the pipeline fails here.
TEST(EdgePipeline, FacesLandOnTheRightSideInEveryGeometry) {
  const TempDir dir("edge");
  struct Face {
    int lps_axis;
    double expected_mm;  // the box face (LPS) that looks towards +R/+A/+S
    double opposite_mm;
  };
  // +R = -x (LPS), +A = -y, +S = +z.
  const Face faces[3] = {{0, kSpleen.lo[0], kSpleen.hi[0]},
                         {1, kSpleen.lo[1], kSpleen.hi[1]},
                         {2, kSpleen.hi[2], kSpleen.lo[2]}};
  const volume::VolumeGeometry geometries[] = {
      Geometry({1, 0, 0}, {0, 1, 0}, {1.25, 1.25, 2.5}),   // axial head first
      Geometry({-1, 0, 0}, {0, 1, 0}, {1.25, 1.25, 2.5}),  // axial feet first
      Geometry({1, 0, 0}, {0, 0, -1}, {1.0, 1.2, 2.0}),    // coronal
      Geometry({0, 1, 0}, {0, 0, -1}, {1.1, 1.3, 2.2}),    // sagittal
  };
  for (int axis = 0; axis < 3; ++axis) {
    const auto path = dir / ("edge" + std::to_string(axis) + ".ts");
    ASSERT_TRUE(SaveEdgeModel(path, axis).ok());
    auto model = TorchModel::Load(path);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    for (const auto& g : geometries) {
      const Phantom p = MakePhantom(g);
      auto mask = RunSegmentation(*model, p.image);
      ASSERT_TRUE(mask.ok()) << mask.status().ToString();
      double sum = 0;
      size_t n = 0;
      for (size_t k = 0; k < g.size[2]; ++k)
        for (size_t j = 0; j < g.size[1]; ++j)
          for (size_t i = 0; i < g.size[0]; ++i) {
            if (!mask->voxels[mask->Index(i, j, k)]) continue;
            const auto lps = g.VoxelToLps(double(i), double(j), double(k));
            if (!kSpleen.Contains(lps)) continue;  // ignore the body box faces
            sum += lps[faces[axis].lps_axis];
            ++n;
          }
      ASSERT_GT(n, 100u) << "axis " << axis;
      const double mean = sum / double(n);
      EXPECT_NEAR(mean, faces[axis].expected_mm, 5.0)
          << "axis " << axis << " direction " << g.direction[0][0] << "," << g.direction[0][1]
          << "," << g.direction[0][2] << " opposite face at " << faces[axis].opposite_mm;
    }
  }
}

// The bundle-architecture UNet from tools/make_test_models.py (python3-torch, at test time).
TEST(UNetPipeline, GeneratedUNetRunsOnASmallVolume) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Debian python3-torch is not installed";
  }
  const TempDir dir("unet");
  const auto path = dir / "model.ts";
  const std::string cmd = "/usr/bin/python3 " OPENHI_SOURCE_DIR "/tools/make_test_models.py --output '" +
                          path.string() + "' > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto model = TorchModel::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  FloatTensor in;
  in.shape = {1, 1, 32, 32, 32};
  in.data.assign(32 * 32 * 32, 0.3f);
  auto out = model->Forward(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape, (std::vector<int64_t>{1, 2, 32, 32, 32}));

  const Phantom p = MakePhantom(Geometry({1, 0, 0}, {0, 1, 0}, {3.0, 3.0, 4.0}));
  StageTimings timings;
  auto mask = RunSegmentation(*model, p.image, {}, &timings);
  ASSERT_TRUE(mask.ok()) << mask.status().ToString();
  EXPECT_EQ(mask->geometry.size, p.image.geometry.size);
  std::set<int> labels(mask->voxels.begin(), mask->voxels.end());
  for (int l : labels) EXPECT_TRUE(l == 0 || l == 1) << l;
  // 67x61x38 voxels at 3x3x4 mm -> grid 133x121x75 -> 2 x 2 x 1 windows (axis 2 padded).
  EXPECT_EQ(timings.network_grid, (std::array<int64_t, 3>{133, 121, 75}));
  EXPECT_EQ(timings.windows, 4);
}

}  // namespace
}  // namespace openhi::infer
