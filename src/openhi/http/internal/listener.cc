#include "openhi/http/internal/listener.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "openhi/core/logging.h"
#include "openhi/http/internal/endpoint.h"
#include "openhi/http/internal/session.h"
#include "openhi/http/internal/wire.h"

namespace openhi::http::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

Status SocketError(std::string_view what, const tcp::endpoint& endpoint,
                   const beast::error_code& ec) {
  std::string message =
      "http: " + std::string(what) + " " + FormatEndpoint(endpoint) + ": " + ec.message();
  if (ec == net::error::address_in_use) return Unavailable(std::move(message));
  if (ec == net::error::access_denied) return PermissionDenied(std::move(message));
  return Internal(std::move(message));
}

}  // namespace

Listener::Listener(net::io_context& io, ServerContext& context)
    : io_(io),
      context_(context),
      strand_(net::make_strand(io)),
      acceptor_(strand_),
      retry_timer_(strand_) {}

Status Listener::Listen(const tcp::endpoint& endpoint) {
  beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return SocketError("open", endpoint, ec);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return SocketError("setsockopt", endpoint, ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return SocketError("bind", endpoint, ec);
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return SocketError("listen", endpoint, ec);
  local_ = acceptor_.local_endpoint(ec);
  if (ec) return SocketError("getsockname", endpoint, ec);
  return Status::Ok();
}

void Listener::Start() { Accept(); }

void Listener::Stop() {
  net::post(strand_, [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
  });
}

void Listener::Accept() {
  // Each connection gets its own strand: its handlers never run concurrently. The accepted
  // socket is typed with that strand (Socket).
  acceptor_.async_accept(Strand(io_.get_executor()),
                         beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(beast::error_code ec, Socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory) {
      // Out of file descriptors or memory: retrying at once would spin.
      LogWarn("http.accept_failed error=\"" + ec.message() +
              "\" retry_ms=" + std::to_string(kAcceptRetryDelay.count()));
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->Accept();
      });
      return;
    }
    Accept();  // e.g. ECONNABORTED: the peer gave up before accept
    return;
  }
  if (context_.stopping()) {
    socket.close(ec);
    return;
  }
  ServerStats& stats = context_.stats();
  // Only this strand creates sessions, so the check cannot race past the limit.
  if (stats.active_connections.load(std::memory_order_relaxed) >=
      context_.options().max_connections) {
    stats.connections_rejected.fetch_add(1, std::memory_order_relaxed);
    Reject(socket);
  } else {
    stats.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    std::make_shared<Session>(std::move(socket), context_)->Start();
  }
  Accept();
}

void Listener::Reject(Socket& socket) {
  Response response = context_.ErrorResponse(503, "too many connections");
  Framing framing;
  framing.keep_alive = false;
  std::string bytes;
  SerializeHead(response, framing, &bytes);
  if (response.shared_body) {
    bytes.append(reinterpret_cast<const char*>(response.shared_body->data()),
                 response.shared_body->size());
  } else {
    bytes.append(response.body);
  }
  // Best effort and never blocking: the listener must not wait on an unwanted client.
  beast::error_code ec;
  socket.non_blocking(true, ec);
  size_t sent = socket.send(net::buffer(bytes), 0, ec);
  if (!ec) context_.stats().bytes_sent.fetch_add(sent, std::memory_order_relaxed);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace openhi::http::internal
