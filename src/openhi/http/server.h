#pragma once
// openhi::http — the generic HTTP/1.1 server that every openhi protocol frontend plugs into
// (the AHI API, DICOMweb, the SageMaker hosting contract). It knows nothing about those
// protocols: a frontend hands it one Handler and renders the server's own errors through
// ServerOptions::error_responder.
//
// Wire behaviour (Boost.Beast 1.74, kept behind a PImpl):
//   * HTTP/1.1 keep-alive with sequential handling of pipelined requests; HTTP/1.0 (keep-alive
//     only when the client asks for it); `Connection: close` from the client or the handler is
//     honoured.
//   * `Expect: 100-continue` is answered with `100 Continue` before the body is read (the AWS
//     CLI and boto3 send it with bodies); chunked request bodies are accepted and de-chunked.
//   * Every response carries Content-Length (except 204/304), `Date` and `Server: openhi`; a
//     response to HEAD carries the headers of the handler's response (Content-Length included)
//     and no body.
//   * Limits: a Content-Length above max_body_bytes is answered 413 without reading the body; a
//     chunked body that grows past it is answered 413; a header above max_header_bytes is
//     answered 431; a malformed request 400. Each of these closes the connection. A header or
//     body that does not arrive within its timeout closes the connection (slowloris defence).
//   * Connections past max_connections are accepted, answered 503 (best effort) and closed.
//   * An exception escaping the Handler is caught and answered 500.
//
// Error responses (400, 413, 431, 500, 503) are rendered by ServerOptions::error_responder
// so that a frontend can emit its own error shape (AWS JSON errors for the AHI API).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openhi/core/status.h"

namespace openhi::http {

// One parsed request, valid only for the duration of the Handler call (the server reuses the
// object and its buffers for the next request on the same connection).
struct Request {
  std::string method;  // as received, e.g. "GET"; methods are case-sensitive
  std::string target;  // raw request-target as received, e.g. "/a%2Fb?x=1"
  // The path part of `target`: everything before the first '?', still percent-encoded, exactly
  // as on the wire. For an absolute-form target ("http://host/p?q") the scheme and authority
  // are removed ("/p"). Never decoded or normalised here: routing and SigV4 need the raw form.
  std::string raw_path;
  std::string raw_query;  // everything after the first '?', without it; "" if none
  // Header fields in arrival order, names in their original case, repeats kept as separate
  // entries. Values have surrounding whitespace removed (RFC 9110 field-value).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // de-chunked; at most ServerOptions::max_body_bytes bytes
  std::string remote_address;  // peer as "ip:port" ("[v6]:port" for IPv6)

  // The value of the first header whose name equals `name` ignoring ASCII case; "" if absent.
  // The view points into `headers`.
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;  // 200..999; anything else is answered 500 (handler bug)
  // Extra header fields. Content-Length, Transfer-Encoding, Date, Server and Connection are
  // managed by the server and ignored here, except that `Connection: close` makes the server
  // close the connection after this response. A name that is not an RFC 9110 token or a value
  // containing CR, LF or NUL is a handler bug: the response is replaced by a 500.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Zero-copy alternative to `body`: when set it is sent instead of `body`, without copying, so
  // an immutable cached frame can be shared by many concurrent responses. The server keeps a
  // reference until the bytes are written.
  std::shared_ptr<const std::vector<std::byte>> shared_body;

  // The number of body bytes this response carries (shared_body when set, else body).
  size_t body_size() const { return shared_body ? shared_body->size() : body.size(); }
};

// The frontend's request handler. Called concurrently from the IO threads (at most one call at a
// time per connection), so it must be thread-safe. It runs on an IO thread: it may block
// briefly (a catalog lookup, a file read) but long work belongs on a worker pool, because a
// blocked IO thread stalls every connection it serves. Exceptions are caught and answered 500.
using Handler = std::function<Response(const Request&)>;

// Renders an error the server itself produces. `status` is one of 400, 413, 431, 500, 503;
// `message` is a short English description without request data. Called from IO threads; must
// be thread-safe. If it throws, or returns an invalid response, DefaultErrorResponse is used.
using ErrorResponder = std::function<Response(int status, std::string message)>;

// The default ErrorResponder: `status` with a text/plain body "message\n".
Response DefaultErrorResponse(int status, std::string message);

struct ServerOptions {
  // "host:port" to listen on. host is an IPv4 or IPv6 literal ("[::1]:8080"), or a name that
  // resolves (first address wins, e.g. "localhost"). Port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:0";
  size_t io_threads = 0;                // threads running the event loop; 0 = hardware threads
  size_t max_header_bytes = 16 * 1024;  // request line plus header fields; over -> 431
  size_t max_body_bytes = 10u << 20;    // decoded request body; over -> 413
  // Deadline to receive a complete request header, counted from the first byte of the request
  // (from the accept for the first request of a connection). A trickling client is dropped.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // Deadline to receive the whole body after the header, and to write a whole response.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
  // How long a keep-alive connection may sit idle between requests before it is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Open connections beyond this are accepted, answered 503 and closed at once.
  size_t max_connections = 1024;
  // Stop() waits at most this long for in-flight requests before closing everything (plus
  // the time handler calls already running take to return: they are never interrupted).
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(5)};
  // How the server renders its own errors; empty = DefaultErrorResponse.
  ErrorResponder error_responder;
};

// Counters for a /metrics endpoint. Updated with relaxed atomics from the IO threads; each value
// is individually consistent, a set of loads is not a snapshot.
struct ServerStats {
  std::atomic<uint64_t> connections_accepted{0};  // connections that got a session
  std::atomic<uint64_t> connections_rejected{0};  // refused past max_connections (503)
  std::atomic<uint64_t> active_connections{0};    // sessions currently open (a gauge)
  std::atomic<uint64_t> requests{0};              // complete requests handed to the handler
  std::atomic<uint64_t> bytes_sent{0};            // response bytes written, headers included
  std::atomic<uint64_t> bytes_received{0};        // request bytes parsed, headers included
  // Connections closed because a header, body or write deadline passed (idle keep-alive
  // expiry is normal and not counted).
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> oversized_requests{0};  // answered 413 or 431
  std::atomic<uint64_t> bad_requests{0};        // answered 400 (malformed)
  std::atomic<uint64_t> handler_errors{0};      // handler threw or returned an invalid response
};

// A running server.
//
// Thread safety: port(), address() and stats() may be called from any thread at any time.
// Stop() may be called from any thread except an IO thread (i.e. not from inside the Handler
// or the ErrorResponder, where it would wait for itself: that aborts).
class Server {
 public:
  // Binds, listens and starts the IO threads; the server accepts connections when this returns.
  // Errors: kInvalidArgument for a malformed `listen`, an unresolvable host, a null handler or
  // a zero limit; kUnavailable when the address is in use (retry elsewhere or later);
  // kPermissionDenied for a privileged port; kInternal for other socket failures.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);

  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;        // the bound port (the chosen one when listen asked for 0)
  std::string address() const;  // the bound "ip:port", e.g. "127.0.0.1:43123"

  // Graceful shutdown: stops accepting, closes idle connections and connections whose request
  // header is incomplete, lets requests being read, handled or written finish (their responses
  // carry `Connection: close`), then joins the IO threads. Waits at most options.stop_timeout
  // for in-flight requests before closing what is left (a handler call already running is
  // always waited for). Idempotent.
  void Stop();

  const ServerStats& stats() const;

 private:
  struct Impl;
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  Server(PassKey, std::unique_ptr<Impl> impl);  // for Start() only (PassKey is private)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace openhi::http
