#pragma once
// Listen-address parsing and endpoint formatting for openhi::http. Thread-safe (pure functions;
// ResolveListenAddress may block on DNS for a host name).
#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::http::internal {

// Parses "host:port" ("[v6]:port" for IPv6; an empty host means 0.0.0.0). A host that is not an
// IP literal is resolved and its first address used. Errors: kInvalidArgument for a malformed
// string, a bad port or a host that does not resolve.
Result<boost::asio::ip::tcp::endpoint> ResolveListenAddress(std::string_view listen);

// "1.2.3.4:80" or "[::1]:80".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace openhi::http::internal
