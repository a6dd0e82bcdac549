#include "openhi/infer/sliding_window.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

namespace openhi::infer {

std::vector<int64_t> WindowStarts(int64_t padded, int64_t roi, double overlap) {
  // _get_scan_interval
  int64_t interval = roi;
  if (roi != padded) {
    interval = static_cast<int64_t>(static_cast<double>(roi) * (1.0 - overlap));
    if (interval <= 0) interval = 1;
  }
  // dense_patch_slices
  const int64_t num = static_cast<int64_t>(
      std::ceil(static_cast<double>(padded) / static_cast<double>(interval)));
  int64_t count = 1;
  for (int64_t d = 0; d < num; ++d) {
    if (d * interval + roi >= padded) {
      count = d + 1;
      break;
    }
  }
  std::vector<int64_t> starts;
  starts.reserve(count);
  for (int64_t d = 0; d < count; ++d) {
    int64_t s = d * interval;
    s -= std::max<int64_t>(s + roi - padded, 0);
    starts.push_back(s);
  }
  return starts;
}

Result<FloatTensor> SlidingWindowInference(std::span<const float> image,
                                           const std::array<int64_t, 3>& shape,
                                           const SlidingWindowOptions& options,
                                           const BatchPredictor& predictor,
                                           SlidingWindowStats* stats) {
  const auto& roi = options.roi;
  if (!(options.overlap >= 0.0 && options.overlap < 1.0)) {
    return InvalidArgument("overlap must be in [0, 1), got " + std::to_string(options.overlap));
  }
  if (options.sw_batch_size < 1) return InvalidArgument("sw_batch_size must be >= 1");
  int64_t voxels = 1;
  for (int a = 0; a < 3; ++a) {
    if (roi[a] < 1) return InvalidArgument("roi sizes must be >= 1");
    if (shape[a] < 1) return InvalidArgument("image must not be empty");
    voxels *= shape[a];
  }
  if (static_cast<int64_t>(image.size()) != voxels) {
    return InvalidArgument("image has " + std::to_string(image.size()) + " voxels, shape needs " +
                           std::to_string(voxels));
  }

  std::array<int64_t, 3> padded{}, pad_lo{};
  std::array<std::vector<int64_t>, 3> starts;
  std::array<std::vector<float>, 3> axis_count;  // windows covering each image index, per axis
  for (int a = 0; a < 3; ++a) {
    padded[a] = std::max(shape[a], roi[a]);
    pad_lo[a] = (padded[a] - shape[a]) / 2;
    starts[a] = WindowStarts(padded[a], roi[a], options.overlap);
    axis_count[a].assign(shape[a], 0.0f);
    for (int64_t s : starts[a]) {
      for (int64_t p = s; p < s + roi[a]; ++p) {
        const int64_t i = p - pad_lo[a];
        if (i >= 0 && i < shape[a]) axis_count[a][i] += 1.0f;
      }
    }
  }
  std::vector<std::array<int64_t, 3>> windows;
  for (int64_t s0 : starts[0])
    for (int64_t s1 : starts[1])
      for (int64_t s2 : starts[2]) windows.push_back({s0, s1, s2});

  const int64_t roi_voxels = roi[0] * roi[1] * roi[2];
  FloatTensor output;
  int64_t channels = 0;
  SlidingWindowStats local_stats;
  local_stats.windows = static_cast<int64_t>(windows.size());

  FloatTensor batch;
  for (size_t first = 0; first < windows.size(); first += options.sw_batch_size) {
    const size_t n = std::min<size_t>(options.sw_batch_size, windows.size() - first);
    batch.shape = {static_cast<int64_t>(n), 1, roi[0], roi[1], roi[2]};
    batch.data.assign(n * roi_voxels, options.cval);
    for (size_t w = 0; w < n; ++w) {
      const auto& s = windows[first + w];
      float* dst = batch.data.data() + w * roi_voxels;
      for (int64_t p0 = 0; p0 < roi[0]; ++p0) {
        const int64_t i0 = s[0] + p0 - pad_lo[0];
        if (i0 < 0 || i0 >= shape[0]) continue;
        for (int64_t p1 = 0; p1 < roi[1]; ++p1) {
          const int64_t i1 = s[1] + p1 - pad_lo[1];
          if (i1 < 0 || i1 >= shape[1]) continue;
          // Contiguous run along axis 2 clipped to the image.
          const int64_t lo = std::max<int64_t>(0, pad_lo[2] - s[2]);
          const int64_t hi = std::min<int64_t>(roi[2], shape[2] + pad_lo[2] - s[2]);
          if (hi <= lo) continue;
          const float* src = image.data() + (i0 * shape[1] + i1) * shape[2] + (s[2] + lo - pad_lo[2]);
          std::copy(src, src + (hi - lo), dst + (p0 * roi[1] + p1) * roi[2] + lo);
        }
      }
    }

    const auto t0 = std::chrono::steady_clock::now();
    Result<FloatTensor> result = predictor(batch);
    local_stats.predictor_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++local_stats.batches;
    if (!result.ok()) return result.status();
    const FloatTensor& out = *result;
    if (out.shape.size() != 5 || out.shape[0] != static_cast<int64_t>(n) || out.shape[2] != roi[0] ||
        out.shape[3] != roi[1] || out.shape[4] != roi[2] || out.shape[1] < 1 ||
        static_cast<int64_t>(out.data.size()) != out.NumElements()) {
      return Internal("model output shape " + out.ShapeString() + " does not match input " +
                      batch.ShapeString());
    }
    if (channels == 0) {
      channels = out.shape[1];
      output.shape = {channels, shape[0], shape[1], shape[2]};
      output.data.assign(channels * voxels, 0.0f);
    } else if (out.shape[1] != channels) {
      return Internal("model output channels changed between batches");
    }

    for (size_t w = 0; w < n; ++w) {
      const auto& s = windows[first + w];
      for (int64_t ch = 0; ch < channels; ++ch) {
        const float* src = out.data.data() + (w * channels + ch) * roi_voxels;
        float* dst_base = output.data.data() + ch * voxels;
        for (int64_t p0 = 0; p0 < roi[0]; ++p0) {
          const int64_t i0 = s[0] + p0 - pad_lo[0];
          if (i0 < 0 || i0 >= shape[0]) continue;
          for (int64_t p1 = 0; p1 < roi[1]; ++p1) {
            const int64_t i1 = s[1] + p1 - pad_lo[1];
            if (i1 < 0 || i1 >= shape[1]) continue;
            const int64_t lo = std::max<int64_t>(0, pad_lo[2] - s[2]);
            const int64_t hi = std::min<int64_t>(roi[2], shape[2] + pad_lo[2] - s[2]);
            const float* row = src + (p0 * roi[1] + p1) * roi[2];
            float* dst = dst_base + (i0 * shape[1] + i1) * shape[2] + (s[2] - pad_lo[2]);
            for (int64_t p2 = lo; p2 < hi; ++p2) dst[p2] += row[p2];
          }
        }
      }
    }
  }

  // Divide by the count map (a product of per-axis counts: windows form a grid).
  for (int64_t ch = 0; ch < channels; ++ch) {
    float* base = output.data.data() + ch * voxels;
    for (int64_t i0 = 0; i0 < shape[0]; ++i0) {
      for (int64_t i1 = 0; i1 < shape[1]; ++i1) {
        const float c01 = axis_count[0][i0] * axis_count[1][i1];
        float* row = base + (i0 * shape[1] + i1) * shape[2];
        for (int64_t i2 = 0; i2 < shape[2]; ++i2) row[i2] /= c01 * axis_count[2][i2];
      }
    }
  }
  if (stats) *stats = local_stats;
  return output;
}

}  // namespace openhi::infer
