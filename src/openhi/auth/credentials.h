#pragma once
// CredentialStore: the access key ID -> secret access key table that SigV4 verification uses.
//
// Two file formats are accepted by LoadFile/Parse; the format is chosen by the first line that is
// neither blank nor a comment:
//
//  1. Pairs (first meaningful line does not start with '['): one `ACCESS_KEY_ID SECRET` pair per
//     line, separated by spaces or tabs. Lines whose first non-blank character is '#' are comments;
//     blank lines are ignored. There are no inline comments (a secret may contain '#').
//
//       # openhi credentials
//       AKIDEXAMPLE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//
//  2. AWS shared-credentials INI (first meaningful line starts with '['), as in ~/.aws/credentials:
//     `[profile]` sections with `key = value` lines; '#' and ';' start comment lines. Every section
//     that has both `aws_access_key_id` and `aws_secret_access_key` contributes one pair; other
//     keys (region, aws_session_token, ...) and sections with neither key are ignored. Key names
//     are case-insensitive. A session token is not checked by the verifier (openhi has no STS).
//
//       [default]
//       aws_access_key_id = AKIDEXAMPLE
//       aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//
// Both formats: CRLF line ends and a UTF-8 BOM are tolerated. An access key ID is 1-128 printable
// ASCII characters other than whitespace, '/', ',' and '='; a secret is 1-1024 printable ASCII
// characters other than whitespace. Error messages name the line number, never the secret.
//
// Thread safety: a const CredentialStore may be shared by any number of threads (Lookup only).
// Add() must not run concurrently with any other call on the same object.
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::auth {

// Environment variables read by CredentialStore::FromEnv().
inline constexpr std::string_view kAccessKeyIdEnv = "OPENHI_ACCESS_KEY_ID";
inline constexpr std::string_view kSecretAccessKeyEnv = "OPENHI_SECRET_ACCESS_KEY";

class CredentialStore {
 public:
  CredentialStore() = default;

  // Reads a credentials file in either format above.
  // kNotFound: the file does not exist. kInvalidArgument: a malformed line, an incomplete INI
  // profile, one key ID with two different secrets, or no credentials at all.
  static Result<CredentialStore> LoadFile(const std::filesystem::path& path);

  // Parses file text (the same rules as LoadFile). `origin` prefixes error messages.
  static Result<CredentialStore> Parse(std::string_view text, std::string_view origin = "");

  // One pair from OPENHI_ACCESS_KEY_ID / OPENHI_SECRET_ACCESS_KEY.
  // kNotFound: neither is set. kInvalidArgument: only one is set, or a value is malformed.
  static Result<CredentialStore> FromEnv();

  // Adds one pair. Re-adding an identical pair is a no-op.
  // kInvalidArgument: a malformed ID or secret. kAlreadyExists: the ID has a different secret.
  Status Add(std::string access_key_id, std::string secret);

  // The secret for `access_key_id`, or nullopt. The view lives as long as this store is neither
  // destroyed nor modified.
  std::optional<std::string_view> Lookup(std::string_view access_key_id) const;

  size_t size() const { return secrets_.size(); }
  bool empty() const { return secrets_.empty(); }

 private:
  std::map<std::string, std::string, std::less<>> secrets_;  // access key ID -> secret
};

}  // namespace openhi::auth
