#include "openhi/http/internal/session.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <utility>

#include "openhi/http/internal/endpoint.h"

namespace openhi::http::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kReadChunk = 8 * 1024;  // first read of an idle keep-alive connection
// Buffers above these sizes are released between requests, so a connection that once carried
// a large request does not keep the memory while idle.
constexpr size_t kKeepBufferCapacity = 64 * 1024;
constexpr size_t kKeepBodyCapacity = 64 * 1024;
// Lingering close: after an error response, discard what the client still sends for at most
// this long / this many bytes, so it reads the response instead of a connection reset.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kLingerMaxBytes = 4u << 20;

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_target).category();
}

void Add(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

Session::Session(Socket socket, ServerContext& context)
    : stream_(std::move(socket)), context_(context), options_(context.options()) {
  Add(context_.stats().active_connections, 1);
  error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
  if (!ec) request_.remote_address = FormatEndpoint(peer);
}

Session::~Session() {
  context_.Unregister(this);
  context_.stats().active_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Session::Start() {
  if (!context_.Register(this, weak_from_this())) {
    Close();
    return;
  }
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
}

void Session::NotifyStop() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&Session::OnStop, shared_from_this()));
}

void Session::OnStop() {
  stop_requested_ = true;
  switch (phase_) {
    case Phase::kWaiting:
    case Phase::kReadingHeader:
    case Phase::kClosing:
      Close();
      break;
    default:  // in flight: OnWrite closes after the response
      break;
  }
}

void Session::WaitForRequest() {
  phase_ = Phase::kWaiting;
  stream_.expires_after(options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::OnIdleRead, shared_from_this()));
}

void Session::OnIdleRead(error_code ec, size_t bytes) {
  if (ec) {  // idle timeout, client closed, or shutdown: all normal
    Close();
    return;
  }
  buffer_.commit(bytes);
  ReadHeader();
}

void Session::ReadHeader() {
  if (stop_requested_) {
    Close();
    return;
  }
  phase_ = Phase::kReadingHeader;
  parser_.emplace(request_, options_.max_header_bytes, options_.max_body_bytes);
  // One deadline for the whole header, however it trickles in.
  stream_.expires_after(options_.header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
}

void Session::OnHeader(error_code ec, size_t bytes) {
  Add(context_.stats().bytes_received, bytes);
  if (ec) {
    OnReadError(ec);
    return;
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  phase_ = Phase::kReadingBody;
  // One deadline for the 100 Continue and the whole body.
  stream_.expires_after(options_.body_timeout);
  if (parser_->expects_continue() && parser_->version() >= 11) {
    net::async_write(stream_, net::buffer(k100Continue.data(), k100Continue.size()),
                     beast::bind_front_handler(&Session::OnContinueWritten, shared_from_this()));
    return;
  }
  ReadBody();
}

void Session::OnContinueWritten(error_code ec, size_t bytes) {
  Add(context_.stats().bytes_sent, bytes);
  if (ec) {
    OnReadError(ec);
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::OnBody, shared_from_this()));
}

void Session::OnBody(error_code ec, size_t bytes) {
  Add(context_.stats().bytes_received, bytes);
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

void Session::OnReadError(error_code ec) {
  ServerStats& stats = context_.stats();
  if (ec == beast::error::timeout) {
    // basic_stream has already closed the socket: nothing can be answered.
    Add(stats.timeouts, 1);
    Close();
  } else if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    Close();  // the client went away
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    Add(stats.oversized_requests, 1);
    Fail(431, "request header fields too large");
  } else if (ec == http::error::body_limit) {
    Add(stats.oversized_requests, 1);
    Fail(413, "request body too large");
  } else if (IsHttpError(ec)) {
    Add(stats.bad_requests, 1);
    Fail(400, "malformed request");
  } else {
    Close();  // network error or shutdown
  }
}

void Session::Dispatch() {
  phase_ = Phase::kHandling;
  Add(context_.stats().requests, 1);
  Framing framing;
  framing.head = parser_->is_head();
  framing.http10 = parser_->version() < 11;
  const bool client_keep_alive = parser_->keep_alive();
  parser_.reset();
  response_ = context_.CallHandler(request_);
  framing.keep_alive =
      client_keep_alive && !stop_requested_ && !context_.stopping() && !WantsClose(response_);
  WriteResponse(framing);
}

void Session::Fail(int status, std::string message) {
  parser_.reset();
  response_ = context_.ErrorResponse(status, std::move(message));
  Framing framing;
  framing.keep_alive = false;
  WriteResponse(framing);
}

void Session::WriteResponse(const Framing& framing) {
  phase_ = Phase::kWriting;
  keep_alive_ = framing.keep_alive;
  SerializeHead(response_, framing, &head_);
  std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::const_buffer()};
  if (!framing.head && StatusHasBody(response_.status)) {
    if (response_.shared_body) {
      buffers[1] = net::buffer(response_.shared_body->data(), response_.shared_body->size());
    } else {
      buffers[1] = net::buffer(response_.body);
    }
  }
  stream_.expires_after(options_.body_timeout);
  net::async_write(stream_, buffers,
                   beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
}

void Session::OnWrite(error_code ec, size_t bytes) {
  Add(context_.stats().bytes_sent, bytes);
  response_ = Response();
  if (ec) {
    if (ec == beast::error::timeout) Add(context_.stats().timeouts, 1);
    Close();
    return;
  }
  if (!keep_alive_) {
    LingeringClose();
    return;
  }
  if (stop_requested_ || context_.stopping()) {
    Close();
    return;
  }
  ReleaseLargeBuffers();
  if (buffer_.size() > 0) {
    ReadHeader();  // a pipelined request is already buffered
  } else {
    WaitForRequest();
  }
}

void Session::ReleaseLargeBuffers() {
  if (request_.body.capacity() > kKeepBodyCapacity) std::string().swap(request_.body);
  if (buffer_.size() == 0 && buffer_.capacity() > kKeepBufferCapacity) buffer_.shrink_to_fit();
}

void Session::LingeringClose() {
  phase_ = Phase::kClosing;
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec || stop_requested_) {
    Close();
    return;
  }
  buffer_.clear();
  buffer_.shrink_to_fit();
  stream_.expires_after(std::min<std::chrono::milliseconds>(kLingerTime, options_.idle_timeout));
  Drain();
}

void Session::Drain() {
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::OnDrain, shared_from_this()));
}

void Session::OnDrain(error_code ec, size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || drained_bytes_ > kLingerMaxBytes) {
    Close();
    return;
  }
  Drain();  // prepare() without commit: the bytes are discarded
}

void Session::Close() {
  phase_ = Phase::kClosed;
  stream_.close();
}

}  // namespace openhi::http::internal
