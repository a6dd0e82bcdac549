// HTJ2K codec timings for one 512x512 12-bit frame on one core, through openhi::codec and
// through OpenJPH directly (the wrapper's overhead is the difference).
//   ninja -C build codec_benchmark && ./build/codec_benchmark

// clang-format off
#include <openjph/ojph_arch.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_params.h>
#include <openjph/ojph_codestream.h>
// clang-format on

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "openhi/codec/htj2k.h"
#include "openhi/codec/j2k.h"

namespace openhi::codec {
namespace {

// A 512x512 12-bit unsigned CT-like frame: a noisy disc on a dark background.
Image Frame12() {
  Image image;
  image.desc = {.width = 512,
                .height = 512,
                .components = 1,
                .bits_stored = 12,
                .bytes_per_sample = 2,
                .is_signed = false};
  image.samples.resize(image.desc.FrameBytes());
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 12);
  for (uint32_t y = 0; y < 512; ++y) {
    for (uint32_t x = 0; x < 512; ++x) {
      const double r = std::hypot(x - 256.0, y - 256.0);
      double v = r < 230 ? 1064 + noise(rng) : (r < 240 ? 3000 : 0);
      const auto s = static_cast<uint16_t>(std::clamp(v, 0.0, 4095.0));
      std::memcpy(&image.samples[(size_t{y} * 512 + x) * 2], &s, 2);
    }
  }
  return image;
}

const Image& TestFrame() {
  static const Image frame = Frame12();
  return frame;
}
const Bytes& TestCodestream() {
  static const Bytes cs = *EncodeHtj2kLossless(TestFrame());
  return cs;
}

void BM_EncodeHtj2k512x512x12(benchmark::State& state) {
  for (auto _ : state) {
    Result<Bytes> cs = EncodeHtj2kLossless(TestFrame());
    benchmark::DoNotOptimize(cs);
  }
  state.counters["bytes"] = static_cast<double>(TestCodestream().size());
}
BENCHMARK(BM_EncodeHtj2k512x512x12)->Unit(benchmark::kMillisecond);

void BM_DecodeHtj2k512x512x12(benchmark::State& state) {
  for (auto _ : state) {
    Result<Image> image = DecodeHtj2k(TestCodestream());
    benchmark::DoNotOptimize(image);
  }
}
BENCHMARK(BM_DecodeHtj2k512x512x12)->Unit(benchmark::kMillisecond);

void BM_LevelChecksums512x512x12(benchmark::State& state) {
  for (auto _ : state) {
    auto sums = Htj2kLevelChecksums(TestCodestream());
    benchmark::DoNotOptimize(sums);
  }
}
BENCHMARK(BM_LevelChecksums512x512x12)->Unit(benchmark::kMillisecond);

void BM_DecodeWithOpenJpeg512x512x12(benchmark::State& state) {
  for (auto _ : state) {
    Result<Image> image = DecodeJ2k(TestCodestream(), 2);
    benchmark::DoNotOptimize(image);
  }
}
BENCHMARK(BM_DecodeWithOpenJpeg512x512x12)->Unit(benchmark::kMillisecond);

// OpenJPH alone, with the same parameters and a plain sample copy: the floor for the wrapper.
void BM_RawOpenJphEncode512x512x12(benchmark::State& state) {
  const Image& f = TestFrame();
  const auto* samples = reinterpret_cast<const uint16_t*>(f.samples.data());
  for (auto _ : state) {
    ojph::codestream cs;
    ojph::param_siz siz = cs.access_siz();
    siz.set_image_extent(ojph::point(512, 512));
    siz.set_tile_size(ojph::size(512, 512));
    siz.set_num_components(1);
    siz.set_component(0, ojph::point(1, 1), 12, false);
    ojph::param_cod cod = cs.access_cod();
    cod.set_num_decomposition(3);
    cod.set_block_dims(64, 64);
    cod.set_progression_order("RPCL");
    cod.set_color_transform(false);
    cod.set_reversible(true);
    cs.set_planar(false);
    ojph::mem_outfile out;
    out.open(1 << 19);
    cs.write_headers(&out);
    ojph::ui32 comp = 0;
    ojph::line_buf* line = cs.exchange(nullptr, comp);
    for (int y = 0; y < 512; ++y) {
      for (int x = 0; x < 512; ++x) line->i32[x] = samples[y * 512 + x];
      line = cs.exchange(line, comp);
    }
    cs.flush();
    benchmark::DoNotOptimize(out.tell());
    cs.close();
  }
}
BENCHMARK(BM_RawOpenJphEncode512x512x12)->Unit(benchmark::kMillisecond);

void BM_RawOpenJphDecode512x512x12(benchmark::State& state) {
  const Bytes& bytes = TestCodestream();
  std::vector<uint16_t> out(512 * 512);
  for (auto _ : state) {
    ojph::mem_infile in;
    in.open(reinterpret_cast<const ojph::ui8*>(bytes.data()), bytes.size());
    ojph::codestream cs;
    cs.read_headers(&in);
    cs.set_planar(false);
    cs.create();
    for (int y = 0; y < 512; ++y) {
      ojph::ui32 comp = 0;
      const ojph::line_buf* line = cs.pull(comp);
      for (int x = 0; x < 512; ++x) out[y * 512 + x] = static_cast<uint16_t>(line->i32[x]);
    }
    cs.close();
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RawOpenJphDecode512x512x12)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace openhi::codec
