#pragma once
// The analytic abdomen phantom of synth.h, evaluated at LPS points (mm). Immutable after
// construction: one Phantom may be shared by threads.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "openhi/synth/synth.h"
#include "openhi/synth/volume.h"

namespace openhi::synth::internal {

inline constexpr int kMinHu = -1024;
inline constexpr int kMaxHu = 3071;
inline constexpr uint8_t kBlobLabel = 1;

class Phantom {
 public:
  // Reads the blob, noise and seed fields of `options` (assumed valid).
  explicit Phantom(const SynthOptions& options);

  // Noise-free HU and label at the LPS point `p` (mm).
  void Sample(const Vec3& p, double* hu, uint8_t* label) const;

  // Renders spatial slice `k` of `grid`: hu[i + columns * j] gets the noisy HU rounded and
  // clamped to [kMinHu, kMaxHu], label[i + columns * j] the label. Both spans hold
  // grid.size[0] * grid.size[1] values. Noise depends on (seed, k) only.
  void RenderSlice(const VolumeGeometry& grid, size_t k, std::span<int16_t> hu,
                   std::span<uint8_t> label) const;

 private:
  // Sample's body, inlined into RenderSlice's per-voxel loop.
  [[gnu::always_inline]] inline void SampleInline(const Vec3& p, double* hu, uint8_t* label) const;

  bool blob_;
  Vec3 blob_center_;
  Vec3 blob_inv_radii_;
  double blob_hu_;
  std::array<double, 5> lobes_;  // coefficients of the smooth radial perturbation
  double bend_;                  // crescent bend (normalised units)
  double blob_reach2_;           // squared normalised radius beyond which nothing of the blob is
  double noise_sigma_;
  uint64_t seed_;
};

}  // namespace openhi::synth::internal
