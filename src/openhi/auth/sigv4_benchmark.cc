// Cost of VerifySigV4 per request (the HTTP server calls it for every request).
#include <benchmark/benchmark.h>

#include <string>

#include "openhi/auth/sigv4.h"

namespace openhi::auth {
namespace {

void BM_VerifySigV4(benchmark::State& state) {
  std::string body(static_cast<size_t>(state.range(0)), 'x');
  WallTime t = *ParseAmzDate("20270101T000001Z");
  SigV4Request r;
  r.method = "POST";
  r.raw_path =
      "/datastore/b9a1c0ffee5b4e2a9d1f00112233aabb/imageSet/"
      "2f9a8e7d6c5b4a39281706f5e4d3c2b1/getImageFrame";
  r.headers = {{"host", "127.0.0.1:8080"},
               {"content-type", "application/json"},
               {"x-amz-date", FormatAmzDate(t)},
               {"x-amz-content-sha256", HexSha256(body)},
               {"amz-sdk-invocation-id", "437b445b-009b-4e58-8203-198e0b4d65a6"},
               {"amz-sdk-request", "attempt=1; max=1"},
               {"x-amz-user-agent", "aws-sdk-js/3.958.0"}};
  r.body = body;
  CredentialStore store;
  (void)store.Add("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  r.headers.emplace_back(
      "authorization",
      *SignRequest(r, {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, "us-east-1"));
  for (auto _ : state) {
    Result<VerifiedIdentity> id = VerifySigV4(r, store, t);
    if (!id.ok()) state.SkipWithError(id.status().ToString().c_str());
    benchmark::DoNotOptimize(id);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifySigV4)->Arg(0)->Arg(64)->Arg(1 << 20);

}  // namespace
}  // namespace openhi::auth
