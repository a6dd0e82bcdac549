#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256) verification and signing, as AWS HealthImaging and
// its SDKs use it (ahi-api.md §13). Independent of any HTTP library: the server hands in plain
// values exactly as they came off the wire.
//
// Verification accepts both the Authorization-header form and the presigned query form
// (X-Amz-Algorithm / X-Amz-Credential / X-Amz-Date / X-Amz-Expires / X-Amz-SignedHeaders /
// X-Amz-Signature). Every failure is kUnauthenticated (-> 403 AccessDeniedException in
// ahi/errors.h) and its message starts with the AWS condition name, so logs and clients can tell
// the causes apart; no message depends on whether a resource exists:
//   "IncompleteSignature: ..."       missing or malformed Authorization / presigned parameters,
//                                    a signed header that is absent, a bad date header
//   "UnrecognizedClient: ..."        the access key ID is not in the CredentialStore
//   "Signature expired: ..." /       request time outside now ± max_skew (AWS wording, which the
//   "Signature not yet current: ..." SDKs' clock-skew correction looks for)
//   "XAmzContentSHA256Mismatch: ..." x-amz-content-sha256 differs from SHA-256(body), or an
//                                    unsigned/streaming payload that the options do not allow
//   "SignatureDoesNotMatch: ..."     everything parsed but the signature is wrong
//
// Canonicalisation (what the SDKs do for non-S3 services):
//   * URI: the raw path is split on '/', empty and "." segments are dropped and ".." removes the
//     previous segment (RFC 3986 dot-segment removal plus slash collapsing, as botocore and JS v3
//     do), then each segment is URI-encoded once more ("double encoding": %3A -> %253A). A
//     leading '/' is kept, and a trailing '/' when segments remain. The HTTP layer must route on
//     a path normalised the same way (or reject "//", "/./", "/../") so that what was signed is
//     what is served.
//   * Query: each name and value is percent-decoded ('+' as space), RFC 3986-encoded, the pairs
//     sorted by name then value and joined with '&'.
//   * Headers: exactly the SignedHeaders names, in order; values of repeated headers are joined
//     by ',' in arrival order; each value is trimmed with inner whitespace runs collapsed.
//   * Payload hash: the x-amz-content-sha256 header when present (JS v3 sends it, botocore and
//     the CLI do not), else hex SHA-256 of the body. When present as a hex digest it is also
//     checked against the body.
//
// Thread safety: all functions are pure (no shared state) and may be called concurrently.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openhi/auth/credentials.h"
#include "openhi/core/clock.h"
#include "openhi/core/status.h"

namespace openhi::auth {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// One HTTP request as received. Nothing is decoded or normalised by the caller.
struct SigV4Request {
  std::string method;     // "GET", "POST", ... (case-sensitive, as on the wire)
  std::string raw_path;   // request-target path, still percent-encoded; no '?'
  std::string raw_query;  // after '?', as on the wire; empty when there is none
  // Header names in any case; a repeated header appears once per occurrence, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;  // the full body; not owned, must outlive the call
};

struct VerifyOptions {
  std::string service = "medical-imaging";  // the credential scope's service must equal this
  std::chrono::seconds max_skew{15 * 60};   // allowed |now - request time|
  // Accept x-amz-content-sha256: UNSIGNED-PAYLOAD (the body is then not covered by the
  // signature). Streaming (aws-chunked) payloads are never accepted.
  bool allow_unsigned_payload = false;
};

struct VerifiedIdentity {
  std::string access_key_id;
  std::string region;      // from the credential scope, e.g. "us-east-1"
  WallTime request_time;   // x-amz-date (or Date / X-Amz-Date), whole seconds
  bool presigned = false;  // true for the query-string form
};

// Verifies `request` against `credentials` at time `now`. See the file comment for the error
// messages; every failure is kUnauthenticated. A signed x-amz-security-token is accepted like any
// other header and is not validated.
Result<VerifiedIdentity> VerifySigV4(const SigV4Request& request,
                                     const CredentialStore& credentials, WallTime now,
                                     const VerifyOptions& options = {});

// ---- Signing -------------------------------------------------------------------------------

struct SigningCredentials {
  std::string access_key_id;
  std::string secret;
};

// Returns the Authorization header value for `request`, which must already carry `host` and
// `x-amz-date` (see FormatAmzDate) and, if wanted, `x-amz-content-sha256` and
// `x-amz-security-token`. Signs every header present except authorization, user-agent, expect,
// connection, transfer-encoding and x-amzn-trace-id (which proxies rewrite).
// kInvalidArgument: host or x-amz-date missing or repeated, or x-amz-date malformed.
Result<std::string> SignRequest(const SigV4Request& request, const SigningCredentials& credentials,
                                std::string_view region,
                                std::string_view service = "medical-imaging");

// ---- Building blocks (tests, signers, debugging) ---------------------------------------------

// "yyyymmddThhmmssZ" (UTC) for `t`, truncated to whole seconds.
std::string FormatAmzDate(WallTime t);
// Parses "yyyymmddThhmmssZ". kInvalidArgument when malformed or not a real date.
Result<WallTime> ParseAmzDate(std::string_view amz_date);
// Parses an RFC 7231 IMF-fixdate ("Wed, 25 Nov 2026 12:18:36 GMT"). kInvalidArgument otherwise.
Result<WallTime> ParseHttpDate(std::string_view http_date);

// Lower-case hex SHA-256 of `data`: the payload hash of a body.
std::string HexSha256(std::string_view data);

// The canonical URI, query and signed-header list of the file comment.
std::string CanonicalUri(std::string_view raw_path);
std::string CanonicalQuery(std::string_view raw_query);

// The canonical request: METHOD\nURI\nQUERY\nHEADERS\nSIGNED_HEADERS\nPAYLOAD_HASH.
// `signed_headers` is the ';'-joined list from the Authorization header ("host;x-amz-date").
// kUnauthenticated ("IncompleteSignature: ...") when the list is empty, not lower-case, not
// sorted and unique, or names a header the request does not carry.
Result<std::string> CanonicalRequest(const SigV4Request& request, std::string_view signed_headers,
                                     std::string_view payload_hash);

// "<date>/<region>/<service>/aws4_request".
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of canonical_request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// Lower-case hex HMAC-SHA256 of `string_to_sign` under the key derived from `secret` and the
// scope parts (`date` is yyyymmdd).
std::string SignatureFor(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view string_to_sign);

}  // namespace openhi::auth
