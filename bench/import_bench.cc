// Import throughput benchmark (issue #2). Prints, in one run:
//  - store import of a DICOM folder (default: the LIDC CT series) with N threads, in frames/s and
//    MB/s of decoded pixels, end to end (read, parse, decode, HTJ2K encode, verify-decode at all
//    levels, blob writes, syncs, metadata, catalog commit);
//  - the bound: pure HTJ2K encode + verify-decode of the same frames with the same N threads;
//  - the ratio (goal >= 0.75) and single-core per-frame encode/decode times.
// Usage: build/bench_import [input_dir] [threads=2] [repeats=3]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "openhi/codec/htj2k.h"
#include "openhi/core/file_util.h"
#include "openhi/core/thread_pool.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/store/store.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace openhi;

static double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int main(int argc, char** argv) {
  fs::path input = argc > 1 ? fs::path(argv[1])
                            : fs::path(OPENHI_SHARED_DIR) / "data/dicom/ct_chest_upper_abdomen_lidc0314_2mm";
  size_t threads = argc > 2 ? std::stoul(argv[2]) : 2;
  int repeats = argc > 3 ? std::stoi(argv[3]) : 3;

  // Source frames, decoded once (not timed).
  std::vector<codec::Image> frames;
  for (const auto& e : fs::directory_iterator(input)) {
    auto bytes = ReadFile(e.path());
    if (!bytes.ok()) continue;
    auto f = dicom::DicomFile::Parse(*bytes);
    if (!f.ok()) continue;
    auto px = f->Pixels();
    if (!px.ok()) continue;
    for (uint32_t i = 0; i < px->number_of_frames; ++i) {
      auto img = f->DecodeFrame(i);
      if (img.ok()) frames.push_back(std::move(*img));
    }
  }
  if (frames.empty()) {
    std::fprintf(stderr, "no decodable frames in %s\n", input.c_str());
    return 1;
  }
  double pixel_mb = 0;
  for (const auto& f : frames) pixel_mb += f.samples.size() / 1e6;

  // Single-core per-frame codec times.
  std::vector<Bytes> encoded(frames.size());
  auto t0 = Clock::now();
  for (size_t i = 0; i < frames.size(); ++i) encoded[i] = *codec::EncodeHtj2kLossless(frames[i]);
  auto t1 = Clock::now();
  for (size_t i = 0; i < frames.size(); ++i) (void)codec::DecodeHtj2k(encoded[i]);
  auto t2 = Clock::now();
  double enc_ms = Seconds(t0, t1) * 1e3 / frames.size();
  double dec_ms = Seconds(t1, t2) * 1e3 / frames.size();

  ThreadPool pool(threads);
  double best_bound = 1e30, best_import = 1e30;
  for (int r = 0; r < repeats; ++r) {
    // Bound: encode + verify-decode of every frame, N threads.
    auto b0 = Clock::now();
    pool.ParallelFor(frames.size(), [&](size_t i) {
      auto cs = codec::EncodeHtj2kLossless(frames[i]);
      auto back = codec::DecodeHtj2k(*cs);
      if (back->samples != frames[i].samples) std::abort();
    });
    best_bound = std::min(best_bound, Seconds(b0, Clock::now()));

    // Store import, N threads, fresh data dir.
    fs::path data = fs::temp_directory_path() / ("openhi_bench_import_" + std::to_string(r));
    fs::remove_all(data);
    auto store = *store::Store::Open({data / "store", threads});
    auto ds = store->CreateDatastore({"bench", "tok", {}, "", "", ""});
    auto job = store->StartImport({ds->id, "bench", "arn:aws:iam::000000000000:role/x", "j",
                                   input.string(), (data / "out").string(), ""});
    auto i0 = Clock::now();
    Status s = store->RunImport(job->id);
    double secs = Seconds(i0, Clock::now());
    auto done = store->GetImportJob(ds->id, job->id);
    if (!s.ok() || done->status != ahi::JobStatus::kCompleted) {
      std::fprintf(stderr, "import failed: %s %s\n", s.ToString().c_str(), done->message.c_str());
      return 1;
    }
    best_import = std::min(best_import, secs);
    fs::remove_all(data);
  }
  double import_fps = frames.size() / best_import;
  double bound_fps = frames.size() / best_bound;
  std::printf(
      "import %zu frames (%.1f MB pixels), %zu threads: %.1f frames/s %.1f MB/s | bound "
      "(HTJ2K encode+verify-decode, %zu threads): %.1f frames/s %.1f MB/s | ratio %.2f (goal >= "
      "0.75) | 1-core encode %.2f ms decode %.2f ms per frame | best of %d\n",
      frames.size(), pixel_mb, threads, import_fps, pixel_mb / best_import, threads, bound_fps,
      pixel_mb / best_bound, import_fps / bound_fps, enc_ms, dec_ms, repeats);
  return 0;
}
