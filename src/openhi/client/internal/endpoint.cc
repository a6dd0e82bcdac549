#include "openhi/client/internal/endpoint.h"

#include <algorithm>

namespace openhi::client::internal {
namespace {

bool IsPrintableNoSpace(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view url) {
  const std::string what = "endpoint '" + std::string(url) + "'";
  if (!std::all_of(url.begin(), url.end(), IsPrintableNoSpace)) {
    return InvalidArgument(what + ": contains spaces or control characters");
  }
  Endpoint e;
  std::string_view rest;
  if (url.starts_with("https://")) {
    e.https = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return InvalidArgument(what + ": must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument(what + ": must not carry a query or fragment");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty()) return InvalidArgument(what + ": has no host");
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument(what + ": must not carry user info (use credentials)");
  }
  if (authority.back() == ':') return InvalidArgument(what + ": empty port");
  while (path.ends_with('/')) path.remove_suffix(1);
  e.authority.reserve(authority.size());
  for (char c : authority) {
    e.authority.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  e.origin = std::string(e.https ? "https://" : "http://") + e.authority;
  e.base_path = std::string(path);
  return e;
}

std::string EncodeComponent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

Status ValidatePathAndQuery(std::string_view p) {
  if (p.empty() || p[0] != '/') {
    return InvalidArgument("request path '" + std::string(p) + "' must start with '/'");
  }
  for (char c : p) {
    if (!IsPrintableNoSpace(c) || c == '#' || c == '"') {
      return InvalidArgument("request path '" + std::string(p) +
                             "' must be percent-encoded (no spaces, controls, '#' or '\"')");
    }
  }
  return Status::Ok();
}

}  // namespace openhi::client::internal
