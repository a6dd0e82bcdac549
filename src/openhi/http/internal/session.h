#pragma once
// Session: one accepted connection. Reads requests one at a time (pipelined requests wait in
// the read buffer), calls the handler, writes the response, and loops while keep-alive lasts.
//
//   accept ─▶ ReadHeader ─▶ [100 Continue] ─▶ ReadBody ─▶ Dispatch ─▶ Write ─┬─▶ ReadHeader
//                ▲          (header_timeout)  (body_timeout)   (handler)     │   (pipelined)
//                └──────────── WaitForRequest (idle_timeout) ◀───────────────┤
//                                                                            └─▶ LingeringClose
//
// Errors the server answers itself (400/413/431, and 500 for a failing handler) go through
// ServerContext::ErrorResponse; 400/413/431 close the connection after the response, with a
// short lingering read so the client sees the response instead of a reset.
//
// Lifetime: owned by shared_ptrs held in its pending completion handlers; it dies when the last
// operation completes without starting another. Registered in the ServerContext from Start() to
// its destructor. Thread safety: every member function except NotifyStop runs on the
// connection's strand (the socket's executor); NotifyStop may be called from any thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "openhi/http/internal/request_parser.h"
#include "openhi/http/internal/server_context.h"
#include "openhi/http/internal/wire.h"
#include "openhi/http/server.h"

namespace openhi::http::internal {

// A connection's executor, socket and stream types. The strand type is spelled out instead of
// type-erased (any_io_executor), which saves an executor copy and indirection per operation.
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Strand>;
using Stream = boost::beast::basic_stream<boost::asio::ip::tcp, Strand>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `socket` must be connected; its strand serialises the session. Counts itself in
  // stats().active_connections for its lifetime. `context` must outlive the session.
  Session(Socket socket, ServerContext& context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers with the context and starts reading the first request. Call once, right after
  // construction through std::make_shared.
  void Start();

  // Server shutdown: a connection that is idle or still receiving a request header is closed at
  // once; a request being read, handled or written is finished and answered with
  // `Connection: close`. Thread-safe.
  void NotifyStop();

 private:
  using error_code = boost::beast::error_code;
  enum class Phase {
    kWaiting,
    kReadingHeader,
    kReadingBody,
    kHandling,
    kWriting,
    kClosing,
    kClosed
  };

  void WaitForRequest();
  void OnIdleRead(error_code ec, size_t bytes);
  void ReadHeader();
  void OnHeader(error_code ec, size_t bytes);
  void OnContinueWritten(error_code ec, size_t bytes);
  void ReadBody();
  void OnBody(error_code ec, size_t bytes);
  void OnReadError(error_code ec);
  void Dispatch();
  void Fail(int status, std::string message);
  void WriteResponse(const Framing& framing);
  void OnWrite(error_code ec, size_t bytes);
  void ReleaseLargeBuffers();
  void LingeringClose();
  void Drain();
  void OnDrain(error_code ec, size_t bytes);
  void OnStop();
  void Close();

  Stream stream_;
  ServerContext& context_;
  const ServerOptions& options_;
  boost::beast::flat_buffer buffer_;  // bytes received but not yet parsed (pipelining)
  Request request_;                   // reused for every request of the connection
  std::optional<RequestParser> parser_;
  Response response_;  // kept alive until its bytes are written
  std::string head_;   // serialised status line + headers of response_
  Phase phase_ = Phase::kReadingHeader;
  bool keep_alive_ = true;  // decided for the response being written
  bool stop_requested_ = false;
  size_t drained_bytes_ = 0;
};

}  // namespace openhi::http::internal
