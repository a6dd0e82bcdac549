#pragma once
// Listener: the accept loop of one Server. Each accepted socket gets its own strand and a
// Session, unless max_connections sessions are already open: then it is answered 503 with a
// single non-blocking write and closed (counted in stats().connections_rejected).
//
// Lifetime: shared_ptr, kept alive by its pending accept. Thread safety: Listen() and Start()
// run before the IO threads start; Stop() may be called from any thread; everything else runs
// on the listener's strand.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>

#include "openhi/core/status.h"
#include "openhi/http/internal/server_context.h"
#include "openhi/http/internal/session.h"

namespace openhi::http::internal {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, ServerContext& context);

  // Opens, binds and listens. Errors: kUnavailable (address in use), kPermissionDenied,
  // kInternal (any other socket error).
  Status Listen(const boost::asio::ip::tcp::endpoint& endpoint);
  // The bound endpoint (the real port when 0 was asked for). Valid after Listen().
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }

  void Start();  // starts accepting
  void Stop();   // closes the acceptor (asynchronously, on its strand)

 private:
  void Accept();
  void OnAccept(boost::beast::error_code ec, Socket socket);
  void Reject(Socket& socket);

  boost::asio::io_context& io_;
  ServerContext& context_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // back-off after EMFILE and friends
  boost::asio::ip::tcp::endpoint local_;
};

}  // namespace openhi::http::internal
