#include "openhi/infer/spleen_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "openhi/infer/orientation.h"
#include "openhi/infer/sliding_window.h"
#include "openhi/infer/spacing.h"

namespace openhi::infer {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

Status ValidateImage(const volume::Volume& image) {
  const auto& g = image.geometry;
  if (g.size[0] == 0 || g.size[1] == 0 || g.size[2] == 0) {
    return InvalidArgument("image volume is empty");
  }
  if (image.voxels.size() != g.VoxelCount()) {
    return InvalidArgument("image has " + std::to_string(image.voxels.size()) +
                           " voxels, its geometry needs " + std::to_string(g.VoxelCount()));
  }
  for (int a = 0; a < 3; ++a) {
    if (!(g.spacing_mm[a] > 0) || !std::isfinite(g.spacing_mm[a])) {
      return InvalidArgument("image spacing must be positive and finite");
    }
    if (!std::isfinite(g.origin_mm[a])) return InvalidArgument("image origin is not finite");
  }
  return Status::Ok();
}

Status ValidateOptions(const SpleenPipelineOptions& o) {
  if (!(o.a_min < o.a_max)) return InvalidArgument("a_min must be below a_max");
  for (int a = 0; a < 3; ++a) {
    if (o.roi[a] < 1) return InvalidArgument("roi sizes must be >= 1");
  }
  if (o.sw_batch_size < 1) return InvalidArgument("sw_batch_size must be >= 1");
  if (o.threads < 0) return InvalidArgument("threads must be >= 0");
  return Status::Ok();
}

// ScaleIntensityRange(a_min, a_max, b_min=0, b_max=1, clip=True) in float32, as MONAI
// computes it: (x - a_min) / (a_max - a_min) * (b_max - b_min) + b_min, then clip.
void ScaleIntensity(std::vector<float>& v, float a_min, float a_max) {
  const float range = a_max - a_min;
  for (float& x : v) {
    // The "* (b_max - b_min) + b_min" step is "* 1 + 0": an identity in float32.
    x = std::clamp((x - a_min) / range, 0.0f, 1.0f);
  }
}

// torch.softmax over the channel axis of {C, voxels} (float32).
void SoftmaxChannels(std::vector<float>& data, int64_t channels, int64_t voxels) {
  for (int64_t v = 0; v < voxels; ++v) {
    float m = data[v];
    for (int64_t c = 1; c < channels; ++c) m = std::max(m, data[c * voxels + v]);
    float sum = 0;
    for (int64_t c = 0; c < channels; ++c) {
      float& x = data[c * voxels + v];
      x = std::exp(x - m);
      sum += x;
    }
    for (int64_t c = 0; c < channels; ++c) data[c * voxels + v] /= sum;
  }
}

}  // namespace

Result<volume::Mask> RunSegmentation(const TorchModel& model, const volume::Volume& image,
                                     const SpleenPipelineOptions& options,
                                     StageTimings* timings) {
  OPENHI_RETURN_IF_ERROR(ValidateImage(image));
  OPENHI_RETURN_IF_ERROR(ValidateOptions(options));
  if (options.threads > 0) TorchModel::SetNumThreads(options.threads);
  StageTimings t;

  // --- Pre-processing -------------------------------------------------------------------
  auto start = Clock::now();
  const std::array<int64_t, 3> shape = ArrayShape(image.geometry);
  const Mat4 affine = RasAffineFromGeometry(image.geometry);
  OPENHI_ASSIGN_OR_RETURN(Reorientation orient, ReorientToRas(affine));
  const std::array<int64_t, 3> oriented_shape = orient.OrientedShape(shape);
  const Mat4 oriented_affine = orient.OrientedAffine(affine, shape);
  const StridedView<const float> oriented = orient.Apply(ArrayView(image));

  OPENHI_ASSIGN_OR_RETURN(SpacingPlan plan,
                          PlanSpacing(oriented_shape, oriented_affine, options.pixdim));
  OPENHI_ASSIGN_OR_RETURN(Mat4 to_oriented, IndexTransform(oriented_affine, plan.affine));
  const int64_t grid_voxels = plan.shape[0] * plan.shape[1] * plan.shape[2];
  std::vector<float> grid(static_cast<size_t>(grid_voxels));
  ResampleTrilinear(oriented, to_oriented, COrderView(grid.data(), plan.shape), options.pool);
  ScaleIntensity(grid, options.a_min, options.a_max);
  t.preprocess_s = Seconds(start);
  t.network_grid = plan.shape;

  // --- Sliding window -------------------------------------------------------------------
  start = Clock::now();
  SlidingWindowOptions sw;
  sw.roi = {options.roi[0], options.roi[1], options.roi[2]};
  sw.sw_batch_size = options.sw_batch_size;
  sw.overlap = options.overlap;
  SlidingWindowStats stats;
  auto predictor = [&model, &options](const FloatTensor& batch) -> Result<FloatTensor> {
    if (IsCancelled(options.cancel)) return CancelledError("segmentation (sliding window)");
    return model.Forward(batch);
  };
  OPENHI_ASSIGN_OR_RETURN(FloatTensor logits,
                          SlidingWindowInference(grid, plan.shape, sw, predictor, &stats));
  std::vector<float>().swap(grid);
  t.sliding_window_s = Seconds(start);
  t.forward_s = stats.predictor_seconds;
  t.windows = stats.windows;

  // --- Post-processing ------------------------------------------------------------------
  start = Clock::now();
  const int64_t channels = logits.shape[0];
  if (channels > 255) return InvalidArgument("model has more than 255 output channels");
  SoftmaxChannels(logits.data, channels, grid_voxels);
  OPENHI_ASSIGN_OR_RETURN(Mat4 to_grid, IndexTransform(plan.affine, oriented_affine));
  volume::Mask mask;
  mask.geometry = image.geometry;
  mask.voxels.assign(image.geometry.VoxelCount(), 0);
  ResampleArgmax(logits.data.data(), channels, plan.shape, to_grid, orient.Apply(ArrayView(mask)),
                 options.pool);
  t.postprocess_s = Seconds(start);
  if (timings) *timings = t;
  return mask;
}

}  // namespace openhi::infer
