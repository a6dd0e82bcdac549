#pragma once
// Endpoint URL parsing and request-path building for the AHI client. Private to client.
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::client::internal {

// "http(s)://authority[/base-path]" split into what requests need.
struct Endpoint {
  bool https = false;
  std::string authority;  // "host[:port]" with the host lower-cased: the Host header, signed
  std::string origin;     // "http(s)://authority": the URL prefix
  std::string base_path;  // "" or "/prefix" (no trailing '/'), prepended to every request path
};

// kInvalidArgument: not http/https, no host, user info, a query or fragment, spaces or control
// characters. A trailing '/' is ignored.
Result<Endpoint> ParseEndpoint(std::string_view url);

// RFC 3986 percent-encoding of one path segment or query value: unreserved characters
// (A-Z a-z 0-9 - . _ ~) stay, every other byte becomes %XX (upper-case hex).
std::string EncodeComponent(std::string_view s);

// Checks a caller-supplied "/path[?query]": must start with '/', and contain only printable
// ASCII other than space, '#' and '"' (it goes on the wire, and into the signature, as is).
// kInvalidArgument otherwise.
Status ValidatePathAndQuery(std::string_view path_and_query);

}  // namespace openhi::client::internal
