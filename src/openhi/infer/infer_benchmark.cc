// Per-window forward time and the full spleen pipeline on a synthetic LIDC-sized CT.
//
//   infer_benchmark MODEL.ts [--threads N] [--batches N] [--batch N] [--pipeline]
//
// Prints the mean wall time of `--batches` forward passes on {batch, 1, 96, 96, 96} (after one
// warm-up pass), and with --pipeline runs RunSegmentation on a 512x512x138 volume at
// 0.703125 x 0.703125 x 2 mm and prints the stage timings. Peak RSS is from getrusage.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "openhi/infer/spleen_pipeline.h"
#include "openhi/infer/torch_model.h"

namespace {

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace openhi;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.ts [--threads N] [--batches N] [--batch N] [--pipeline]\n",
                 argv[0]);
    return 2;
  }
  int threads = 2, batches = 3, batch = 4;
  bool pipeline = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--batches" && i + 1 < argc) batches = std::atoi(argv[++i]);
    else if (a == "--batch" && i + 1 < argc) batch = std::atoi(argv[++i]);
    else if (a == "--pipeline") pipeline = true;
  }
  auto model = infer::TorchModel::Load(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  infer::TorchModel::SetNumThreads(threads);
  infer::FloatTensor in;
  in.shape = {batch, 1, 96, 96, 96};
  in.data.resize(size_t(batch) * 96 * 96 * 96);
  for (size_t i = 0; i < in.data.size(); ++i) in.data[i] = float((i * 2654435761u) % 1000) / 999.0f;
  if (!model->Forward(in).ok()) return 1;  // warm-up (TorchScript profiling runs)
  const auto t0 = std::chrono::steady_clock::now();
  for (int b = 0; b < batches; ++b) {
    if (!model->Forward(in).ok()) return 1;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("forward: batch %d, %d threads: %.3f s per batch, %.3f s per window; peak RSS %.0f MiB\n",
              batch, threads, s / batches, s / batches / batch, PeakRssMiB());

  if (pipeline) {
    volume::Volume ct;
    ct.geometry.size = {512, 512, 138};
    ct.geometry.spacing_mm = {0.703125, 0.703125, 2.0};
    ct.geometry.origin_mm = {-180, -180, -700};
    ct.voxels.resize(ct.geometry.VoxelCount());
    for (size_t k = 0; k < 138; ++k)
      for (size_t j = 0; j < 512; ++j)
        for (size_t i = 0; i < 512; ++i) {
          const double x = (double(i) - 256) / 200, y = (double(j) - 256) / 150;
          ct.voxels[ct.Index(i, j, k)] = x * x + y * y < 1 ? float((i + j + k) % 80) - 20.0f : -1000.0f;
        }
    const double rss_before = PeakRssMiB();
    infer::SpleenPipelineOptions options;
    options.threads = threads;
    options.sw_batch_size = batch;
    infer::StageTimings t;
    auto mask = infer::RunSegmentation(*model, ct, options, &t);
    if (!mask.ok()) {
      std::fprintf(stderr, "%s\n", mask.status().ToString().c_str());
      return 1;
    }
    std::printf("pipeline 512x512x138: grid %lldx%lldx%lld, %lld windows; preprocess %.2f s, "
                "sliding window %.2f s (forward %.2f s), postprocess %.2f s; %zu spleen voxels; "
                "peak RSS %.0f MiB (%.0f MiB before the pipeline, input volume %.0f MiB)\n",
                (long long)t.network_grid[0], (long long)t.network_grid[1],
                (long long)t.network_grid[2], (long long)t.windows, t.preprocess_s,
                t.sliding_window_s, t.forward_s, t.postprocess_s, mask->CountNonZero(),
                PeakRssMiB(), rss_before, ct.voxels.size() * 4.0 / 1048576.0);
  }
  return 0;
}
