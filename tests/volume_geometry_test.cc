// The issue #4 geometry test: PlanVolume + WriteSlice on the shared real series, compared with
// dcm2niix (Debian package; an independent DICOM-to-NIfTI converter) on the same files:
// dimensions, affine (every corner voxel within 1e-3 mm) and voxel values.
//
// How a dcm2niix NIfTI maps onto our volume (docs/formats/volume.md):
//   * NIfTI world coordinates are RAS: LPS = diag(-1, -1, 1) * RAS.
//   * dcm2niix (v1.0.20220720) stores the DICOM rows bottom-up: NIfTI voxel (i, j', k) is our
//     voxel (i, rows - 1 - j', k). Columns and slices keep their order for these series (its
//     slice axis also points along +normal).
//   * Its stored values are scaled by scl_slope/scl_inter (RescaleSlope/Intercept).
// The gantry-tilt head CT has variable slice spacing, which no NIfTI affine holds; dcm2niix
// writes the raw stack (vol.nii) with a sheared sform that this version computes wrongly for
// tilted CT (rordenlab/dcm2niix#697, fixed in 2023), plus a resampled tilt-corrected,
// equidistant copy (vol_Tilt_Eq_1.nii). For it we compare what is well defined: dimensions,
// voxel values and the first row of the raw stack, the slice distances dcm2niix reports
// (verbose "dx=[...]"), its tilt estimate, and the row count of its tilt-corrected copy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>

#include "openhi/core/file_util.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/volume/slice_writer.h"
#include "openhi/volume/volume_plan.h"
#include "test_util.h"

namespace openhi {
namespace {
namespace fs = std::filesystem;
using volume::IssueKind;
using volume::SliceGeometry;
using volume::Vec3;
using volume::VolumePlan;

constexpr double kPositionTolMm = 1e-3;

// ---- DICOM side -------------------------------------------------------------------------

struct Series {
  std::vector<dicom::DicomFile> files;
  std::vector<SliceGeometry> slices;
};

std::string Text(const dicom::DicomFile& f, dicom::Tag tag) {
  Result<std::string> v = f.GetString(tag);
  return v.ok() ? *v : std::string();
}

Series LoadSeries(const fs::path& dir) {
  Series s;
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".dcm") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& p : paths) {
    Result<Bytes> bytes = ReadFile(p);
    EXPECT_TRUE(bytes.ok()) << p;
    Result<dicom::DicomFile> file = dicom::DicomFile::Parse(*bytes);
    EXPECT_TRUE(file.ok()) << p << ": " << file.status().ToString();
    Result<dicom::PixelInfo> pixels = file->Pixels();
    EXPECT_TRUE(pixels.ok()) << p;
    volume::SliceAttributeText text;
    text.image_position_patient = {Text(*file, dicom::MakeTag(0x0020, 0x0032))};
    text.image_orientation_patient = {Text(*file, dicom::MakeTag(0x0020, 0x0037))};
    text.pixel_spacing = {Text(*file, dicom::MakeTag(0x0028, 0x0030))};
    text.rows = pixels->rows;
    text.columns = pixels->columns;
    text.rescale_slope = Text(*file, dicom::MakeTag(0x0028, 0x1053));
    text.rescale_intercept = Text(*file, dicom::MakeTag(0x0028, 0x1052));
    text.slice_thickness = Text(*file, dicom::MakeTag(0x0018, 0x0050));
    Result<SliceGeometry> g = volume::ParseSliceGeometry(text);
    EXPECT_TRUE(g.ok()) << p << ": " << g.status().ToString();
    s.slices.push_back(*g);
    s.files.push_back(std::move(*file));
  }
  return s;
}

