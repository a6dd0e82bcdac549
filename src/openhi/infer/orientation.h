#pragma once
// MONAI `Orientation(axcodes="RAS")` on openhi volumes, as an index mapping (no resampling).
//
// MONAI sees a DICOM series as an array with axes (i, j, k) = (column, row, slice), i.e. our
// VolumeGeometry index order, and a RAS ("NIfTI") affine: the LPS affine with its x and y rows
// negated (App SDK DICOMSeriesToVolumeOperator / InMemImageReader, spec §3.5). Orientation
// then follows nibabel: `io_orientation(affine)` assigns each array axis the world axis it runs
// along most closely (greedy, in array-axis order, on the orthogonal polar factor of the
// normalised 3x3 block), and the data are flipped and transposed so that array axis a runs
// along +R, +A, +S for a = 0, 1, 2. See docs/formats/spleen-pipeline.md.
#include <array>
#include <cstdint>

#include "openhi/core/status.h"
#include "openhi/infer/affine.h"
#include "openhi/infer/strided_view.h"
#include "openhi/volume/geometry.h"

namespace openhi::infer {

// One row of nibabel's `ornt` array: the world axis (0 = x, 1 = y, 2 = z) an array axis runs
// along, and the direction (+1 or -1).
struct AxisOrientation {
  int world_axis = 0;
  int sign = 1;
};

// nibabel.orientations.io_orientation for a 3-D affine. InvalidArgument when the 3x3 block is
// singular or not finite.
Result<std::array<AxisOrientation, 3>> IoOrientation(const Mat4& affine);

// The permutation and flips that bring an array to RAS: oriented axis a reads input axis
// source_axis[a], reversed when flip[a].
struct Reorientation {
  std::array<int, 3> source_axis = {0, 1, 2};
  std::array<bool, 3> flip = {false, false, false};

  bool IsIdentity() const;
  std::array<int64_t, 3> OrientedShape(const std::array<int64_t, 3>& shape) const;
  // The oriented array's affine: original_affine @ nibabel.inv_ornt_aff(ornt, shape).
  Mat4 OrientedAffine(const Mat4& affine, const std::array<int64_t, 3>& shape) const;
  // A view of the oriented array over the input's memory (no copy).
  template <typename T>
  StridedView<T> Apply(const StridedView<T>& input) const {
    StridedView<T> out;
    out.data = input.data;
    for (int a = 0; a < 3; ++a) {
      const int s = source_axis[a];
      out.shape[a] = input.shape[s];
      out.strides[a] = flip[a] ? -input.strides[s] : input.strides[s];
      if (flip[a]) out.data += (input.shape[s] - 1) * input.strides[s];
    }
    return out;
  }
};

// MONAI Orientation(axcodes="RAS") for an array with this RAS affine.
Result<Reorientation> ReorientToRas(const Mat4& ras_affine);

// The RAS affine MONAI gets for a volume on `geometry`, with array axes (i, j, k).
Mat4 RasAffineFromGeometry(const volume::VolumeGeometry& geometry);

// Array shape (i, j, k) of a geometry.
std::array<int64_t, 3> ArrayShape(const volume::VolumeGeometry& geometry);

// Views of volume voxels (i fastest in memory) with array axes (i, j, k).
StridedView<const float> ArrayView(const volume::Volume& volume);
StridedView<uint8_t> ArrayView(volume::Mask& mask);

}  // namespace openhi::infer
