#pragma once
// Deterministic pseudo-random numbers for the synthetic series. Every algorithm is spelled out
// here (no std:: distributions, whose outputs differ between standard libraries), so a seed gives
// the same bytes on every platform. Not cryptographic. Values; thread-compatible.
#include <cstdint>
#include <string>

namespace openhi::synth::internal {

// SplitMix64 (Steele, Lea and Flood 2014): one 64-bit add and a mixing function per draw.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n) for n > 0 (modulo bias < n / 2^64, irrelevant here).
  uint64_t Below(uint64_t n) { return Next() % n; }

  // Approximately standard normal: the Irwin-Hall sum of four 16-bit uniforms, standardised.
  // Mean 0, variance 1, support +-3.46. One draw per value, no transcendental functions.
  double Normalish() {
    uint64_t r = Next();
    uint64_t s = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
    // Each term has mean 32767.5 and variance (65536^2 - 1) / 12.
    constexpr double kMean = 4 * 32767.5;
    constexpr double kInvStd = 1.0 / 37837.2269224;  // 1 / sqrt(4 * (65536^2 - 1) / 12)
    return (static_cast<double>(s) - kMean) * kInvStd;
  }

 private:
  uint64_t state_;
};

// Purposes of the independent streams derived from one seed.
enum class Stream : uint64_t { kNoise = 1, kUid = 2, kShuffle = 3, kBlob = 4 };

// A well-mixed seed for element `index` of stream `stream` of `seed`.
inline uint64_t StreamSeed(uint64_t seed, Stream stream, uint64_t index) {
  SplitMix64 a(seed ^ (static_cast<uint64_t>(stream) * 0xD1B54A32D192ED03ull));
  SplitMix64 b(a.Next() ^ (index * 0x8CB92BA72F3D8DD7ull));
  return b.Next();
}

// "2.25." followed by the decimal value of the 128-bit number hi:lo (PS3.5 B.2), at most
// 44 characters.
inline std::string Uid225(uint64_t hi, uint64_t lo) {
  unsigned __int128 v = (static_cast<unsigned __int128>(hi) << 64) | lo;
  char digits[40];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  std::string uid = "2.25.";
  while (n > 0) uid.push_back(digits[--n]);
  return uid;
}

}  // namespace openhi::synth::internal