// Phase two as the connector runs it: each decoded frame written straight into its slice.
volume::Volume Assemble(const Series& s, const VolumePlan& plan) {
  volume::Volume v = volume::AllocateVolume(plan);
  for (size_t k = 0; k < plan.slice_order.size(); ++k) {
    size_t input = plan.slice_order[k];
    Result<codec::Image> frame = s.files[input].DecodeFrame(0);
    EXPECT_TRUE(frame.ok()) << frame.status().ToString();
    const SliceGeometry& g = s.slices[input];
    Status st = volume::WriteSlice(plan, k, *frame, g.rescale_slope, g.rescale_intercept, &v);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return v;
}

// ---- dcm2niix side ----------------------------------------------------------------------

// The NIfTI-1 fields this test needs (single-file .nii, little-endian).
struct Nifti {
  std::array<size_t, 3> dim = {0, 0, 0};
  double srow[3][4] = {};      // RAS affine of voxel (i, j, k)
  std::vector<double> values;  // stored values scaled by scl_slope/scl_inter, i fastest
};

template <typename T>
T At(const Bytes& b, size_t offset) {
  T v;
  std::memcpy(&v, b.data() + offset, sizeof v);
  return v;
}

Nifti ReadNifti(const fs::path& path) {
  Nifti n;
  Result<Bytes> bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << path;
  const Bytes& b = *bytes;
  EXPECT_GE(b.size(), 352u);
  EXPECT_EQ(At<int32_t>(b, 0), 348) << "not a little-endian NIfTI-1 file";
  EXPECT_EQ(At<int16_t>(b, 40), 3) << "expected a 3D image";
  for (int a = 0; a < 3; ++a) n.dim[a] = static_cast<size_t>(At<int16_t>(b, 42 + 2 * a));
  EXPECT_GT(At<int16_t>(b, 254), 0) << "no sform";
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) n.srow[r][c] = At<float>(b, 280 + 16 * r + 4 * c);
  }
  const auto datatype = At<int16_t>(b, 70);
  const auto offset = static_cast<size_t>(At<float>(b, 108));
  double slope = At<float>(b, 112), inter = At<float>(b, 116);
  if (slope == 0 || !std::isfinite(slope)) slope = 1, inter = 0;
  const size_t count = n.dim[0] * n.dim[1] * n.dim[2];
  n.values.resize(count);
  auto read = [&](auto sample) {
    using T = decltype(sample);
    EXPECT_GE(b.size(), offset + count * sizeof(T));
    for (size_t i = 0; i < count; ++i) {
      n.values[i] = At<T>(b, offset + i * sizeof(T)) * slope + inter;
    }
  };
  switch (datatype) {
    case 2:
      read(uint8_t{});
      break;
    case 4:
      read(int16_t{});
      break;
    case 8:
      read(int32_t{});
      break;
    case 16:
      read(float{});
      break;
    case 512:
      read(uint16_t{});
      break;
    default:
      ADD_FAILURE() << "unexpected NIfTI datatype " << datatype;
  }
  return n;
}

// dcm2niix's voxel (i, j, k) in LPS mm.
Vec3 NiftiLps(const Nifti& n, double i, double j, double k) {
  Vec3 ras;
  for (int r = 0; r < 3; ++r) {
    ras[r] = n.srow[r][0] * i + n.srow[r][1] * j + n.srow[r][2] * k + n.srow[r][3];
  }
  return {-ras[0], -ras[1], ras[2]};
}

double Distance(const Vec3& a, const Vec3& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                   (a[2] - b[2]) * (a[2] - b[2]));
}

struct Dcm2niix {
  fs::path out_dir;
  std::string log;  // verbose stdout + stderr
};

Dcm2niix RunDcm2niix(const fs::path& series_dir, const std::string& tag) {
  Dcm2niix r;
  r.out_dir = testing::FreshTempDir("dcm2niix_" + tag);
  testing::CommandResult which = testing::RunCommand("command -v dcm2niix");
  EXPECT_EQ(which.exit_code, 0) << "dcm2niix not installed (apt-get install dcm2niix)";
  testing::CommandResult run =
      testing::RunCommand("dcm2niix -v 1 -b y -z n -f vol -o '" + r.out_dir.string() + "' '" +
                          series_dir.string() + "' 2>&1");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  r.log = run.out;
  return r;
}

// ---- comparisons ------------------------------------------------------------------------

// Our voxel (i, j, k) is dcm2niix's (i, rows - 1 - j, k).
void ExpectSameGrid(const VolumePlan& plan, const Nifti& n) {
  const auto& size = plan.geometry.size;
  ASSERT_EQ(n.dim, size);
  const double rows = static_cast<double>(size[1]);
  for (double i : {0.0, size[0] - 1.0}) {
    for (double j : {0.0, rows - 1}) {
      for (double k : {0.0, size[2] - 1.0}) {
        Vec3 ours = plan.geometry.VoxelToLps(i, j, k);
        Vec3 theirs = NiftiLps(n, i, rows - 1 - j, k);
        EXPECT_LT(Distance(ours, theirs), kPositionTolMm)
            << "voxel (" << i << ", " << j << ", " << k << ")";
      }
    }
  }
}

