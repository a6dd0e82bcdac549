// bench_retrieve: the connector's retrieval pipeline against a running `openhi store serve`
// (bench/retrieve.sh sets it up). For one image set it measures, in the same run:
//   full   wall time from the first request (GetImageSetMetadata) to the complete decoded volume
//          in memory (client::RetrieveVolume: 8 keep-alive connections, decode on all cores);
//   bound  (a) pure decode of the same codestreams on 2 threads, fetched beforehand (untimed);
//   seq    (b) sequential: one connection, one thread, fetch then decode each frame in turn.
// and prints one line with the figures and the ratios full/bound and seq/full. It also times
// ImageSetMetadata::Parse on the real 588-instance AHI document (goal <= 10 ms).
// Usage: bench_retrieve --endpoint URL --datastore-id D --image-set-id I [--label L] [--runs N]
//                       [--only-full]   (diagnostic: run only the full retrieval, e.g. under perf)
//                       [--decode-threads N] [--max-pending-mb N]   (RetrieveOptions for full)
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "openhi/client/ahi_client.h"
#include "openhi/client/client_config.h"
#include "openhi/client/image_set_metadata.h"
#include "openhi/client/retriever.h"
#include "openhi/codec/htj2k.h"
#include "openhi/core/crc32.h"
#include "openhi/core/file_util.h"
#include "openhi/core/large_buffer.h"
#include "openhi/core/thread_pool.h"
#include "openhi/volume/slice_writer.h"

using namespace openhi;
using Clock = std::chrono::steady_clock;

