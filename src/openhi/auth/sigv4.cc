// SigV4 verification (header and presigned forms) and signing. See sigv4.h.
#include "openhi/auth/sigv4.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "openhi/auth/internal/crypto.h"
#include "openhi/auth/internal/text.h"
#include "openhi/auth/internal/uri.h"

namespace openhi::auth {
namespace {

using internal::EqualsIgnoreCase;
using internal::TrimSpace;

constexpr std::string_view kTerminator = "aws4_request";
constexpr std::chrono::seconds kMaxPresignedExpiry{7 * 24 * 3600};  // AWS's limit

Status Incomplete(std::string message) {
  return Unauthenticated("IncompleteSignature: " + std::move(message));
}

// The parts of a signature that the header and presigned forms share.
struct ParsedSignature {
  std::string access_key_id;
  std::string date;  // yyyymmdd from the credential scope
  std::string region;
  std::string service;
  std::string signed_headers;
  std::string signature;  // 64 lower-case hex digits
};

// Values of every header named `name` (case-insensitive), in arrival order.
std::vector<std::string_view> HeaderValues(const SigV4Request& request, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [header, value] : request.headers) {
    if (EqualsIgnoreCase(header, name)) out.push_back(value);
  }
  return out;
}

// The header's trimmed value; nullopt when absent; kUnauthenticated when repeated.
Result<std::optional<std::string_view>> SingleHeader(const SigV4Request& request,
                                                     std::string_view name) {
  std::vector<std::string_view> values = HeaderValues(request, name);
  if (values.size() > 1) return Incomplete("header '" + std::string(name) + "' is repeated");
  if (values.empty()) return std::optional<std::string_view>();
  return std::optional<std::string_view>(TrimSpace(values[0]));
}

// Fills the credential fields from "AKID/yyyymmdd/region/service/aws4_request".
Status ParseCredential(std::string_view credential, const VerifyOptions& options,
                       ParsedSignature& out) {
  std::vector<std::string_view> parts = internal::Split(credential, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[2].empty() || parts[1].size() != 8 ||
      !std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Incomplete("Credential must be <access key ID>/<yyyymmdd>/<region>/<service>/" +
                      std::string(kTerminator));
  }
  if (parts[4] != kTerminator) {
    return Incomplete("Credential should be scoped with a valid terminator: '" +
                      std::string(kTerminator) + "'");
  }
  if (parts[3] != options.service) {
    return Incomplete("Credential should be scoped to correct service: '" + options.service + "'");
  }
  out.access_key_id = parts[0];
  out.date = parts[1];
  out.region = parts[2];
  out.service = parts[3];
  return Status::Ok();
}

Status CheckSignatureFormat(std::string_view signature) {
  if (signature.size() != 64 || !internal::IsLowerHex(signature)) {
    return Incomplete("Signature must be 64 lower-case hex digits");
  }
  return Status::Ok();
}

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." (components in any order,
// optional spaces after commas).
Result<ParsedSignature> ParseAuthorization(std::string_view value, const VerifyOptions& options) {
  value = TrimSpace(value);
  if (!value.starts_with(kAlgorithm) || value.size() == kAlgorithm.size() ||
      !internal::IsSpace(value[kAlgorithm.size()])) {
    return Incomplete("Authorization header must start with '" + std::string(kAlgorithm) + " '");
  }
  value.remove_prefix(kAlgorithm.size());
  std::optional<std::string_view> credential, signed_headers, signature;
  for (std::string_view component : internal::Split(value, ',')) {
    component = TrimSpace(component);
    size_t eq = component.find('=');
    std::string_view key = component.substr(0, eq);
    std::optional<std::string_view>* slot = key == "Credential"      ? &credential
                                            : key == "SignedHeaders" ? &signed_headers
                                            : key == "Signature"     ? &signature
                                                                     : nullptr;
    if (eq == std::string_view::npos || slot == nullptr || slot->has_value()) {
      return Incomplete(
          "Authorization header must hold Credential=, SignedHeaders= and Signature= once each");
    }
    *slot = component.substr(eq + 1);
  }
  if (!credential || !signed_headers || !signature) {
    return Incomplete(std::string("Authorization header requires '") +
                      (!credential       ? "Credential"
                       : !signed_headers ? "SignedHeaders"
                                         : "Signature") +
                      "' parameter");
  }
  ParsedSignature out;
  OPENHI_RETURN_IF_ERROR(ParseCredential(*credential, options, out));
  OPENHI_RETURN_IF_ERROR(CheckSignatureFormat(*signature));
  out.signed_headers = *signed_headers;
  out.signature = *signature;
  return out;
}

// The request time from x-amz-date, else Date.
Result<WallTime> RequestTime(const SigV4Request& request) {
  OPENHI_ASSIGN_OR_RETURN(std::optional<std::string_view> amz_date,
                          SingleHeader(request, "x-amz-date"));
  if (amz_date) {
    Result<WallTime> t = ParseAmzDate(*amz_date);
    if (!t.ok()) return Incomplete("x-amz-date: " + t.status().message());
    return t;
  }
  OPENHI_ASSIGN_OR_RETURN(std::optional<std::string_view> date, SingleHeader(request, "date"));
  if (!date) return Incomplete("the request needs an x-amz-date or Date header");
  Result<WallTime> t = ParseHttpDate(*date);
  if (!t.ok()) return Incomplete("Date: " + t.status().message());
  return t;
}

std::string SkewText(std::chrono::seconds skew) {
  if (skew.count() % 60 == 0) return std::to_string(skew.count() / 60) + " min.";
  return std::to_string(skew.count()) + " sec.";
}

// AWS's wording, which the SDKs' clock-skew detection matches on.
Status CheckWindow(WallTime t, WallTime now, std::chrono::seconds before,
                   std::chrono::seconds after) {
  if (t < now - before) {
    return Unauthenticated("Signature expired: " + FormatAmzDate(t) + " is now earlier than " +
                           FormatAmzDate(now - before) + " (" + FormatAmzDate(now) + " - " +
                           SkewText(before) + ")");
  }
  if (t > now + after) {
    return Unauthenticated("Signature not yet current: " + FormatAmzDate(t) +
                           " is still later than " + FormatAmzDate(now + after) + " (" +
                           FormatAmzDate(now) + " + " + SkewText(after) + ")");
  }
  return Status::Ok();
}

// The payload hash to sign with: x-amz-content-sha256 (checked against the body) or SHA-256.
Result<std::string> PayloadHash(const SigV4Request& request, const VerifyOptions& options) {
  OPENHI_ASSIGN_OR_RETURN(std::optional<std::string_view> declared,
                          SingleHeader(request, "x-amz-content-sha256"));
  if (!declared) return HexSha256(request.body);
  if (*declared == kUnsignedPayload) {
    if (options.allow_unsigned_payload) return std::string(*declared);
    return Unauthenticated("XAmzContentSHA256Mismatch: UNSIGNED-PAYLOAD is not accepted here");
  }
  if (declared->starts_with("STREAMING-")) {
    return Unauthenticated(
        "XAmzContentSHA256Mismatch: streaming (aws-chunked) payloads are not supported");
  }
  if (!internal::ConstantTimeEquals(internal::ToLowerAscii(*declared), HexSha256(request.body))) {
    return Unauthenticated(
        "XAmzContentSHA256Mismatch: the provided 'x-amz-content-sha256' header does not match "
        "what was computed");
  }
  return std::string(*declared);
}

// Checks everything after parsing: scope date, host signed, time window (t may lie up to
// `valid_for` before now and up to max_skew after it), key, payload, signature.
Result<VerifiedIdentity> Finish(const SigV4Request& request, const ParsedSignature& sig,
                                std::string_view amz_date, WallTime t, WallTime now,
                                std::chrono::seconds valid_for, const CredentialStore& credentials,
                                const VerifyOptions& options, bool presigned) {
  if (!amz_date.starts_with(sig.date)) {
    return Incomplete(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
        "date from HTTP: '" +
        sig.date + "' != '" + std::string(amz_date.substr(0, 8)) + "'");
  }
  std::vector<std::string_view> names = internal::Split(sig.signed_headers, ';');
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    return Incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization");
  }
  OPENHI_RETURN_IF_ERROR(CheckWindow(t, now, valid_for, options.max_skew));
  std::optional<std::string_view> secret = credentials.Lookup(sig.access_key_id);
  if (!secret) {
    return Unauthenticated(
        "UnrecognizedClient: The security token included in the request is invalid (unknown "
        "access key ID)");
  }
  OPENHI_ASSIGN_OR_RETURN(std::string payload_hash, PayloadHash(request, options));
  OPENHI_ASSIGN_OR_RETURN(std::string canonical,
                          CanonicalRequest(request, sig.signed_headers, payload_hash));
  std::string scope = CredentialScope(sig.date, sig.region, sig.service);
  std::string expected = SignatureFor(*secret, sig.date, sig.region, sig.service,
                                      StringToSign(amz_date, scope, canonical));
  if (!internal::ConstantTimeEquals(expected, sig.signature)) {
    return Unauthenticated(
        "SignatureDoesNotMatch: The request signature we calculated does not match the signature "
        "you provided. Check your AWS Secret Access Key and signing method.");
  }
  return VerifiedIdentity{sig.access_key_id, sig.region, t, presigned};
}

