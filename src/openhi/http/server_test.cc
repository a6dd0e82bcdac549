#include "openhi/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace openhi::http {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return "";
  }
  bool HasHeader(std::string_view name) const { return !Header(name).empty(); }
};

// A blocking POSIX-socket HTTP/1.1 client that sees exactly the bytes on the wire.
class Client {
 public:
  explicit Client(uint16_t port, milliseconds recv_timeout = milliseconds(5000)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{};
    tv.tv_sec = recv_timeout.count() / 1000;
    tv.tv_usec = (recv_timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (a 100 Continue included). nullopt on EOF, reset or timeout.
  std::optional<ClientResponse> Read(bool head_request = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    ClientResponse r;
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      std::string line = head.substr(pos, eol - pos);
      size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
      pos = eol + 2;
    }
    if (head_request || r.status < 200 || r.status == 204 || r.status == 304) return r;
    size_t length =
        std::stoul(r.Header("Content-Length").empty() ? "0" : r.Header("Content-Length"));
    while (buf_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that
  // arrive meanwhile are discarded.
  bool WaitClosed(milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(
          std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count());
      if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
    return false;
  }

  std::string& pending() { return buf_; }

 private:
  bool Fill() {
    char tmp[64 * 1024];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n" + std::string(extra) + "\r\n";
}

std::string Post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

// Echoes the request: body back, request facts in headers.
Response Echo(const Request& req) {
  Response r;
  r.headers = {{"Content-Type", "application/octet-stream"},
               {"X-Method", req.method},
               {"X-Target", req.target},
               {"X-Raw-Path", req.raw_path},
               {"X-Raw-Query", req.raw_query},
               {"X-Header-Count", std::to_string(req.headers.size())}};
  r.body = req.body;
  return r;
}

std::unique_ptr<Server> StartOrDie(ServerOptions options, Handler handler = Echo) {
  if (options.io_threads == 0) options.io_threads = 2;
  auto server = Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return std::move(server).value();
}

template <typename Pred>
bool Eventually(Pred pred, milliseconds timeout = milliseconds(2000)) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

TEST(HttpServer, StartReportsBoundAddress) {
  auto server = StartOrDie({});
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->address(), "127.0.0.1:" + std::to_string(server->port()));
}

TEST(HttpServer, StartRejectsBadOptions) {
  ServerOptions bad;
  bad.listen = "127.0.0.1";
  EXPECT_EQ(Server::Start(bad, Echo).status().code(), StatusCode::kInvalidArgument);
  bad.listen = "127.0.0.1:70000";
  EXPECT_EQ(Server::Start(bad, Echo).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Server::Start({}, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpServer, PortInUseIsUnavailable) {
  auto first = StartOrDie({});
  ServerOptions options;
  options.listen = first->address();
  EXPECT_EQ(Server::Start(options, Echo).status().code(), StatusCode::kUnavailable);
}

TEST(HttpServer, EchoRoundTripsWithKeepAliveAndPipelining) {
  auto server = StartOrDie({});
  Client c(server->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 5; ++i) {
    std::string body = "hello " + std::to_string(i);
    ASSERT_TRUE(c.Send(Post("/echo?i=" + std::to_string(i), body)));
    auto r = c.Read();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, body);
    EXPECT_EQ(r->Header("X-Method"), "POST");
    EXPECT_EQ(r->Header("X-Raw-Query"), "i=" + std::to_string(i));
    EXPECT_EQ(r->Header("Content-Length"), std::to_string(body.size()));
    EXPECT_EQ(r->Header("Server"), "openhi");
    EXPECT_TRUE(r->HasHeader("Date"));
    EXPECT_FALSE(r->HasHeader("Connection"));
  }
  // Three pipelined requests in one write come back in order.
  ASSERT_TRUE(c.Send(Post("/a", "1") + Get("/b") + Post("/c", "333")));
  auto a = c.Read(), b = c.Read(), d = c.Read();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->body, "1");
  EXPECT_EQ(b->Header("X-Target"), "/b");
  EXPECT_EQ(d->body, "333");
  EXPECT_EQ(server->stats().requests.load(), 8u);
  EXPECT_EQ(server->stats().connections_accepted.load(), 1u);
}

TEST(HttpServer, RequestCarriesRawWireForm) {
  std::mutex mu;
  Request seen;
  auto server = StartOrDie({}, [&](const Request& req) {
    std::lock_guard lock(mu);
    seen = req;
    return Response{};
  });
  Client c(server->port());
  ASSERT_TRUE(
      c.Send("GET /datastore/a%2Fb/imageSet/%7Eid?x=1&y=%2F HTTP/1.1\r\nHost: x\r\n"
             "X-Amz-Date: 20240101T000000Z\r\nx-multi: one\r\nX-Multi: two\r\n\r\n"));
  ASSERT_TRUE(c.Read());
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/datastore/a%2Fb/imageSet/%7Eid?x=1&y=%2F");
  EXPECT_EQ(seen.raw_path, "/datastore/a%2Fb/imageSet/%7Eid");
  EXPECT_EQ(seen.raw_query, "x=1&y=%2F");
  ASSERT_EQ(seen.headers.size(), 4u);
  EXPECT_EQ(seen.headers[1].first, "X-Amz-Date");
  EXPECT_EQ(seen.headers[2], (std::pair<std::string, std::string>("x-multi", "one")));
  EXPECT_EQ(seen.headers[3], (std::pair<std::string, std::string>("X-Multi", "two")));
  EXPECT_EQ(seen.Header("x-amz-date"), "20240101T000000Z");
  EXPECT_EQ(seen.Header("X-MULTI"), "one");
  EXPECT_EQ(seen.Header("absent"), "");
  EXPECT_EQ(seen.remote_address.rfind("127.0.0.1:", 0), 0u) << seen.remote_address;
}

TEST(HttpServer, ServesConcurrentClients) {
  constexpr int kClients = 32;
  constexpr int kRequests = 50;
  ServerOptions options;
  options.io_threads = 4;
  auto server = StartOrDie(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      Client c(server->port());
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(t) + "/" + std::to_string(i);
        if (!c.Send(Post("/x", body))) return;
        auto r = c.Read();
        if (r && r->status == 200 && r->body == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(server->stats().requests.load(), static_cast<uint64_t>(kClients * kRequests));
  EXPECT_GT(server->stats().bytes_sent.load(), 0u);
  EXPECT_GT(server->stats().bytes_received.load(), 0u);
}

TEST(HttpServer, OversizeContentLengthIs413WithoutReadingTheBody) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartOrDie(options, [&](const Request& r) {
    ++calls;
    return Echo(r);
  });
  Client c(server->port());
  // Headers only: the 413 must come back although not one body byte is sent.
  ASSERT_TRUE(c.Send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->stats().oversized_requests.load(), 1u);
}

TEST(HttpServer, BodyAtTheLimitIsAccepted) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(c.Send(Post("/x", std::string(1024, 'b'))));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1024u);
}

TEST(HttpServer, ExpectContinueGets100BeforeTheBody) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(
      c.Send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto cont = c.Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("abcde"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abcde");

  // Too large: 413 straight away, never a 100.
  Client big(server->port());
  ASSERT_TRUE(
      big.Send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n"
               "Expect: 100-continue\r\n\r\n"));
  auto rejected = big.Read();
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 413);
}

TEST(HttpServer, AcceptsChunkedBodiesWithinTheLimit) {
  ServerOptions options;
  options.max_body_bytes = 16;
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(
      c.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");

  ASSERT_TRUE(
      c.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"));
  auto big = c.Read();
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
}

TEST(HttpServer, OversizeHeaderIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(c.Send(Get("/", "X-Big: " + std::string(4096, 'a') + "\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
  EXPECT_EQ(server->stats().oversized_requests.load(), 1u);
}

TEST(HttpServer, SlowlorisHeaderIsDropped) {
  ServerOptions options;
  options.header_timeout = milliseconds(300);
  auto server = StartOrDie(options);
  // A partial header, then silence.
  Client partial(server->port());
  ASSERT_TRUE(partial.Send("GET / HTTP/1.1\r\nHost: x\r\n"));
  // A client trickling one byte every 50 ms: the deadline covers the whole header.
  Client trickle(server->port());
  auto start = Clock::now();
  bool closed = false;
  for (char ch : std::string("GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) {
    if (!trickle.Send(std::string_view(&ch, 1))) {
      closed = true;
      break;
    }
    if (trickle.WaitClosed(milliseconds(50))) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
  EXPECT_TRUE(partial.WaitClosed(milliseconds(1000)));
  EXPECT_TRUE(Eventually([&] { return server->stats().timeouts.load() == 2; }));
  // A silent client that never sends anything is dropped too.
  Client silent(server->port());
  EXPECT_TRUE(silent.WaitClosed(milliseconds(1500)));
}

TEST(HttpServer, StalledBodyIsDropped) {
  ServerOptions options;
  options.body_timeout = milliseconds(200);
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.."));
  EXPECT_TRUE(c.WaitClosed(milliseconds(1500)));
  EXPECT_TRUE(Eventually([&] { return server->stats().timeouts.load() == 1; }));
  EXPECT_EQ(server->stats().requests.load(), 0u);
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(c.Read());
  EXPECT_TRUE(c.WaitClosed(milliseconds(1500)));
  EXPECT_EQ(server->stats().timeouts.load(), 0u);  // idle expiry is not an error
}

TEST(HttpServer, MaxConnectionsIsEnforced) {
  ServerOptions options;
  options.max_connections = 2;
  options.error_responder = [](int status, std::string message) {
    Response r;
    r.status = status;
    r.body = "custom:" + message;
    return r;
  };
  auto server = StartOrDie(options);
  auto first = std::make_unique<Client>(server->port());
  Client second(server->port());
  for (Client* c : {first.get(), &second}) {
    ASSERT_TRUE(c->Send(Get("/")));
    ASSERT_TRUE(c->Read());
  }
  // The excess client is answered 503 and closed before it sends anything.
  Client third(server->port());
  auto r = third.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "custom:too many connections");
  EXPECT_TRUE(third.WaitClosed(milliseconds(2000)));
  EXPECT_EQ(server->stats().connections_rejected.load(), 1u);
  EXPECT_EQ(server->stats().active_connections.load(), 2u);

  // A slot frees up when a client leaves.
  first.reset();
  ASSERT_TRUE(Eventually([&] { return server->stats().active_connections.load() == 1; }));
  Client fourth(server->port());
  ASSERT_TRUE(fourth.Send(Get("/")));
  auto ok = fourth.Read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(HttpServer, MalformedRequestIs400AndClosed) {
  auto server = StartOrDie({});
  Client c(server->port());
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
  EXPECT_EQ(server->stats().bad_requests.load(), 1u);

  Client bad_length(server->port());
  ASSERT_TRUE(bad_length.Send("POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n"));
  auto r2 = bad_length.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);
}

TEST(HttpServer, HandlerExceptionIs500ThroughTheErrorResponder) {
  ServerOptions options;
  options.error_responder = [](int status, std::string message) {
    Response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"message":")" + message + R"("})";
    return r;
  };
  auto server = StartOrDie(options, [](const Request& req) -> Response {
    if (req.raw_path == "/throw") throw std::runtime_error("boom");
    if (req.raw_path == "/throw-int") throw 42;
    if (req.raw_path == "/inject") {
      Response r;
      r.headers = {{"X-Evil", "a\r\nSet-Cookie: pwned"}};
      return r;
    }
    return Response{};
  });
  Client c(server->port());
  for (const char* path : {"/throw", "/throw-int", "/inject"}) {
    ASSERT_TRUE(c.Send(Get(path)));
    auto r = c.Read();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->Header("Content-Type"), "application/json");
    EXPECT_EQ(r->body, R"({"message":"internal server error"})");
    EXPECT_FALSE(r->HasHeader("Set-Cookie"));
  }
  // The connection survives a handler failure.
  ASSERT_TRUE(c.Send(Get("/fine")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server->stats().handler_errors.load(), 3u);
}

TEST(HttpServer, ThrowingErrorResponderFallsBackToPlainText) {
  ServerOptions options;
  options.error_responder = [](int, std::string) -> Response { throw std::logic_error("x"); };
  auto server = StartOrDie(options);
  Client c(server->port());
  ASSERT_TRUE(c.Send("NOT HTTP\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->body, "malformed request\n");
}

TEST(HttpServer, StopWithIdleClientsReturnsPromptly) {
  auto server = StartOrDie({});
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<Client>(server->port()));
    ASSERT_TRUE(clients.back()->Send(Get("/")));
    ASSERT_TRUE(clients.back()->Read());
  }
  Client mid_header(server->port());
  ASSERT_TRUE(mid_header.Send("GET / HTTP/1.1\r\nHo"));
  ASSERT_TRUE(Eventually([&] { return server->stats().active_connections.load() == 9; }));
  auto start = Clock::now();
  server->Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(500));
  for (auto& c : clients) EXPECT_TRUE(c->WaitClosed(milliseconds(1000)));
  EXPECT_TRUE(mid_header.WaitClosed(milliseconds(1000)));
  server->Stop();  // idempotent
}

TEST(HttpServer, StopFinishesInFlightRequests) {
  std::atomic<bool> entered{false};
  auto server = StartOrDie({}, [&](const Request&) {
    entered = true;
    std::this_thread::sleep_for(milliseconds(300));
    Response r;
    r.body = "done";
    return r;
  });
  Client c(server->port());
  ASSERT_TRUE(c.Send(Get("/slow")));
  ASSERT_TRUE(Eventually([&] { return entered.load(); }));
  server->Stop();
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed(milliseconds(1000)));
  // The listener is gone.
  Client late(server->port());
  EXPECT_FALSE(late.connected() && late.Send(Get("/")) && late.Read());
}

TEST(HttpServer, StopIsBoundedByStopTimeout) {
  ServerOptions options;
  options.stop_timeout = milliseconds(200);
  auto server = StartOrDie(options);
  // A request whose body never completes is in flight: Stop waits, then gives up.
  Client c(server->port());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial"));
  ASSERT_TRUE(Eventually([&] { return server->stats().bytes_received.load() > 0; }));
  auto start = Clock::now();
  server->Stop();
  auto took = Clock::now() - start;
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, milliseconds(1000));
  server.reset();  // destroys the abandoned session
  EXPECT_TRUE(c.WaitClosed(milliseconds(1000)));
}

TEST(HttpServer, SharedBodyIsSentIntact) {
  auto frame = std::make_shared<std::vector<std::byte>>(1u << 20);
  for (size_t i = 0; i < frame->size(); ++i) {
    (*frame)[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
  }
  std::shared_ptr<const std::vector<std::byte>> shared = frame;
  auto server = StartOrDie({}, [&](const Request&) {
    Response r;
    r.headers = {{"Content-Type", "application/octet-stream"}};
    r.shared_body = shared;
    return r;
  });
  Client c(server->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Get("/frame")));
    auto r = c.Read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->body.size(), frame->size());
    EXPECT_EQ(std::memcmp(r->body.data(), frame->data(), frame->size()), 0);
  }
}

