// libFuzzer target for the SigV4 verifier: every request header and the query come from the
// client, before any authentication. The input is split on NUL bytes into
// method, raw path, raw query, then name/value header pairs; the verifier must answer with a
// Status, never crash. Build (clang, from the repository root):
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc fuzz/sigv4_fuzz.cc \
//     src/openhi/auth/sigv4.cc src/openhi/auth/sigv4_canonical.cc src/openhi/auth/credentials.cc \
//     src/openhi/auth/internal/crypto.cc src/openhi/auth/internal/uri.cc \
//     src/openhi/core/status.cc -lcrypto -o build-fuzz/sigv4_fuzz
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "openhi/auth/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) parts.emplace_back();
    else parts.back().push_back(static_cast<char>(data[i]));
  }
  parts.resize(std::max<size_t>(parts.size(), 3));
  openhi::auth::SigV4Request req;
  req.method = parts[0];
  req.raw_path = parts[1];
  req.raw_query = parts[2];
  for (size_t i = 3; i + 1 < parts.size(); i += 2) req.headers.emplace_back(parts[i], parts[i + 1]);
  static openhi::auth::CredentialStore creds = [] {
    openhi::auth::CredentialStore c;
    (void)c.Add("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return c;
  }();
  (void)openhi::auth::VerifySigV4(req, creds, std::chrono::system_clock::now(), {});
  return 0;
}
