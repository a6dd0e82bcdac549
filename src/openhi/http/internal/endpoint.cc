#include "openhi/http/internal/endpoint.h"

#include <boost/asio/io_context.hpp>
#include <charconv>
#include <cstdint>

namespace openhi::http::internal {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Result<tcp::endpoint> ResolveListenAddress(std::string_view listen) {
  std::string_view host;
  std::string_view port_text;
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return InvalidArgument("http: listen address must be \"[ipv6]:port\": " +
                             std::string(listen));
    }
    host = listen.substr(1, close - 1);
    port_text = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos || listen.find(':') != colon) {
      return InvalidArgument("http: listen address must be \"host:port\": " + std::string(listen));
    }
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
  }
  uint32_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return InvalidArgument("http: bad port in listen address: " + std::string(listen));
  }
  if (host.empty()) host = "0.0.0.0";

  boost::system::error_code error;
  net::ip::address address = net::ip::make_address(std::string(host), error);
  if (!error) return tcp::endpoint(address, static_cast<uint16_t>(port));

  net::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(std::string(host), std::string(port_text), error);
  if (error || results.empty()) {
    return InvalidArgument("http: cannot resolve listen host \"" + std::string(host) +
                           "\": " + error.message());
  }
  return results.begin()->endpoint();
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  std::string out;
  if (address.is_v6()) {
    out = "[" + address.to_string() + "]";
  } else {
    out = address.to_string();
  }
  out += ":";
  out += std::to_string(endpoint.port());
  return out;
}

}  // namespace openhi::http::internal