TEST(HttpServer, HeadGetsHeadersOnly) {
  auto server = StartOrDie({}, [](const Request& req) {
    Response r;
    r.body = "hello";
    r.headers = {{"X-Method", req.method}};
    return r;
  });
  Client c(server->port());
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.Read(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "5");
  EXPECT_EQ(head->Header("X-Method"), "HEAD");
  // No body bytes followed: the next response starts right away.
  ASSERT_TRUE(c.Send(Get("/")));
  auto get = c.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "hello");
  EXPECT_TRUE(c.pending().empty());
}

TEST(HttpServer, NoContentCarriesNoContentLength) {
  auto server = StartOrDie({}, [](const Request&) {
    Response r;
    r.status = 204;
    r.body = "dropped";
    return r;
  });
  Client c(server->port());
  ASSERT_TRUE(c.Send(Get("/") + Get("/")));
  auto a = c.Read(), b = c.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 204);
  EXPECT_FALSE(a->HasHeader("Content-Length"));
  EXPECT_EQ(b->status, 204);
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  auto server = StartOrDie({}, [](const Request& req) {
    Response r;
    if (req.raw_path == "/bye") r.headers = {{"Connection", "close"}};
    return r;
  });
  Client client_close(server->port());
  ASSERT_TRUE(client_close.Send(Get("/", "Connection: close\r\n")));
  auto r = client_close.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(client_close.WaitClosed(milliseconds(2000)));

  Client handler_close(server->port());
  ASSERT_TRUE(handler_close.Send(Get("/bye")));
  auto r2 = handler_close.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->Header("Connection"), "close");
  EXPECT_TRUE(handler_close.WaitClosed(milliseconds(2000)));
}

TEST(HttpServer, SupportsHttp10) {
  auto server = StartOrDie({});
  Client plain(server->port());
  ASSERT_TRUE(plain.Send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = plain.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(plain.WaitClosed(milliseconds(2000)));

  Client keep(server->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(keep.Send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto k = keep.Read();
    ASSERT_TRUE(k);
    EXPECT_EQ(k->Header("Connection"), "keep-alive");
  }
}

}  // namespace
}  // namespace openhi::http
