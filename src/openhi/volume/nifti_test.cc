#include "openhi/volume/nifti.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace openhi::volume {
namespace {

namespace fs = std::filesystem;

// Reads a .nii / .nii.gz with numpy only (independent of the writer): prints the dims, the
// sform and the qform-derived affine (nibabel's quaternion formula), the sum of i*value and
// the value at (1, 2, 3).
constexpr char kReader[] = R"py(
import sys, gzip, struct, numpy as np
raw = open(sys.argv[1], "rb").read()
if sys.argv[1].endswith(".gz"):
    raw = gzip.decompress(raw)
h = raw[:348]
assert struct.unpack_from("<i", h, 0)[0] == 348
assert h[344:348] == b"n+1\0"
dim = struct.unpack_from("<8h", h, 40)
datatype, bitpix = struct.unpack_from("<2h", h, 70)
assert datatype == 2 and bitpix == 8
pixdim = struct.unpack_from("<8f", h, 76)
vox_offset = struct.unpack_from("<f", h, 108)[0]
qform_code, sform_code = struct.unpack_from("<2h", h, 252)
b, c, d, qx, qy, qz = struct.unpack_from("<6f", h, 256)
srow = np.array(struct.unpack_from("<12f", h, 280), dtype=np.float64).reshape(3, 4)
a = np.sqrt(max(0.0, 1.0 - (b * b + c * c + d * d)))
R = np.array([[a*a+b*b-c*c-d*d, 2*(b*c-a*d), 2*(b*d+a*c)],
              [2*(b*c+a*d), a*a+c*c-b*b-d*d, 2*(c*d-a*b)],
              [2*(b*d-a*c), 2*(c*d+a*b), a*a+d*d-c*c-b*b]])
qfac = pixdim[0] if pixdim[0] != 0 else 1.0
zooms = np.array([pixdim[1], pixdim[2], pixdim[3] * qfac])
q = np.zeros((3, 4)); q[:, :3] = R * zooms; q[:, 3] = [qx, qy, qz]
n = dim[1] * dim[2] * dim[3]
data = np.frombuffer(raw[int(vox_offset):int(vox_offset) + n], dtype=np.uint8)
vol = data.reshape((dim[3], dim[2], dim[1])).transpose(2, 1, 0)  # (i, j, k), i fastest on disk
print(dim[1], dim[2], dim[3], qform_code, sform_code)
print(" ".join("%.6f" % v for v in srow.ravel()))
print(" ".join("%.6f" % v for v in q.ravel()))
print(int((data.astype(np.int64) * np.arange(n)).sum()), int(vol[1, 2, 3]))
)py";

class NiftiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("openhi_nifti_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "read.py") << kReader;
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct ReadBack {
    std::array<int, 3> size{};
    int qform_code = -1, sform_code = -1;
    std::array<double, 12> sform{}, qform{};
    long long weighted_sum = 0;
    int value_123 = -1;
  };

  ReadBack Read(const fs::path& file) {
    std::string cmd = "/usr/bin/python3 " + (dir_ / "read.py").string() + " " + file.string();
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    EXPECT_EQ(::pclose(p), 0) << out;
    std::istringstream in(out);
    ReadBack r;
    in >> r.size[0] >> r.size[1] >> r.size[2] >> r.qform_code >> r.sform_code;
    for (double& v : r.sform) in >> v;
    for (double& v : r.qform) in >> v;
    in >> r.weighted_sum >> r.value_123;
    EXPECT_FALSE(in.fail()) << out;
    return r;
  }

  // Every corner's RAS position from the read-back affine equals (-x, -y, z) of VoxelToLps.
  // The quaternion is float32 and its first component is derived (a = sqrt(1 - b^2 - c^2 -
  // d^2)), which costs ~1e-4 relative accuracy near 180-degree rotations: qform gets 0.01 mm.
  static void ExpectAffineMatches(const std::array<double, 12>& m, const VolumeGeometry& g,
                                  const char* which, double tolerance_mm) {
    for (int corner = 0; corner < 8; ++corner) {
      const double idx[3] = {corner & 1 ? double(g.size[0] - 1) : 0.0,
                             corner & 2 ? double(g.size[1] - 1) : 0.0,
                             corner & 4 ? double(g.size[2] - 1) : 0.0};
      const Vec3 lps = g.VoxelToLps(idx[0], idx[1], idx[2]);
      const double ras[3] = {-lps[0], -lps[1], lps[2]};
      for (int r = 0; r < 3; ++r) {
        const double got =
            m[4 * r] * idx[0] + m[4 * r + 1] * idx[1] + m[4 * r + 2] * idx[2] + m[4 * r + 3];
        EXPECT_NEAR(got, ras[r], tolerance_mm) << which << " corner " << corner << " row " << r;
      }
    }
  }

  static Mask MakeMask(const VolumeGeometry& g) {
    Mask m;
    m.geometry = g;
    m.voxels.resize(g.VoxelCount());
    for (size_t i = 0; i < m.voxels.size(); ++i) m.voxels[i] = static_cast<uint8_t>((i * 7) % 3);
    return m;
  }

  static long long WeightedSum(const Mask& m) {
    long long s = 0;
    for (size_t i = 0; i < m.voxels.size(); ++i) s += static_cast<long long>(m.voxels[i]) * i;
    return s;
  }

  void RoundTrip(const VolumeGeometry& g, const std::string& name, bool expect_qform) {
    SCOPED_TRACE(name);
    Mask m = MakeMask(g);
    ASSERT_TRUE(WriteNiftiMask(m, dir_ / name).ok());
    ReadBack r = Read(dir_ / name);
    EXPECT_EQ(r.size[0], int(g.size[0]));
    EXPECT_EQ(r.size[1], int(g.size[1]));
    EXPECT_EQ(r.size[2], int(g.size[2]));
    EXPECT_EQ(r.sform_code, 1);
    EXPECT_EQ(r.qform_code, expect_qform ? 1 : 0);
    EXPECT_EQ(r.weighted_sum, WeightedSum(m));
    EXPECT_EQ(r.value_123, m.voxels[m.Index(1, 2, 3)]);
    ExpectAffineMatches(r.sform, g, "sform", 1e-3);
    if (expect_qform) ExpectAffineMatches(r.qform, g, "qform", 1e-2);
  }

  fs::path dir_;
};