namespace {

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds (user + system) used so far by this process, all threads.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

[[noreturn]] void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "bench_retrieve: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint, ds, set, label = "series";
  int runs = 3;
  bool only_full = false;
  client::RetrieveOptions full_options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--only-full") == 0) only_full = true;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--only-full") { --i; continue; }
    if (k == "--endpoint") endpoint = argv[i + 1];
    else if (k == "--datastore-id") ds = argv[i + 1];
    else if (k == "--image-set-id") set = argv[i + 1];
    else if (k == "--label") label = argv[i + 1];
    else if (k == "--runs") runs = std::stoi(argv[i + 1]);
    else if (k == "--decode-threads") full_options.decode_threads = std::stoul(argv[i + 1]);
    else if (k == "--max-pending-mb") full_options.max_pending_bytes = std::stoul(argv[i + 1]) << 20;
  }
  auto config = client::ConfigFromEnvironment();
  if (!config.ok()) Die("config", config.status());
  config->endpoint = endpoint;
  config->connections = 8;

  // Parse time of the real AHI document (588 instances, 974 kB).
  {
    auto doc = ReadFile(OPENHI_SHARED_DIR "/data/ahi-metadata/ct_588_instances.json");
    if (!doc.ok()) Die("read document", doc.status());
    std::vector<double> t;
    for (int r = 0; r < 21; ++r) {
      auto start = Clock::now();
      auto m = client::ImageSetMetadata::Parse(*doc);
      t.push_back(Since(start));
      if (!m.ok()) Die("parse", m.status());
    }
    std::printf("metadata parse (588 instances, %zu kB): median %.2f ms (goal <= 10 ms)\n",
                doc->size() / 1000, Median(t) * 1e3);
  }

  auto client = client::AhiClient::Create(*config);
  if (!client.ok()) Die("client", client.status());

  // full: first request to complete volume.
  std::vector<double> full, full_cpu;
  size_t frames = 0;
  std::array<size_t, 3> size{};
  for (int r = 0; r < runs; ++r) {
    const double cpu0 = ProcessCpuSeconds();
    auto start = Clock::now();
    auto doc = (*client)->GetImageSetMetadata(ds, set);
    if (!doc.ok()) Die("metadata", doc.status());
    auto m = client::ImageSetMetadata::Parse(*doc);
    if (!m.ok()) Die("parse", m.status());
    auto v = client::RetrieveVolume(**client, *m, 0, {}, full_options);
    if (!v.ok()) Die("volume", v.status());
    full.push_back(Since(start));
    full_cpu.push_back(ProcessCpuSeconds() - cpu0);
    frames = m->FrameCount();
    size = v->volume.geometry.size;
  }

  // Runs differ most by first-touch page faults of the fresh volume (core/large_buffer.h): a run
  // that gets memory the hypervisor has to back again costs ~0.5 s more CPU on our VMs.
  std::printf("diag: full retrieval %.3f s wall, %.3f s client CPU (all threads; the server's not "
              "included); runs:", Median(full), Median(full_cpu));
  for (double t : full) std::printf(" %.3f", t);
  std::printf(" s\n");
  if (only_full) {
    for (size_t r = 0; r < full.size(); ++r) {
      std::printf("diag: full run %zu: %.3f s wall, %.3f s client CPU\n", r, full[r], full_cpu[r]);
    }
    return 0;
  }

  auto doc = (*client)->GetImageSetMetadata(ds, set);
  auto m = client::ImageSetMetadata::Parse(*doc);
  if (!m.ok()) Die("parse", m.status());
  const auto refs = client::FramesOf(*m, 0);
  std::vector<std::string> ids;
  for (const auto& ref : refs) ids.push_back(m->series()[0].instances[ref.instance].frames[ref.frame].id);

  // Diagnostic: the pipeline into a sink that discards frames (decode + CRC, no volume).
  std::vector<double> discard;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    Status st = client::RetrieveFrames(**client, *m, refs, [](client::RetrievedFrame) { return Status(); });
    if (!st.ok()) Die("pipeline", st);
    discard.push_back(Since(start));
  }
  std::printf("diag: pipeline to a discarding sink %.3f s\n", Median(discard));

  // (a) bound: the same codestreams, fetched first, decoded on 2 threads.
  // Transport alone (8 connections, no decode), which also collects the codestreams.
  std::vector<Bytes> bodies(ids.size());
  std::vector<double> fetch;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    Status st = (*client)->GetImageFrames(ds, set, ids, [&](size_t i, Bytes b, std::string_view) {
      bodies[i] = std::move(b);
      return Status();
    });
    if (!st.ok()) Die("frames", st);
    fetch.push_back(Since(start));
  }
  std::vector<double> bound, bound_cpu;
  {
    ThreadPool pool(2);
    for (int r = 0; r < runs; ++r) {
      const double cpu0 = ProcessCpuSeconds();
      auto start = Clock::now();
      pool.ParallelFor(bodies.size(), [&](size_t i) {
        auto image = codec::DecodeHtj2k(bodies[i]);
        if (!image.ok()) Die("decode", image.status());
      });
      bound.push_back(Since(start));
      bound_cpu.push_back(ProcessCpuSeconds() - cpu0);
    }
  }

  std::printf("diag: decode bound %.3f s wall, %.3f s CPU\n", Median(bound), Median(bound_cpu));

  // (b) sequential: one connection, one thread, fetch + decode + CRC + place each frame in turn.
  client::ClientConfig one = *config;
  one.connections = 1;
  auto seq_client = client::AhiClient::Create(one);
  if (!seq_client.ok()) Die("client", seq_client.status());
  std::vector<double> seq;
  for (int r = 0; r < std::max(1, runs / 2); ++r) {
    auto start = Clock::now();
    auto d = (*seq_client)->GetImageSetMetadata(ds, set);
    auto mm = client::ImageSetMetadata::Parse(*d);
    // The same kind of volume buffer as the pipeline's (huge pages), allocated up front.
    const auto& first = mm->series()[0].instances[0].pixels;
    const size_t slice_voxels = size_t{first.rows} * first.columns;
    LargeVector<float> voxels(slice_voxels * ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string one_id[] = {ids[i]};
      Status s = (*seq_client)->GetImageFrames(ds, set, one_id, [&](size_t, Bytes b, std::string_view) {
        auto image = codec::DecodeHtj2k(b);
        if (!image.ok()) return image.status();
        const auto& inst = mm->series()[0].instances[refs[i].instance];
        if (Crc32(image->samples) != *inst.frames[0].FullResolutionCrc()) {
          return Status(StatusCode::kDataLoss, "crc");
        }
        const size_t n = image->samples.size() / 2;
        const auto* px = reinterpret_cast<const int16_t*>(image->samples.data());
        const size_t base = i * slice_voxels;
        if (n != slice_voxels) return Status(StatusCode::kDataLoss, "frame size");
        for (size_t p = 0; p < n; ++p) {
          voxels[base + p] = float(px[p] * inst.rescale_slope + inst.rescale_intercept);
        }
        return Status();
      });
      if (!s.ok()) Die("sequential", s);
    }
    seq.push_back(Since(start));
  }

  const double f = Median(full), b = Median(bound), s = Median(seq), t = Median(fetch);
  std::printf(
      "retrieve %s (%zu frames, %zux%zux%zu): full %.3f s (%.0f frames/s) | decode bound (2 threads) "
      "%.3f s | transport only %.3f s | sequential 1 conn 1 thread %.3f s | full/bound %.2f (goal <= "
      "1.3) | seq/full %.2f (goal >= 2.5)%s\n",
      label.c_str(), frames, size[0], size[1], size[2], f, frames / f, b, t, s, f / b, s / f,
      frames >= 300 ? (f < 0.4 ? " | < 0.4 s: yes" : " | < 0.4 s: NO") : "");
  return 0;
}
