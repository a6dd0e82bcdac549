#pragma once
// Decoding of untrusted JPEG 2000 / HTJ2K codestreams in a short-lived helper process.
//
// Debian's OpenJPH 0.9 and OpenJPEG 2.5 keep assert() enabled, and one corrupt byte in the
// entropy-coded data aborts the process that decodes it (htj2k.h, j2k.h: SAFETY). Every source
// frame of an import is untrusted, so DecodeUntrusted runs DecodeJ2k / DecodeHtj2k in
// `openhi-decode-helper` (decode_helper_main.cc) under resource limits (address space 4 GiB,
// CPU 30 s, no core files, dies with its parent) and turns a crash of the helper into an error.
// Codestreams this service produced (the store's verification decode) stay in-process.
//
// Cost: one posix_spawn + exec per frame; only JPEG 2000 / HTJ2K sources pay it. Measured on the
// 2-core development VM (SpawnOverhead in sandboxed_decode_test.cc; /bin/true alone takes 3 ms
// there): 16x16 frame 7.5 ms vs 0.005 ms in-process, 512x512 16-bit CT 14 ms vs 1.4 ms (OpenJPH)
// and 18 ms vs 2.8 ms (OpenJPEG); the part that grows with the frame is first-touch page faults
// of a fresh process. A pool of reusable helpers would amortise it.
//
// Helper location: $OPENHI_DECODE_HELPER when set and non-empty, else `openhi-decode-helper`
// in the directory of the running executable (every binary is built into the build root).
//
// Thread safety: thread-safe; concurrent calls each spawn their own helper. The caller's signal
// dispositions and mask are not touched: the request goes over a socket with MSG_NOSIGNAL, so a
// helper that dies early yields EPIPE, never SIGPIPE.
#include <chrono>
#include <cstdint>

#include "openhi/codec/image.h"
#include "openhi/core/status.h"

namespace openhi::codec {

enum class UntrustedCodec {
  kJ2k,    // JPEG 2000 Part 1 or HTJ2K, decoded by OpenJPEG (DecodeJ2k)
  kHtj2k,  // HTJ2K, decoded by OpenJPH (DecodeHtj2k)
};

// Wall-clock limit for one decode, spawn included. The helper's CPU limit (30 s) usually ends a
// decompression bomb first; the deadline catches a helper that blocks or is starved.
inline constexpr std::chrono::milliseconds kUntrustedDecodeDeadline{60'000};

// Decodes `codestream` as DecodeJ2k(codestream, bytes_per_sample) or DecodeHtj2k(codestream)
// (which ignores bytes_per_sample) would, in a helper process. Returns:
//   - the decoder's image or its error (kInvalidArgument, kResourceExhausted, ...) unchanged;
//   - kInvalidArgument "corrupt JPEG 2000 codestream: the decoder crashed (signal N ...)" when
//     the helper was killed by a signal (abort, SIGSEGV, SIGXCPU, RLIMIT_AS), and
//     kInvalidArgument when it exited without a valid response;
//   - kDeadlineExceeded when no response came within `deadline` (the helper is killed);
//   - kInvalidArgument for bytes_per_sample other than 1 or 2 or a codestream above 1 GiB;
//   - kInternal when the helper cannot be found or started (no in-process fallback).
Result<Image> DecodeUntrusted(ByteView codestream, UntrustedCodec kind, uint8_t bytes_per_sample,
                              std::chrono::milliseconds deadline = kUntrustedDecodeDeadline);

}  // namespace openhi::codec
