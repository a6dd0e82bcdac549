#include "openhi/infer/spacing.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "openhi/core/check.h"

namespace openhi::infer {
namespace {

constexpr double kAffineTol = 1e-3;  // monai.data.utils.AFFINE_TOL

// numpy.round: round half to even (the default floating-point rounding mode).
double RoundHalfEven(double v) {
  const int saved = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(v);
  std::fesetround(saved);
  return r;
}

// monai.data.utils.zoom_affine(affine, pixdim, diagonal=False).
Result<Mat4> ZoomAffine(const Mat4& affine, const std::array<double, 3>& pixdim) {
  const Mat3 rzs = Linear3(affine);
  Mat3 gram{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) gram[i][j] += rzs[k][i] * rzs[k][j];
  Mat3 zs;
  if (!CholeskyUpper(gram, &zs)) return InvalidArgument("affine is singular");
  // rotation = rzs @ inv(zs); new = rotation @ diag(sign(diag(zs)) * |pixdim|).
  // zs is upper triangular: solve rotation * zs = rzs row by row (forward substitution).
  Mat3 rotation{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      double s = rzs[i][j];
      for (int k = 0; k < j; ++k) s -= rotation[i][k] * zs[k][j];
      rotation[i][j] = s / zs[j][j];
    }
  }
  Mat4 out = Identity4();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      const double sign = zs[j][j] < 0 ? -1.0 : 1.0;
      out[i][j] = rotation[i][j] * sign * std::fabs(pixdim[j]);
    }
  }
  return out;
}

}  // namespace

Result<SpacingPlan> PlanSpacing(const std::array<int64_t, 3>& shape, const Mat4& affine,
                                const std::array<double, 3>& pixdim) {
  for (int a = 0; a < 3; ++a) {
    if (!(pixdim[a] > 0) || !std::isfinite(pixdim[a])) {
      return InvalidArgument("pixdim must be positive, got " + std::to_string(pixdim[a]));
    }
    if (shape[a] <= 0) return InvalidArgument("empty input array");
  }
  SpacingPlan plan;
  const std::array<double, 3> original = ColumnNorms(Linear3(affine));
  for (int a = 0; a < 3; ++a) {
    const double d = original[a];
    plan.pixdim[a] =
        (pixdim[a] - kAffineTol <= d && d <= pixdim[a] + kAffineTol) ? d : pixdim[a];
  }
  OPENHI_ASSIGN_OR_RETURN(Mat4 out_affine, ZoomAffine(affine, plan.pixdim));

  // compute_shape_offset(shape, affine, out_affine, scale_extent=False).
  Mat4 inv_out;
  if (!Inverse(out_affine, &inv_out)) return InvalidArgument("output affine is not invertible");
  std::array<std::array<double, 3>, 8> world{};   // corners in world mm
  std::array<std::array<double, 3>, 8> out_idx{}; // corners in output index space
  for (int c = 0; c < 8; ++c) {
    // numpy.meshgrid(indexing="ij") order: the last axis varies fastest.
    const double idx[4] = {(c >> 2) & 1 ? double(shape[0] - 1) : 0.0,
                           (c >> 1) & 1 ? double(shape[1] - 1) : 0.0,
                           c & 1 ? double(shape[2] - 1) : 0.0, 1.0};
    double w4[4];
    for (int r = 0; r < 4; ++r) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += affine[r][k] * idx[k];
      w4[r] = s;
    }
    for (int r = 0; r < 3; ++r) world[c][r] = w4[r];
    double o4[4];
    for (int r = 0; r < 4; ++r) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += inv_out[r][k] * w4[k];
      o4[r] = s;
    }
    for (int r = 0; r < 3; ++r) out_idx[c][r] = o4[r] / o4[3];
  }
  for (int r = 0; r < 3; ++r) {
    double lo = out_idx[0][r], hi = out_idx[0][r];
    for (int c = 1; c < 8; ++c) {
      lo = std::min(lo, out_idx[c][r]);
      hi = std::max(hi, out_idx[c][r]);
    }
    const double n = RoundHalfEven(hi - lo + 1.0);
    if (!(n >= 1) || n > 1e9) return InvalidArgument("resampled shape is out of range");
    plan.shape[r] = static_cast<int64_t>(n);
  }
  // Offset: the first corner k with min_j(M w_j - M w_k) ~ 0 in every row (M = inv_out 3x3).
  int k = 0;
  for (int i = 0; i < 8; ++i) {
    bool smallest = true;
    for (int r = 0; r < 3 && smallest; ++r) {
      double min_d = std::numeric_limits<double>::infinity();
      for (int j = 0; j < 8; ++j) {
        double d = 0;
        for (int q = 0; q < 3; ++q) d += inv_out[r][q] * (world[j][q] - world[i][q]);
        min_d = std::min(min_d, d);
      }
      smallest = std::fabs(min_d) <= 1e-8;  // numpy.allclose(min_corner, 0) with atol 1e-8
    }
    if (smallest) {
      k = i;
      break;
    }
  }
  for (int r = 0; r < 3; ++r) out_affine[r][3] = world[k][r];
  plan.affine = out_affine;
  return plan;
}