TEST_F(NiftiTest, AxialHeadFirstRoundTrips) {
  VolumeGeometry g;
  g.size = {5, 6, 7};
  g.origin_mm = {-120.5, 30.25, -400};
  g.spacing_mm = {0.75, 0.8, 2.0};
  RoundTrip(g, "axial.nii", true);
  RoundTrip(g, "axial.nii.gz", true);
}

TEST_F(NiftiTest, CoronalAndFeetFirstRoundTrip) {
  VolumeGeometry coronal;
  coronal.size = {6, 5, 4};
  coronal.origin_mm = {10, -20, 30};
  coronal.spacing_mm = {1.5, 1.25, 3};
  coronal.direction = {{{1, 0, 0}, {0, 0, -1}, {0, 1, 0}}};
  RoundTrip(coronal, "coronal.nii.gz", true);

  VolumeGeometry feet_first;
  feet_first.size = {4, 5, 6};
  feet_first.spacing_mm = {1, 1, 2.5};
  feet_first.direction = {{{-1, 0, 0}, {0, 1, 0}, {0, 0, -1}}};
  RoundTrip(feet_first, "feet.nii", true);
}

TEST_F(NiftiTest, ObliqueRoundTrips) {
  const double a = 0.3, b = 0.5;
  VolumeGeometry g;
  g.size = {4, 5, 6};
  g.origin_mm = {1, 2, 3};
  g.spacing_mm = {0.9, 1.1, 1.7};
  const Vec3 r = {std::cos(a), std::sin(a), 0};
  const Vec3 c = {-std::sin(a) * std::cos(b), std::cos(a) * std::cos(b), std::sin(b)};
  const Vec3 n = {r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
  g.direction = {r, c, n};
  RoundTrip(g, "oblique.nii", true);
}

TEST_F(NiftiTest, ShearedGridHasOnlyAnSform) {
  VolumeGeometry g;
  g.size = {4, 4, 5};
  g.spacing_mm = {0.5, 0.5, 4.2};
  const double t = 0.3;  // gantry tilt: the slice step leans along y
  g.direction = {{{1, 0, 0}, {0, 1, 0}, {0, std::sin(t), std::cos(t)}}};
  RoundTrip(g, "tilt.nii", false);
}

TEST(Nifti, RejectsInconsistentMasks) {
  Mask m;
  m.geometry.size = {2, 2, 2};
  m.voxels.resize(7);
  EXPECT_EQ(EncodeNiftiMask(m).status().code(), StatusCode::kInvalidArgument);
  m.geometry.size = {40000, 1, 1};
  m.voxels.resize(40000);
  EXPECT_EQ(EncodeNiftiMask(m).status().code(), StatusCode::kInvalidArgument);
  m.geometry.size = {0, 1, 1};
  m.voxels.clear();
  EXPECT_EQ(EncodeNiftiMask(m).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openhi::volume
