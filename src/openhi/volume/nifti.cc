#include "openhi/volume/nifti.h"

#include <cmath>
#include <cstring>
#include <string>

#include "openhi/core/file_util.h"
#include "openhi/core/gzip.h"

namespace openhi::volume {
namespace {

constexpr size_t kHeaderBytes = 348;
constexpr size_t kVoxOffset = 352;

template <typename T>
void Put(Bytes& out, size_t offset, T value) {
  std::memcpy(out.data() + offset, &value, sizeof(T));  // x86-64 / aarch64: little-endian
}

double Dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

// nifti1_io.c nifti_mat44_to_quatern for a proper rotation r (rows x columns): b, c, d.
std::array<double, 3> RotationToQuaternion(const double r[3][3]) {
  double a = r[0][0] + r[1][1] + r[2][2] + 1.0;
  double b, c, d;
  if (a > 0.5) {
    a = 0.5 * std::sqrt(a);
    b = 0.25 * (r[2][1] - r[1][2]) / a;
    c = 0.25 * (r[0][2] - r[2][0]) / a;
    d = 0.25 * (r[1][0] - r[0][1]) / a;
  } else {
    const double xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
    const double yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
    const double zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
    if (xd > 1.0) {
      b = 0.5 * std::sqrt(xd);
      c = 0.25 * (r[0][1] + r[1][0]) / b;
      d = 0.25 * (r[0][2] + r[2][0]) / b;
      a = 0.25 * (r[2][1] - r[1][2]) / b;
    } else if (yd > 1.0) {
      c = 0.5 * std::sqrt(yd);
      b = 0.25 * (r[0][1] + r[1][0]) / c;
      d = 0.25 * (r[1][2] + r[2][1]) / c;
      a = 0.25 * (r[0][2] - r[2][0]) / c;
    } else {
      d = 0.5 * std::sqrt(zd);
      b = 0.25 * (r[0][2] + r[2][0]) / d;
      c = 0.25 * (r[1][2] + r[2][1]) / d;
      a = 0.25 * (r[1][0] - r[0][1]) / d;
    }
    if (a < 0.0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return {b, c, d};
}

}  // namespace

std::array<std::array<double, 4>, 3> NiftiRasAffine(const VolumeGeometry& g) {
  std::array<std::array<double, 4>, 3> m{};
  for (int r = 0; r < 3; ++r) {
    const double sign = r < 2 ? -1.0 : 1.0;
    for (int c = 0; c < 3; ++c) m[r][c] = sign * g.direction[c][r] * g.spacing_mm[c];
    m[r][3] = sign * g.origin_mm[r];
  }
  return m;
}

Result<Bytes> EncodeNiftiMask(const Mask& mask) {
  const VolumeGeometry& g = mask.geometry;
  for (int a = 0; a < 3; ++a) {
    if (g.size[a] == 0 || g.size[a] > 32767) {
      return InvalidArgument("NIfTI: size " + std::to_string(g.size[a]) + " along axis " +
                             std::to_string(a) + " (must be 1..32767)");
    }
    if (!(g.spacing_mm[a] > 0)) return InvalidArgument("NIfTI: spacing must be > 0");
  }
  if (mask.voxels.size() != g.VoxelCount()) {
    return InvalidArgument("NIfTI: " + std::to_string(mask.voxels.size()) +
                           " voxels for a grid of " + std::to_string(g.VoxelCount()));
  }
  Bytes out(kVoxOffset + mask.voxels.size(), std::byte{0});
  Put<int32_t>(out, 0, static_cast<int32_t>(kHeaderBytes));
  out[38] = std::byte{'r'};  // regular
  const int16_t dims[8] = {3,
                           static_cast<int16_t>(g.size[0]),
                           static_cast<int16_t>(g.size[1]),
                           static_cast<int16_t>(g.size[2]),
                           1,
                           1,
                           1,
                           1};
  for (int i = 0; i < 8; ++i) Put<int16_t>(out, 40 + 2 * i, dims[i]);
  Put<int16_t>(out, 70, 2);                              // datatype DT_UINT8
  Put<int16_t>(out, 72, 8);                              // bitpix
  Put<float>(out, 108, static_cast<float>(kVoxOffset));  // vox_offset
  Put<float>(out, 112, 1.0f);                            // scl_slope
  out[123] = std::byte{2};                               // xyzt_units: NIFTI_UNITS_MM
  const char descrip[] = "openhi label volume";
  std::memcpy(out.data() + 148, descrip, sizeof(descrip) - 1);

  const auto affine = NiftiRasAffine(g);
  // qform: columns of the rotation are the RAS unit axes; qfac = -1 flips the third.
  double qfac = 1.0;
  bool orthogonal = std::fabs(Dot(g.direction[0], g.direction[1])) < 1e-6 &&
                    std::fabs(Dot(g.direction[0], g.direction[2])) < 1e-6 &&
                    std::fabs(Dot(g.direction[1], g.direction[2])) < 1e-6;
  if (orthogonal) {
    double r[3][3];
    for (int row = 0; row < 3; ++row) {
      for (int c = 0; c < 3; ++c) r[row][c] = affine[row][c] / g.spacing_mm[c];
    }
    const double det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
                       r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
                       r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    if (det < 0) {
      qfac = -1.0;
      for (int row = 0; row < 3; ++row) r[row][2] = -r[row][2];
    }
    const auto q = RotationToQuaternion(r);
    Put<int16_t>(out, 252, 1);  // qform_code NIFTI_XFORM_SCANNER_ANAT
    Put<float>(out, 256, static_cast<float>(q[0]));
    Put<float>(out, 260, static_cast<float>(q[1]));
    Put<float>(out, 264, static_cast<float>(q[2]));
    Put<float>(out, 268, static_cast<float>(affine[0][3]));
    Put<float>(out, 272, static_cast<float>(affine[1][3]));
    Put<float>(out, 276, static_cast<float>(affine[2][3]));
  }
  Put<float>(out, 76, static_cast<float>(qfac));  // pixdim[0]
  for (int a = 0; a < 3; ++a) Put<float>(out, 80 + 4 * a, static_cast<float>(g.spacing_mm[a]));
  Put<int16_t>(out, 254, 1);  // sform_code NIFTI_XFORM_SCANNER_ANAT
  for (int row = 0; row < 3; ++row) {
    for (int c = 0; c < 4; ++c) {
      Put<float>(out, 280 + 16 * row + 4 * c, static_cast<float>(affine[row][c]));
    }
  }
  std::memcpy(out.data() + 344, "n+1\0", 4);
  std::memcpy(out.data() + kVoxOffset, mask.voxels.data(), mask.voxels.size());
  return out;
}

Status WriteNiftiMask(const Mask& mask, const std::filesystem::path& path) {
  OPENHI_ASSIGN_OR_RETURN(Bytes nii, EncodeNiftiMask(mask));
  const std::string name = path.filename().string();
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) {
    OPENHI_ASSIGN_OR_RETURN(Bytes gz, GzipCompress(nii, 6));
    return WriteFileAtomic(path, gz, Durability::kNone);
  }
  return WriteFileAtomic(path, nii, Durability::kNone);
}

}  // namespace openhi::volume
