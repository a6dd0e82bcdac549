#pragma once
// MONAI `Spacing(pixdim, mode="bilinear")` (defaults: padding_mode="border", align_corners=False,
// dtype=float64, diagonal=False, scale_extent=False) and its inverse, as used by the
// spleen_ct_segmentation bundle. See docs/formats/spleen-pipeline.md for the sources.
#include <array>
#include <cstdint>

#include "openhi/core/status.h"
#include "openhi/core/thread_pool.h"
#include "openhi/infer/affine.h"
#include "openhi/infer/strided_view.h"

namespace openhi::infer {

// The output grid of Spacing for an input array of `shape` with RAS `affine`.
struct SpacingPlan {
  std::array<double, 3> pixdim = {1, 1, 1};  // spacing actually used per array axis (mm)
  std::array<int64_t, 3> shape = {0, 0, 0};
  Mat4 affine{};                             // output array index -> RAS mm
};

// monai.transforms.Spacing.__call__: an input spacing within AFFINE_TOL (1e-3 mm) of the target
// is kept; zoom_affine (rotation kept, zooms replaced); compute_shape_offset: shape =
// round_half_even(ptp(corners in output index space) + 1), origin = the input corner that is
// smallest in every output axis. InvalidArgument for a non-positive pixdim, an empty shape or a
// singular affine.
Result<SpacingPlan> PlanSpacing(const std::array<int64_t, 3>& shape, const Mat4& affine,
                                const std::array<double, 3>& pixdim);

// The index map of monai SpatialResample: dst index -> src index = solve(src_affine, dst_affine).
Result<Mat4> IndexTransform(const Mat4& src_affine, const Mat4& dst_affine);

// torch grid_sample(mode="bilinear", padding_mode="border", align_corners=False) on a 3-D
// array in float64, as MONAI's AffineTransform with normalized=False: output voxel p samples
// `src` at continuous index `dst_to_src` * p, clamped to [0, n-1] per axis; results are rounded
// to float32. `dst` may have any strides. With a `pool` the slabs of dst's first axis are
// shared out over its threads (the result does not depend on it; the caller must not be one of
// its workers); without, single-threaded.
void ResampleTrilinear(const StridedView<const float>& src, const Mat4& dst_to_src,
                       const StridedView<float>& dst, ThreadPool* pool = nullptr);

// The inverse path of the bundle's post-processing for `channels` probability arrays stored
// back to back, each C-order with `prob_shape`: every channel is resampled exactly as
// ResampleTrilinear does, rounded to float32, and `labels` gets the channel index of the
// maximum (the first on ties, as torch.argmax). channels must be in [1, 255]. `pool` as for
// ResampleTrilinear.
void ResampleArgmax(const float* probabilities, int64_t channels,
                    const std::array<int64_t, 3>& prob_shape, const Mat4& dst_to_src,
                    const StridedView<uint8_t>& labels, ThreadPool* pool = nullptr);

}  // namespace openhi::infer
