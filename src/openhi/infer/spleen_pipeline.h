#pragma once
// The MONAI `spleen_ct_segmentation` bundle's inference (configs/inference.json, spec §4.1) on
// the CPU:
//   Orientationd(RAS) -> Spacingd(pixdim, bilinear) -> ScaleIntensityRanged(a_min, a_max -> 0..1,
//   clip) -> SlidingWindowInferer(roi, sw_batch_size, overlap, mode constant) ->
//   Activationsd(softmax over channels) -> Invertd(Spacingd then Orientationd, bilinear on the
//   probabilities) -> AsDiscreted(argmax).
// The output mask lies on exactly the input grid. See docs/formats/spleen-pipeline.md.
#include <array>
#include <cstdint>

#include "openhi/core/cancellation.h"
#include "openhi/core/status.h"
#include "openhi/core/thread_pool.h"
#include "openhi/infer/torch_model.h"
#include "openhi/volume/geometry.h"

namespace openhi::infer {

struct SpleenPipelineOptions {
  std::array<double, 3> pixdim = {1.5, 1.5, 2.0};  // mm, along R, A, S after orientation
  float a_min = -57.0f;                            // HU mapped to 0
  float a_max = 164.0f;                            // HU mapped to 1
  std::array<int, 3> roi = {96, 96, 96};
  int sw_batch_size = 4;
  double overlap = 0.5;
  int threads = 2;  // libtorch intra-op threads (process-wide); 0 leaves the setting alone
  // Checked before every forward pass (one batch of sw_batch_size windows); when set the run
  // stops with CancelledError. Not owned; may be null.
  const CancellationToken* cancel = nullptr;
  // CPU pool for the resampling before and after the network (not the forward passes: those
  // run on libtorch's own threads). Not owned; null: single-threaded resampling.
  ThreadPool* pool = nullptr;
};

struct StageTimings {
  double preprocess_s = 0;      // orientation, spacing, intensity scaling
  double sliding_window_s = 0;  // window extraction, model forward passes and stitching
  double forward_s = 0;         // of which inside TorchModel::Forward
  double postprocess_s = 0;     // softmax, inverse spacing/orientation, argmax
  int64_t windows = 0;
  std::array<int64_t, 3> network_grid = {0, 0, 0};  // resampled RAS array shape fed to windows
};

// Segments `image` (HU on an LPS grid). The result has the input's geometry and labels = the
// argmax channel (0 background, 1 spleen for the bundle). InvalidArgument for an empty or
// inconsistent volume, a degenerate direction matrix or bad options; model errors are
// returned as the model reports them.
Result<volume::Mask> RunSegmentation(const TorchModel& model, const volume::Volume& image,
                                     const SpleenPipelineOptions& options = {},
                                     StageTimings* timings = nullptr);

}  // namespace openhi::infer