void ExpectSameVoxels(const volume::Volume& v, const Nifti& n) {
  const auto& size = v.geometry.size;
  ASSERT_EQ(n.dim, size);
  size_t mismatches = 0;
  for (size_t k = 0; k < size[2]; ++k) {
    for (size_t j = 0; j < size[1]; ++j) {
      for (size_t i = 0; i < size[0]; ++i) {
        double theirs = n.values[i + size[0] * ((size[1] - 1 - j) + size[1] * k)];
        if (std::abs(v.voxels[v.Index(i, j, k)] - theirs) > 1e-3 && mismatches++ < 5) {
          ADD_FAILURE() << "voxel (" << i << ", " << j << ", " << k << "): ours "
                        << v.voxels[v.Index(i, j, k)] << ", dcm2niix " << theirs;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

fs::path Shared(const std::string& name) { return testing::SharedDicomDir() / name; }

// A regular series: no issue, same grid and voxels as dcm2niix.
void CheckRegularSeries(const std::string& name, const std::string& tag) {
  Series s = LoadSeries(Shared(name));
  ASSERT_FALSE(s.slices.empty());
  Result<VolumePlan> plan = volume::PlanVolume(s.slices);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const auto& issue : plan->issues) ADD_FAILURE() << issue.message;
  Dcm2niix ref = RunDcm2niix(Shared(name), tag);
  EXPECT_EQ(ref.log.find("tilt"), std::string::npos) << ref.log;
  EXPECT_EQ(ref.log.find("Interslice distance varies"), std::string::npos) << ref.log;
  Nifti n = ReadNifti(ref.out_dir / "vol.nii");
  ExpectSameGrid(*plan, n);
  ExpectSameVoxels(Assemble(s, *plan), n);
  fs::remove_all(ref.out_dir);
}

TEST(VolumeGeometry, LidcChestCtMatchesDcm2niix) {
  CheckRegularSeries("ct_chest_upper_abdomen_lidc0314_2mm", "lidc");
}

TEST(VolumeGeometry, ThreeSliceCtMatchesDcm2niix) {
  CheckRegularSeries("seg_liver_on_ct_3slice_dcmqi/ct", "ct3");
}

TEST(VolumeGeometry, ObliqueMrMatchesDcm2niix) {
  CheckRegularSeries("mr_brain_t1post_oblique_tcia", "mr");
}

std::vector<double> ParseNumberList(const std::string& log, const std::string& prefix) {
  std::vector<double> out;
  size_t at = log.find(prefix);
  if (at == std::string::npos) return out;
  size_t end = log.find(']', at);
  std::istringstream in(log.substr(at + prefix.size(), end - at - prefix.size()));
  for (double v; in >> v;) out.push_back(v);
  return out;
}

TEST(VolumeGeometry, GantryTiltHeadCtIsReportedAndMatchesDcm2niix) {
  const std::string name = "ct_head_ge_gantry_tilt_variable_spacing";
  Series s = LoadSeries(Shared(name));
  ASSERT_EQ(s.slices.size(), 28u);

  // Default options: irregular spacing is fatal, and the message says why.
  Result<VolumePlan> rejected = volume::PlanVolume(s.slices);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(rejected.status().message().find("irregular_spacing"), std::string::npos)
      << rejected.status().message();

  volume::PlanOptions options;
  options.irregular_spacing = volume::IrregularSpacingPolicy::kStackAtMeanSpacing;
  Result<VolumePlan> plan = volume::PlanVolume(s.slices, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->HasIssue(IssueKind::kGantryTilt));
  EXPECT_TRUE(plan->HasIssue(IssueKind::kIrregularSpacing));
  EXPECT_EQ(plan->issues.size(), 2u);
  for (const auto& issue : plan->issues) std::cout << "  reported: " << issue.message << "\n";

  Dcm2niix ref = RunDcm2niix(Shared(name), "head");
  EXPECT_NE(ref.log.find("Interslice distance varies"), std::string::npos) << ref.log;

  // dcm2niix's tilt estimate from the slice vector.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(ref.log, m, std::regex("estimated from slice vector ([-0-9.]+)")))
      << ref.log;
  EXPECT_NEAR(plan->tilt_deg, std::abs(std::stod(m[1])), 0.01);

  // Slice distances along the normal from the first slice, printed with 6 significant digits.
  std::vector<double> dx = ParseNumberList(ref.log, "dx=[");
  ASSERT_EQ(dx.size(), plan->slice_distance_mm.size()) << ref.log;
  for (size_t k = 0; k < dx.size(); ++k) {
    EXPECT_NEAR(plan->slice_distance_mm[k], dx[k], kPositionTolMm) << "slice " << k;
  }

  // The raw stack: same dimensions, same slices in the same order, same first stored row.
  Nifti raw = ReadNifti(ref.out_dir / "vol.nii");
  ASSERT_EQ(raw.dim, plan->geometry.size);
  const double rows = static_cast<double>(plan->geometry.size[1]);
  for (double i : {0.0, plan->geometry.size[0] - 1.0}) {
    EXPECT_LT(Distance(plan->geometry.VoxelToLps(i, rows - 1, 0), NiftiLps(raw, i, 0, 0)),
              kPositionTolMm);
  }
  ExpectSameVoxels(Assemble(s, *plan), raw);

  // The tilt-corrected copy grows by the in-plane shear of the last slice, in rows.
  Nifti corrected = ReadNifti(ref.out_dir / "vol_Tilt_Eq_1.nii");
  const double shear_rows = std::tan(plan->tilt_deg * M_PI / 180) * plan->slice_distance_mm.back() /
                            s.slices[0].pixel_spacing[0];
  EXPECT_EQ(corrected.dim[1], plan->geometry.size[1] + static_cast<size_t>(std::ceil(shear_rows)));

  // Our geometry puts slice 0 and the last slice exactly where their IPPs are.
  const auto& g = plan->geometry;
  EXPECT_LT(Distance(g.VoxelToLps(0, 0, 0), s.slices[plan->slice_order.front()].position),
            kPositionTolMm);
  EXPECT_LT(
      Distance(g.VoxelToLps(0, 0, g.size[2] - 1.0), s.slices[plan->slice_order.back()].position),
      kPositionTolMm);
  fs::remove_all(ref.out_dir);
}

}  // namespace
}  // namespace openhi
