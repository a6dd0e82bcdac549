#pragma once
// Deterministic TorchScript models written in C++ with torch::jit::Module::define, for tests
// and demos that must not depend on trained weights (DESIGN.md §9).
#include <filesystem>

#include "openhi/core/status.h"

namespace openhi::infer {

// Intensity-band model for the spleen pipeline. Input: {N, 1, D, H, W} intensities already
// scaled by ScaleIntensityRange(a_min, a_max -> 0, 1, clip). Output: {N, 2, D, H, W} logits
//   channel 0 = 0,  channel 1 = sharpness * min(x - lo, hi - x)
// with lo/hi the HU bounds mapped through the same scaling, so channel 1 wins exactly when the
// scaled value lies strictly inside (lo, hi). It is pointwise (no spatial context).
struct BandModelSpec {
  float lo_hu = 40.0f;
  float hi_hu = 60.0f;
  float a_min = -57.0f;
  float a_max = 164.0f;
  float sharpness = 100.0f;
};

// Writes the model to `path` (overwriting). InvalidArgument when lo_hu >= hi_hu,
// a_min >= a_max or sharpness <= 0; Internal when torch fails to write.
Status SaveBandModel(const std::filesystem::path& path, const BandModelSpec& spec);
inline Status SaveBandModel(const std::filesystem::path& path, float lo_hu, float hi_hu) {
  BandModelSpec spec;
  spec.lo_hu = lo_hu;
  spec.hi_hu = hi_hu;
  return SaveBandModel(path, spec);
}

// Directional edge model, to catch flipped or swapped axes end to end (the band model is
// pointwise, so it cannot). Input as for the band model; channel 1 = sharpness * (x - x2 - step)
// where x2 is the value two voxels further along network axis `axis` (0, 1, 2 = R, A, S after
// Orientation; the last voxels repeat the edge value), channel 0 = 0. Channel 1 therefore wins
// on the face of a bright object that looks towards +axis. InvalidArgument for an axis outside
// 0..2 or step <= 0.
Status SaveEdgeModel(const std::filesystem::path& path, int axis, float step = 0.1f,
                     float sharpness = 100.0f);

}  // namespace openhi::infer
