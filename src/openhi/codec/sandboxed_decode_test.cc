#include "openhi/codec/sandboxed_decode.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "openhi/codec/htj2k.h"
#include "openhi/codec/internal/test_data.h"
#include "openhi/codec/j2k.h"

namespace openhi::codec {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::MakeCtSlice;
using testing::Desc;
using testing::MakeImage;

Bytes Encode(const Image& image) {
  Result<Bytes> cs = EncodeHtj2kLossless(image);
  EXPECT_TRUE(cs.ok()) << cs.status().ToString();
  return cs.ok() ? *std::move(cs) : Bytes{};
}

// The codestreams of the death tests in htj2k_test.cc / j2k_test.cc: they abort the vendor
// decoders in-process.
Bytes CorruptPacketHeader() {  // OpenJPH: bb_read_bits `num_bits <= 32`
  Bytes cs = Encode(MakeCtSlice(128, 96));
  cs[128] ^= std::byte{0x08};
  return cs;
}
Bytes CorruptMelSegment() {  // OpenJPH and OpenJPEG: mel_init
  Bytes cs = Encode(MakeImage(Desc(70, 20, 3, 8, false)));
  cs[1619] = std::byte{0xFF};
  return cs;
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

// An executable shell script in a fresh temporary folder.
fs::path Script(const std::string& name, const std::string& body) {
  const fs::path dir =
      fs::temp_directory_path() / ("openhi_sandbox_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  chmod(path.c_str(), 0755);
  return path;
}

TEST(SandboxedDecode, Htj2kDecodesLikeInProcess) {
  for (const ImageDesc d :
       {Desc(512, 512, 1, 16, true), Desc(200, 100, 1, 8, false), Desc(160, 120, 3, 8, false),
        Desc(130, 66, 1, 12, true), Desc(1, 1, 1, 16, false)}) {
    const Bytes cs = Encode(MakeImage(d));
    Result<Image> in_process = DecodeHtj2k(cs);
    Result<Image> sandboxed = DecodeUntrusted(cs, UntrustedCodec::kHtj2k, d.bytes_per_sample);
    ASSERT_TRUE(in_process.ok() && sandboxed.ok()) << sandboxed.status().ToString();
    EXPECT_EQ(sandboxed->desc, in_process->desc);
    EXPECT_TRUE(sandboxed->samples == in_process->samples);
  }
}

TEST(SandboxedDecode, J2kDecodesLikeInProcess) {
  const Bytes ours = Encode(MakeImage(Desc(100, 70, 1, 8, true)));
  Result<Image> in_process = DecodeJ2k(ours, 2);  // widened to 16 bits
  Result<Image> sandboxed = DecodeUntrusted(ours, UntrustedCodec::kJ2k, 2);
  ASSERT_TRUE(in_process.ok() && sandboxed.ok()) << sandboxed.status().ToString();
  EXPECT_EQ(sandboxed->desc, in_process->desc);
  EXPECT_TRUE(sandboxed->samples == in_process->samples);

  auto file =
      testing::ReadFile(testing::SharedPath("data/dicom/codec_matrix_wg04_ct1/CT1_J2KR.dcm"));
  if (!file) GTEST_SKIP() << "shared data not present";
  const Bytes part1 = *testing::PixelData(*file);
  in_process = DecodeJ2k(part1, 2);
  sandboxed = DecodeUntrusted(part1, UntrustedCodec::kJ2k, 2);
  ASSERT_TRUE(in_process.ok() && sandboxed.ok()) << sandboxed.status().ToString();
  EXPECT_EQ(sandboxed->desc, in_process->desc);
  EXPECT_TRUE(sandboxed->samples == in_process->samples);
}

TEST(SandboxedDecode, DecoderErrorsComeBackUnchanged) {
  const Bytes garbage = ToBytes("not a codestream");
  Result<Image> in_process = DecodeJ2k(garbage, 2);
  Result<Image> sandboxed = DecodeUntrusted(garbage, UntrustedCodec::kJ2k, 2);
  ASSERT_FALSE(sandboxed.ok());
  EXPECT_EQ(sandboxed.status().code(), in_process.status().code());
  EXPECT_EQ(sandboxed.status().message(), in_process.status().message());
  EXPECT_EQ(DecodeUntrusted({}, UntrustedCodec::kHtj2k, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeUntrusted(garbage, UntrustedCodec::kJ2k, 3).status().code(),
            StatusCode::kInvalidArgument);
}

// The point of the sandbox: what aborts the vendor decoders in-process (see the death tests) is
// an error here, and this process lives on.
TEST(SandboxedDecode, ACodestreamThatAbortsTheDecoderIsAnError) {
  struct Case {
    Bytes cs;
    UntrustedCodec kind;
  };
  for (const Case& c : {Case{CorruptPacketHeader(), UntrustedCodec::kHtj2k},
                        Case{CorruptMelSegment(), UntrustedCodec::kHtj2k},
                        Case{CorruptMelSegment(), UntrustedCodec::kJ2k}}) {
    Result<Image> r = DecodeUntrusted(c.cs, c.kind, 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("corrupt JPEG 2000 codestream: the decoder crashed "
                                        "(signal 6, SIGABRT)"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(SandboxedDecode, AHelperThatHangsIsKilledAtTheDeadline) {
  ScopedEnv env("OPENHI_DECODE_HELPER", Script("hang.sh", "exec sleep 30").string());
  const Bytes cs = Encode(MakeImage(Desc(64, 64, 1, 8, false)));
  const auto start = Clock::now();
  Result<Image> r = DecodeUntrusted(cs, UntrustedCodec::kHtj2k, 1, std::chrono::milliseconds(300));
  const auto took = Clock::now() - start;
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(SandboxedDecode, AHelperWithoutAValidResponseIsAnError) {
  const Bytes cs = Encode(MakeImage(Desc(64, 64, 1, 8, false)));
  {
    ScopedEnv env("OPENHI_DECODE_HELPER", Script("quit.sh", "echo oops >&2; exit 0").string());
    Result<Image> r = DecodeUntrusted(cs, UntrustedCodec::kHtj2k, 1);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(),
              "corrupt JPEG 2000 codestream: the decoder exited without a valid response (exit "
              "status 0): oops");
  }
  {
    ScopedEnv env("OPENHI_DECODE_HELPER", Script("junk.sh", "head -c 100 /dev/zero").string());
    Result<Image> r = DecodeUntrusted(cs, UntrustedCodec::kHtj2k, 1);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  }
}

TEST(SandboxedDecode, AMissingHelperIsInternalNotAFallback) {
  ScopedEnv env("OPENHI_DECODE_HELPER", "/nonexistent/openhi-decode-helper");
  const Bytes cs = Encode(MakeImage(Desc(64, 64, 1, 8, false)));
  Result<Image> r = DecodeUntrusted(cs, UntrustedCodec::kHtj2k, 1);
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("OPENHI_DECODE_HELPER"), std::string::npos);
}

TEST(SandboxedDecode, ConcurrentCallsFromEightThreads) {
  constexpr int kThreads = 8, kPerThread = 6;
  std::vector<Image> images;
  std::vector<Bytes> encoded;
  for (int t = 0; t < kThreads; ++t) {
    images.push_back(MakeImage(Desc(96 + t, 80, 1, 12, false), t + 1));
    encoded.push_back(Encode(images.back()));
  }
  const Bytes crash = CorruptMelSegment();
  std::vector<int> good(kThreads, 0), crashed(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (i == kPerThread / 2) {
          Result<Image> r = DecodeUntrusted(crash, UntrustedCodec::kHtj2k, 1);
          crashed[t] += !r.ok() && r.status().code() == StatusCode::kInvalidArgument;
          continue;
        }
        Result<Image> r = DecodeUntrusted(encoded[t], UntrustedCodec::kHtj2k, 2);
        good[t] += r.ok() && r->samples == images[t].samples && r->desc == images[t].desc;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(good[t], kPerThread - 1) << t;
    EXPECT_EQ(crashed[t], 1) << t;
  }
}

// Reports what the process boundary costs per frame (it is not a pass/fail criterion).
TEST(SandboxedDecode, SpawnOverhead) {
  const Bytes tiny = Encode(MakeImage(Desc(16, 16, 1, 8, false)));
  const Bytes ct = Encode(MakeCtSlice(512, 512));
  auto per_call_ms = [](auto&& fn, int n) {
    const auto start = Clock::now();
    int failures = 0;
    for (int i = 0; i < n; ++i) failures += !fn().ok();
    EXPECT_EQ(failures, 0);
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / n;
  };
  constexpr int kN = 40;
  (void)DecodeUntrusted(tiny, UntrustedCodec::kHtj2k, 1);  // warm the page cache
  const double tiny_in = per_call_ms([&] { return DecodeHtj2k(tiny); }, kN);
  const double tiny_out =
      per_call_ms([&] { return DecodeUntrusted(tiny, UntrustedCodec::kHtj2k, 1); }, kN);
  const double ct_in = per_call_ms([&] { return DecodeHtj2k(ct); }, kN);
  const double ct_out =
      per_call_ms([&] { return DecodeUntrusted(ct, UntrustedCodec::kHtj2k, 2); }, kN);
  const double j2k_in = per_call_ms([&] { return DecodeJ2k(ct, 2); }, kN);
  const double j2k_out =
      per_call_ms([&] { return DecodeUntrusted(ct, UntrustedCodec::kJ2k, 2); }, kN);
  std::cout << "per frame, in-process vs helper (ms): 16x16 HTJ2K " << tiny_in << " vs " << tiny_out
            << "; 512x512 CT HTJ2K (OpenJPH) " << ct_in << " vs " << ct_out
            << "; 512x512 CT via OpenJPEG " << j2k_in << " vs " << j2k_out << "\n";
}

}  // namespace
}  // namespace openhi::codec
