// SigV4 building blocks: dates, canonical request, string to sign, signing key. See sigv4.h.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "openhi/auth/internal/crypto.h"
#include "openhi/auth/internal/text.h"
#include "openhi/auth/internal/uri.h"
#include "openhi/auth/sigv4.h"

namespace openhi::auth {
namespace {

using internal::IsSpace;
using internal::QueryDecode;
using internal::TrimSpace;
using internal::UriEncodeTo;

// Trims and collapses inner whitespace runs to one space.
void AppendCanonicalValue(std::string_view value, std::string& out) {
  value = TrimSpace(value);
  bool in_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
}

bool IsHeaderNameChar(char c) {
  // RFC 7230 tchar, lower-case letters only.
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status Incomplete(std::string message) {
  return Unauthenticated("IncompleteSignature: " + std::move(message));
}

bool ParseDigits(std::string_view s, int& out) {
  out = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

Result<WallTime> MakeTime(int y, int mo, int d, int h, int mi, int s) {
  namespace chr = std::chrono;
  chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                          chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return InvalidArgument("date out of range");
  return WallTime(chr::sys_days(ymd) + chr::hours(h) + chr::minutes(mi) + chr::seconds(s));
}

}  // namespace

std::string FormatAmzDate(WallTime t) {
  namespace chr = std::chrono;
  auto secs = chr::floor<chr::seconds>(t);
  auto days = chr::floor<chr::days>(secs);
  chr::year_month_day ymd{days};
  chr::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<WallTime> ParseAmzDate(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !ParseDigits(s.substr(0, 4), y) ||
      !ParseDigits(s.substr(4, 2), mo) || !ParseDigits(s.substr(6, 2), d) ||
      !ParseDigits(s.substr(9, 2), h) || !ParseDigits(s.substr(11, 2), mi) ||
      !ParseDigits(s.substr(13, 2), sec)) {
    return InvalidArgument("expected yyyymmddThhmmssZ");
  }
  return MakeTime(y, mo, d, h, mi, sec);
}

Result<WallTime> ParseHttpDate(std::string_view s) {
  // "Wed, 25 Nov 2026 12:18:36 GMT"
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int d, y, h, mi, sec;
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT" ||
      std::find(std::begin(kDays), std::end(kDays), s.substr(0, 3)) == std::end(kDays) ||
      !ParseDigits(s.substr(5, 2), d) || !ParseDigits(s.substr(12, 4), y) ||
      !ParseDigits(s.substr(17, 2), h) || !ParseDigits(s.substr(20, 2), mi) ||
      !ParseDigits(s.substr(23, 2), sec)) {
    return InvalidArgument("expected an IMF-fixdate such as 'Wed, 25 Nov 2026 12:18:36 GMT'");
  }
  auto month = std::find(std::begin(kMonths), std::end(kMonths), s.substr(8, 3));
  if (month == std::end(kMonths)) return InvalidArgument("unknown month name");
  return MakeTime(y, static_cast<int>(month - std::begin(kMonths)) + 1, d, h, mi, sec);
}

std::string HexSha256(std::string_view data) { return internal::Hex(internal::Sha256(data)); }

std::string CanonicalUri(std::string_view raw_path) {
  std::vector<std::string_view> segments;
  for (std::string_view seg : internal::Split(raw_path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  std::string out = "/";  // the SDKs always send an absolute path; "" canonicalises to "/"
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    UriEncodeTo(segments[i], out);
  }
  if (!segments.empty() && raw_path.ends_with('/')) out.push_back('/');
  return out;
}

std::string CanonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view part : internal::Split(raw_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name, value;
    UriEncodeTo(QueryDecode(part.substr(0, eq)), name);
    if (eq != std::string_view::npos) UriEncodeTo(QueryDecode(part.substr(eq + 1)), value);
    params.emplace_back(std::move(name), std::move(value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

Result<std::string> CanonicalRequest(const SigV4Request& request, std::string_view signed_headers,
                                     std::string_view payload_hash) {
  std::vector<std::string_view> names = internal::Split(signed_headers, ';');
  for (size_t i = 0; i < names.size(); ++i) {
    std::string_view name = names[i];
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsHeaderNameChar)) {
      return Incomplete("SignedHeaders must be a ';'-separated list of lower-case header names");
    }
    if (i > 0 && !(names[i - 1] < name)) {
      return Incomplete("SignedHeaders must be sorted and without repeats");
    }
  }
  std::string out;
  out.reserve(512);
  out += request.method;
  out.push_back('\n');
  out += CanonicalUri(request.raw_path);
  out.push_back('\n');
  out += CanonicalQuery(request.raw_query);
  out.push_back('\n');
  for (std::string_view name : names) {
    out += name;
    out.push_back(':');
    bool found = false;
    for (const auto& [header, value] : request.headers) {
      if (!internal::EqualsIgnoreCase(header, name)) continue;
      if (found) out.push_back(',');
      AppendCanonicalValue(value, out);
      found = true;
    }
    if (!found) {
      return Incomplete("signed header '" + std::string(name) + "' is not in the request");
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  out += signed_headers;
  out.push_back('\n');
  out += payload_hash;
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + 16);
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date).append("\n").append(scope).append("\n");
  out += HexSha256(canonical_request);
  return out;
}

std::string SignatureFor(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view string_to_sign) {
  using internal::AsView;
  using internal::HmacSha256;
  std::string k_secret = "AWS4";
  k_secret.append(secret);
  internal::Digest key = HmacSha256(k_secret, date);
  key = HmacSha256(AsView(key), region);
  key = HmacSha256(AsView(key), service);
  key = HmacSha256(AsView(key), "aws4_request");
  return internal::Hex(HmacSha256(AsView(key), string_to_sign));
}

}  // namespace openhi::auth
