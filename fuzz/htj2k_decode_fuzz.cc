// libFuzzer target for the codec adapters' parsers of untrusted bytes: DecodeHtj2k (OpenJPH,
// behind our own marker checks), Htj2kLevelChecksums and DecodeJ2k (OpenJPEG).
// The first input byte picks the entry point and skip level; the rest is the codestream.
//
// Not wired into CMake (it needs clang's libFuzzer). Build and run from the repository root:
//   mkdir -p build-fuzz && clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined \
//     -Isrc $(pkg-config --cflags libopenjp2) fuzz/htj2k_decode_fuzz.cc src/openhi/codec/htj2k.cc
//     src/openhi/codec/j2k.cc \
//     src/openhi/codec/internal/j2k_markers.cc src/openhi/codec/internal/ojph_runtime.cc \
//     src/openhi/core/crc32.cc src/openhi/core/status.cc \
//     -lopenjph -lopenjp2 -lz -o build-fuzz/htj2k_decode_fuzz
//   ./build-fuzz/htj2k_decode_fuzz -max_len=65536 -timeout=10 -rss_limit_mb=4096 corpus/
// Seed corpus/ with a few of our own encodings (EncodeHtj2kLossless output) and the WG-04 CT1
// HTJ2K/J2K codestreams. Known finding: the Debian OpenJPH 0.9 build keeps its assert()s, and a
// corrupt packet header trips `num_bits <= 32` in bb_read_bits (process abort); run with
// -fork=N -ignore_crashes=1 to collect further distinct failures.
#include <cstddef>
#include <cstdint>

#include "openhi/codec/htj2k.h"
#include "openhi/codec/j2k.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const openhi::ByteView bytes(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  switch (selector % 3) {
    case 0: {
      auto image = openhi::codec::DecodeHtj2k(bytes, (selector >> 2) % 4);
      if (image.ok() && image->samples.size() != image->desc.FrameBytes()) __builtin_trap();
      break;
    }
    case 1:
      (void)openhi::codec::Htj2kLevelChecksums(bytes).ok();
      break;
    default:
      (void)openhi::codec::DecodeJ2k(bytes, (selector & 4) != 0 ? 2 : 1).ok();
      break;
  }
  return 0;
}