struct QueryParam {
  std::string_view raw;  // "name=value" as on the wire
  std::string name;      // decoded
  std::string value;     // decoded
};

std::vector<QueryParam> ParseQuery(std::string_view raw_query) {
  std::vector<QueryParam> out;
  for (std::string_view part : internal::Split(raw_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out.push_back({part, internal::QueryDecode(part.substr(0, eq)),
                   eq == std::string_view::npos ? "" : internal::QueryDecode(part.substr(eq + 1))});
  }
  return out;
}

bool HasPresignParams(const std::vector<QueryParam>& params) {
  return std::any_of(params.begin(), params.end(), [](const QueryParam& p) {
    return p.name == "X-Amz-Algorithm" || p.name == "X-Amz-Signature";
  });
}

Result<VerifiedIdentity> VerifyPresigned(const SigV4Request& request,
                                         const std::vector<QueryParam>& params,
                                         const CredentialStore& credentials, WallTime now,
                                         const VerifyOptions& options) {
  std::optional<std::string> algorithm, credential, amz_date, expires, signed_headers, signature;
  std::string unsigned_query;  // the raw query without X-Amz-Signature
  for (const QueryParam& p : params) {
    std::optional<std::string>* slot = p.name == "X-Amz-Algorithm"       ? &algorithm
                                       : p.name == "X-Amz-Credential"    ? &credential
                                       : p.name == "X-Amz-Date"          ? &amz_date
                                       : p.name == "X-Amz-Expires"       ? &expires
                                       : p.name == "X-Amz-SignedHeaders" ? &signed_headers
                                       : p.name == "X-Amz-Signature"     ? &signature
                                                                         : nullptr;
    if (slot != nullptr) {
      if (slot->has_value()) return Incomplete("query parameter " + p.name + " is repeated");
      *slot = p.value;
    }
    if (slot == &signature) continue;
    if (!unsigned_query.empty()) unsigned_query.push_back('&');
    unsigned_query += p.raw;
  }
  if (!algorithm || !credential || !amz_date || !expires || !signed_headers || !signature) {
    return Incomplete(
        "a presigned request needs X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, "
        "X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature");
  }
  if (*algorithm != kAlgorithm) {
    return Incomplete("X-Amz-Algorithm must be " + std::string(kAlgorithm));
  }
  ParsedSignature sig;
  OPENHI_RETURN_IF_ERROR(ParseCredential(*credential, options, sig));
  OPENHI_RETURN_IF_ERROR(CheckSignatureFormat(*signature));
  sig.signed_headers = *signed_headers;
  sig.signature = *signature;
  Result<WallTime> t = ParseAmzDate(*amz_date);
  if (!t.ok()) return Incomplete("X-Amz-Date: " + t.status().message());
  int64_t expiry = -1;
  if (!expires->empty() && expires->size() <= 7 &&
      std::all_of(expires->begin(), expires->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    expiry = std::stoll(*expires);
  }
  if (expiry < 1 || expiry > kMaxPresignedExpiry.count()) {
    return Incomplete("X-Amz-Expires must be an integer from 1 to 604800");
  }
  SigV4Request unsigned_request{request.method, request.raw_path, std::move(unsigned_query),
                                request.headers, request.body};
  return Finish(unsigned_request, sig, *amz_date, *t, now, std::chrono::seconds(expiry),
                credentials, options, /*presigned=*/true);
}

bool IsUnsignedHeader(std::string_view lower_name) {
  static constexpr std::string_view kSkip[] = {
      "authorization", "user-agent",        "expect",
      "connection",    "transfer-encoding", "x-amzn-trace-id"};
  return std::find(std::begin(kSkip), std::end(kSkip), lower_name) != std::end(kSkip);
}

}  // namespace

Result<VerifiedIdentity> VerifySigV4(const SigV4Request& request,
                                     const CredentialStore& credentials, WallTime now,
                                     const VerifyOptions& options) {
  OPENHI_ASSIGN_OR_RETURN(std::optional<std::string_view> authorization,
                          SingleHeader(request, "authorization"));
  std::vector<QueryParam> params = ParseQuery(request.raw_query);
  bool presigned = HasPresignParams(params);
  if (authorization && presigned) {
    return Incomplete(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
        "or the Authorization header should be specified");
  }
  if (presigned) return VerifyPresigned(request, params, credentials, now, options);
  if (!authorization) {
    return Incomplete("Missing Authentication Token: the request has no Authorization header");
  }
  OPENHI_ASSIGN_OR_RETURN(ParsedSignature sig, ParseAuthorization(*authorization, options));
  OPENHI_ASSIGN_OR_RETURN(WallTime t, RequestTime(request));
  // The string to sign carries the ISO-8601 basic form even when the time came from Date.
  std::string amz_date = FormatAmzDate(t);
  return Finish(request, sig, amz_date, t, now, options.max_skew, credentials, options,
                /*presigned=*/false);
}

Result<std::string> SignRequest(const SigV4Request& request, const SigningCredentials& credentials,
                                std::string_view region, std::string_view service) {
  std::set<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = internal::ToLowerAscii(name);
    if (!IsUnsignedHeader(lower)) names.insert(std::move(lower));
  }
  for (std::string_view required : {"host", "x-amz-date"}) {
    if (HeaderValues(request, required).size() != 1) {
      return InvalidArgument("SignRequest: the request needs exactly one '" +
                             std::string(required) + "' header");
    }
  }
  std::string amz_date(TrimSpace(HeaderValues(request, "x-amz-date")[0]));
  Result<WallTime> t = ParseAmzDate(amz_date);
  if (!t.ok()) return InvalidArgument("SignRequest: x-amz-date: " + t.status().message());
  std::vector<std::string_view> declared = HeaderValues(request, "x-amz-content-sha256");
  std::string payload_hash =
      declared.empty() ? HexSha256(request.body) : std::string(TrimSpace(declared[0]));

  std::string signed_headers;
  for (const std::string& name : names) {
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += name;
  }
  Result<std::string> canonical = CanonicalRequest(request, signed_headers, payload_hash);
  if (!canonical.ok()) {
    return InvalidArgument("SignRequest: " + canonical.status().message());
  }
  std::string date = amz_date.substr(0, 8);
  std::string scope = CredentialScope(date, region, service);
  std::string signature = SignatureFor(credentials.secret, date, region, service,
                                       StringToSign(amz_date, scope, *canonical));
  return std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
         ", SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

}  // namespace openhi::auth
