#pragma once
// SHA-256 and HMAC-SHA256 over OpenSSL (EVP), and a constant-time comparison. Private to auth;
// keeps OpenSSL types out of every header. Thread-safe (no shared state).
//
// OpenSSL failures here can only come from a broken library or allocation failure; they abort
// through OPENHI_CHECK rather than returning a Status.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace openhi::auth::internal {

using Digest = std::array<std::uint8_t, 32>;

Digest Sha256(std::string_view data);
Digest HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of `bytes`.
std::string Hex(const Digest& bytes);

// Equality whose running time depends only on the lengths, not on where `a` and `b` differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

inline std::string_view AsView(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace openhi::auth::internal
