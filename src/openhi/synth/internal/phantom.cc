#include "openhi/synth/internal/phantom.h"

#include <algorithm>
#include <cmath>

#include "openhi/core/check.h"
#include "openhi/synth/internal/random.h"

namespace openhi::synth::internal {
namespace {

// Anatomy (LPS mm, HU). The body is an elliptic cylinder along S centred on the S axis.
constexpr double kBodyA = 165, kBodyB = 120;  // semi-axes along L and P
constexpr double kFatLayer = 15;              // subcutaneous fat thickness
constexpr double kAirHu = -1000, kFatHu = -100, kTissueHu = 40;
constexpr double kLiverHu = 60;
constexpr Vec3 kLiverCenter = {-70, -10, 40}, kLiverRadii = {70, 75, 90};
constexpr double kSpineX = 0, kSpineY = 75;  // vertebral body axis
constexpr double kSpineInner = 15, kSpineOuter = 20;
constexpr double kCancellousHu = 250, kCorticalPeakHu = 1200, kCorticalEdgeHu = 700;
constexpr double kBlobShell = 0.15;  // fat shell around the blob, normalised radius units
constexpr double kMaxLobe = 0.06;    // |lobes_[m]| bound; |perturbation| <= 0.21

constexpr double Sq(double v) { return v * v; }

}  // namespace

Phantom::Phantom(const SynthOptions& options)
    : blob_(options.blob),
      blob_center_(options.blob_center_mm),
      blob_hu_(options.blob_hu),
      noise_sigma_(options.noise_sigma_hu),
      seed_(options.seed) {
  for (int a = 0; a < 3; ++a) {
    OPENHI_CHECK(options.blob_radii_mm[a] > 0);
    blob_inv_radii_[a] = 1.0 / options.blob_radii_mm[a];
  }
  SplitMix64 rng(StreamSeed(options.seed, Stream::kBlob, 0));
  for (double& c : lobes_) c = (2 * rng.Uniform() - 1) * kMaxLobe;
  bend_ = 0.25 + 0.1 * rng.Uniform();
  blob_reach2_ = Sq(1 + 0.21 + kBlobShell + 1e-9);
}

inline void Phantom::SampleInline(const Vec3& p, double* hu, uint8_t* label) const {
  const double x = p[0], y = p[1], z = p[2];
  *label = 0;
  const double body = Sq(x / kBodyA) + Sq(y / kBodyB);
  if (body >= 1) {
    *hu = kAirHu;
    return;
  }
  const bool inner = Sq(x / (kBodyA - kFatLayer)) + Sq(y / (kBodyB - kFatLayer)) < 1;
  bool bone = false;
  double v = kFatHu;
  if (inner) {
    v = kTissueHu;
    if (Sq((x - kLiverCenter[0]) / kLiverRadii[0]) + Sq((y - kLiverCenter[1]) / kLiverRadii[1]) +
            Sq((z - kLiverCenter[2]) / kLiverRadii[2]) <
        1) {
      v = kLiverHu;
    }
    const double r2 = Sq(x - kSpineX) + Sq(y - kSpineY);
    if (r2 < Sq(kSpineOuter)) {
      bone = true;
      const double r = std::sqrt(r2);
      if (r < kSpineInner) {
        v = kCancellousHu;
      } else {
        const double t = (r - kSpineInner) / (kSpineOuter - kSpineInner);  // 0..1 across the ring
        v = kCorticalPeakHu - (kCorticalPeakHu - kCorticalEdgeHu) * std::abs(2 * t - 1);
      }
    }
  }
  if (blob_) {
    // Normalised coordinates, bent into a crescent whose tips curve medially (towards -L).
    const double uy = (y - blob_center_[1]) * blob_inv_radii_[1];
    const double uz = (z - blob_center_[2]) * blob_inv_radii_[2];
    const double ux = (x - blob_center_[0]) * blob_inv_radii_[0] + bend_ * uy * uy;
    const double rho2 = ux * ux + uy * uy + uz * uz;
    if (rho2 < blob_reach2_) {
      const double rho = std::sqrt(rho2);
      double limit = 1;
      if (rho > 1e-12) {
        const double dx = ux / rho, dy = uy / rho, dz = uz / rho;
        limit += lobes_[0] * dx * dy + lobes_[1] * dy * dz + lobes_[2] * dx * dz +
                 lobes_[3] * (dx * dx - dy * dy) + lobes_[4] * (3 * dz * dz - 1) * 0.5;
      }
      if (rho < limit) {
        v = blob_hu_;
        *label = kBlobLabel;
      } else if (rho < limit + kBlobShell && inner && !bone) {
        v = kFatHu;
      }
    }
  }
  *hu = v;
}

void Phantom::Sample(const Vec3& p, double* hu, uint8_t* label) const {
  SampleInline(p, hu, label);
}

void Phantom::RenderSlice(const VolumeGeometry& grid, size_t k, std::span<int16_t> hu,
                          std::span<uint8_t> label) const {
  const size_t columns = grid.size[0], rows = grid.size[1];
  OPENHI_CHECK(hu.size() == columns * rows && label.size() == columns * rows);
  Vec3 di, dj;
  for (int a = 0; a < 3; ++a) {
    di[a] = grid.direction[0][a] * grid.spacing_mm[0];
    dj[a] = grid.direction[1][a] * grid.spacing_mm[1];
  }
  const Vec3 slice_origin = grid.VoxelToLps(0, 0, static_cast<double>(k));
  SplitMix64 rng(StreamSeed(seed_, Stream::kNoise, k));
  for (size_t j = 0; j < rows; ++j) {
    const double jd = static_cast<double>(j);
    for (size_t i = 0; i < columns; ++i) {
      const double id = static_cast<double>(i);
      const Vec3 p = {slice_origin[0] + id * di[0] + jd * dj[0],
                      slice_origin[1] + id * di[1] + jd * dj[1],
                      slice_origin[2] + id * di[2] + jd * dj[2]};
      double v;
      const size_t n = i + columns * j;
      SampleInline(p, &v, &label[n]);
      if (noise_sigma_ > 0) v += noise_sigma_ * rng.Normalish();
      // Round half away from zero, after clamping (no libm call in this loop).
      v = std::clamp(v, double{kMinHu}, double{kMaxHu});
      hu[n] = static_cast<int16_t>(v >= 0 ? static_cast<int>(v + 0.5) : -static_cast<int>(0.5 - v));
    }
  }
}

}  // namespace openhi::synth::internal