Result<Mat4> IndexTransform(const Mat4& src_affine, const Mat4& dst_affine) {
  Mat4 x;
  if (!Solve(src_affine, dst_affine, &x)) return InvalidArgument("src affine is not invertible");
  return x;
}

namespace {

// Per-axis trilinear taps in torch's grid_sampler_3d order: index i0 = floor(x), i0 + 1, and
// the weights (i0 + 1 - x, x - i0), after clamping x to [0, n - 1] ("border").
struct Taps {
  int64_t i0;
  double x;
  bool has_upper;  // i0 + 1 < n
};

inline Taps MakeTaps(double x, int64_t n) {
  x = std::min(static_cast<double>(n - 1), std::max(x, 0.0));
  const int64_t i0 = static_cast<int64_t>(std::floor(x));
  return {i0, x, i0 + 1 < n};
}

// Samples one array at the taps; sum order follows torch (tnw, tne, tsw, tse, bnw, bne, bsw,
// bse) where t/b is axis 0, n/s axis 1 and w/e axis 2.
template <typename Fetch>
inline double Trilinear(const Taps& t0, const Taps& t1, const Taps& t2, Fetch fetch) {
  const double w2[2] = {static_cast<double>(t2.i0 + 1) - t2.x, t2.x - static_cast<double>(t2.i0)};
  const double w1[2] = {static_cast<double>(t1.i0 + 1) - t1.x, t1.x - static_cast<double>(t1.i0)};
  const double w0[2] = {static_cast<double>(t0.i0 + 1) - t0.x, t0.x - static_cast<double>(t0.i0)};
  double out = 0;
  for (int d0 = 0; d0 < 2; ++d0) {
    if (d0 && !t0.has_upper) break;
    for (int d1 = 0; d1 < 2; ++d1) {
      if (d1 && !t1.has_upper) break;
      for (int d2 = 0; d2 < 2; ++d2) {
        if (d2 && !t2.has_upper) break;
        const double w = w2[d2] * w1[d1] * w0[d0];
        out += fetch(t0.i0 + d0, t1.i0 + d1, t2.i0 + d2) * w;
      }
    }
  }
  return out;
}

// body(a) for a in [0, n): on `pool` when it has several threads, else in order here.
void ForEachSlab(int64_t n, ThreadPool* pool, const std::function<void(int64_t)>& body) {
  if (pool == nullptr || pool->size() < 2 || n < 2) {
    for (int64_t a = 0; a < n; ++a) body(a);
    return;
  }
  pool->ParallelFor(static_cast<size_t>(n), [&](size_t a) { body(static_cast<int64_t>(a)); });
}

inline void MapIndex(const Mat4& m, int64_t a, int64_t b, int64_t c, double* x) {
  for (int r = 0; r < 3; ++r) x[r] = m[r][0] * a + m[r][1] * b + m[r][2] * c + m[r][3];
}

}  // namespace

void ResampleTrilinear(const StridedView<const float>& src, const Mat4& m,
                       const StridedView<float>& dst, ThreadPool* pool) {
  auto fetch = [&](int64_t a, int64_t b, int64_t c) -> double { return src.At(a, b, c); };
  ForEachSlab(dst.shape[0], pool, [&](int64_t a) {
    for (int64_t b = 0; b < dst.shape[1]; ++b) {
      for (int64_t c = 0; c < dst.shape[2]; ++c) {
        double x[3];
        MapIndex(m, a, b, c, x);
        const Taps t0 = MakeTaps(x[0], src.shape[0]);
        const Taps t1 = MakeTaps(x[1], src.shape[1]);
        const Taps t2 = MakeTaps(x[2], src.shape[2]);
        dst.At(a, b, c) = static_cast<float>(Trilinear(t0, t1, t2, fetch));
      }
    }
  });
}

void ResampleArgmax(const float* probabilities, int64_t channels,
                    const std::array<int64_t, 3>& prob_shape, const Mat4& m,
                    const StridedView<uint8_t>& labels, ThreadPool* pool) {
  OPENHI_CHECK(channels >= 1 && channels <= 255);
  const int64_t channel_stride = prob_shape[0] * prob_shape[1] * prob_shape[2];
  const StridedView<const float> view = COrderView(probabilities, prob_shape);
  ForEachSlab(labels.shape[0], pool, [&](int64_t a) {
    for (int64_t b = 0; b < labels.shape[1]; ++b) {
      for (int64_t c = 0; c < labels.shape[2]; ++c) {
        double x[3];
        MapIndex(m, a, b, c, x);
        const Taps t0 = MakeTaps(x[0], prob_shape[0]);
        const Taps t1 = MakeTaps(x[1], prob_shape[1]);
        const Taps t2 = MakeTaps(x[2], prob_shape[2]);
        float best = 0;
        uint8_t best_channel = 0;
        for (int64_t ch = 0; ch < channels; ++ch) {
          const float* base = view.data + ch * channel_stride;
          const float v = static_cast<float>(
              Trilinear(t0, t1, t2, [&](int64_t i, int64_t j, int64_t k) -> double {
                return base[view.Offset(i, j, k)];
              }));
          if (ch == 0 || v > best) {  // ties keep the lower channel
            best = v;
            best_channel = static_cast<uint8_t>(ch);
          }
        }
        labels.At(a, b, c) = best_channel;
      }
    }
  });
}

}  // namespace openhi::infer
