#include "openhi/auth/internal/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

#include "openhi/core/check.h"

namespace openhi::auth::internal {

Digest Sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  OPENHI_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) == 1);
  OPENHI_CHECK(len == out.size());
  return out;
}

Digest HmacSha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  OPENHI_CHECK(key.size() <= static_cast<size_t>(INT_MAX));
  // HMAC() is the one-shot EVP-backed HMAC; it is not deprecated in OpenSSL 3.
  OPENHI_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                    &len) != nullptr);
  OPENHI_CHECK(len == out.size());
  return out;
}

std::string Hex(const Digest& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace openhi::auth::internal
