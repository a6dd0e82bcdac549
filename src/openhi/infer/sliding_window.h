#pragma once
// monai.inferers.sliding_window_inference with mode="constant" (uniform importance map),
// padding_mode="constant", cval=0, as used by the spleen_ct_segmentation bundle
// (SlidingWindowInferer(roi_size=[96,96,96], sw_batch_size=4, overlap=0.5)).
//
// Window starts per axis (MONAI _get_scan_interval + dense_patch_slices), on the padded size
// P = max(n, roi): interval = roi if roi == P else max(1, int(roi * (1 - overlap)));
// count = 1 + the first d with d * interval + roi >= P; start_d = d * interval, shifted back so
// that the window ends inside P. Windows run in numpy.meshgrid(indexing="ij") order (axis 2
// fastest) in batches of sw_batch_size; each output voxel is the sum of the window outputs
// covering it (in that order) divided by their number. Inputs smaller than roi are padded with
// cval on both sides (floor(diff / 2) before), and the padding is cropped from the output.
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/infer/tensor.h"

namespace openhi::infer {

struct SlidingWindowOptions {
  std::array<int64_t, 3> roi = {96, 96, 96};
  int sw_batch_size = 4;
  double overlap = 0.5;  // in [0, 1)
  float cval = 0.0f;
};

// Window start indices per axis for an axis of padded size `padded` (>= roi).
std::vector<int64_t> WindowStarts(int64_t padded, int64_t roi, double overlap);

// Runs the network on a batch: input shape {n, 1, roi0, roi1, roi2}; the output must have shape
// {n, C, roi0, roi1, roi2} with the same C for every call.
using BatchPredictor = std::function<Result<FloatTensor>(const FloatTensor& batch)>;

struct SlidingWindowStats {
  int64_t windows = 0;
  int64_t batches = 0;
  double predictor_seconds = 0;  // wall time spent inside the predictor
};

// `image` is one channel in C order with `shape`. Returns {C, shape0, shape1, shape2} in C
// order. InvalidArgument on bad options or sizes; a predictor error is returned as is; an
// output of the wrong shape is kInternal.
Result<FloatTensor> SlidingWindowInference(std::span<const float> image,
                                           const std::array<int64_t, 3>& shape,
                                           const SlidingWindowOptions& options,
                                           const BatchPredictor& predictor,
                                           SlidingWindowStats* stats = nullptr);

}  // namespace openhi::infer
