// AhiClient against fake servers (openhi::http::Server with a scripted handler): request shape
// and signatures, retries, fail-fast errors, timeouts, cancellation, backpressure and
// connection reuse. The store-backed integration tests are in ahi_client_integration_test.cc.
#include "openhi/client/ahi_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "openhi/auth/sigv4.h"
#include "openhi/core/gzip.h"
#include "openhi/http/server.h"

namespace openhi::client {
namespace {
using Json = nlohmann::json;

constexpr char kKeyId[] = "AKIDFAKESERVER";
constexpr char kSecret[] = "fake/server+secret";

std::unique_ptr<http::Server> StartServer(http::Handler handler, size_t io_threads = 4) {
  http::ServerOptions o;
  o.io_threads = io_threads;
  auto s = http::Server::Start(o, std::move(handler));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

ClientConfig ConfigFor(const std::string& address) {
  ClientConfig c;
  c.endpoint = "http://" + address;
  c.credentials = {kKeyId, kSecret};
  c.backoff_base = std::chrono::milliseconds(1);
  c.backoff_cap = std::chrono::milliseconds(5);
  c.request_timeout = std::chrono::seconds(20);
  return c;
}

std::unique_ptr<AhiClient> MakeClient(const ClientConfig& config) {
  auto c = AhiClient::Create(config);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

http::Response AwsError(int status, const std::string& type, const std::string& message) {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("x-amzn-ErrorType", type);
  r.body = Json{{"__type", type}, {"message", message}}.dump();
  return r;
}

http::Response JsonBody(std::string body) {
  http::Response r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string FrameIdOf(const http::Request& req) {
  Json j = Json::parse(req.body, nullptr, false);
  return j.is_object() && j.contains("imageFrameId") ? j["imageFrameId"].get<std::string>() : "";
}

http::Response FrameBody(const std::string& id) {
  http::Response r;
  r.headers.emplace_back("Content-Type", "image/jph");
  r.body = "frame:" + id;
  return r;
}

std::vector<std::string> FrameIds(size_t n) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back("f" + std::to_string(i));
  return ids;
}

std::string AsString(const Bytes& b) { return std::string(AsStringView(b)); }

// ---------------------------------------------------------------------------------------------

TEST(AhiClient, SendsSignedRequestsOfTheDocumentedShape) {
  auth::CredentialStore creds;
  ASSERT_TRUE(creds.Add(kKeyId, kSecret).ok());
  std::mutex mu;
  std::vector<http::Request> seen;
  std::vector<Status> verdicts;
  auto server = StartServer([&](const http::Request& req) {
    auth::SigV4Request s{req.method, req.raw_path, req.raw_query, req.headers, req.body};
    auto who = auth::VerifySigV4(s, creds, std::chrono::system_clock::now());
    std::lock_guard lock(mu);
    seen.push_back(req);
    verdicts.push_back(who.status());
    if (req.raw_path.ends_with("/getImageFrame")) return FrameBody(FrameIdOf(req));
    return JsonBody(R"({"ok":true})");
  });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.session_token = "session-token-value";
  auto client = MakeClient(config);
  ASSERT_TRUE(client);

  auto meta = client->GetImageSetMetadata("ds1", "is1", "2");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto body = client->CallJson("POST", "/datastore/ds1/searchImageSets?maxResults=2", "{}");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, R"({"ok":true})");
  std::vector<std::string> ids = {"0123456789abcdef0123456789abcdef"};
  ASSERT_TRUE(client->GetImageFrames("ds1", "is1", ids, [](size_t, Bytes, std::string_view) {
    return Status::Ok();
  }).ok());

  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 3u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(verdicts[i].ok()) << verdicts[i].ToString();
    EXPECT_EQ(seen[i].method, "POST");
    std::string_view authz = seen[i].Header("Authorization");
    EXPECT_NE(authz.find("/us-east-1/medical-imaging/aws4_request"), std::string_view::npos);
    EXPECT_NE(authz.find("x-amz-security-token"), std::string_view::npos) << authz;
    EXPECT_EQ(seen[i].Header("x-amz-security-token"), "session-token-value");
    EXPECT_EQ(seen[i].Header("Expect"), "");
  }
  // GetImageSetMetadata: no body, no Content-Type (as the SDKs send it).
  EXPECT_EQ(seen[0].raw_path, "/datastore/ds1/imageSet/is1/getImageSetMetadata");
  EXPECT_EQ(seen[0].raw_query, "version=2");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(seen[0].Header("Content-Type"), "");
  EXPECT_EQ(seen[1].raw_path, "/datastore/ds1/searchImageSets");
  EXPECT_EQ(seen[1].raw_query, "maxResults=2");
  EXPECT_EQ(seen[1].body, "{}");
  EXPECT_EQ(seen[1].Header("Content-Type"), "application/json");
  EXPECT_EQ(seen[2].raw_path, "/datastore/ds1/imageSet/is1/getImageFrame");
  EXPECT_EQ(Json::parse(seen[2].body), (Json{{"imageFrameId", ids[0]}}));
}

TEST(AhiClient, RetriesThrottlingThenSucceeds) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request&) {
    if (requests.fetch_add(1) == 0) return AwsError(429, "ThrottlingException", "slow down");
    return JsonBody(R"({"Patient":{}})");
  });
  ASSERT_TRUE(server);
  auto client = MakeClient(ConfigFor(server->address()));
  auto meta = client->GetImageSetMetadata("ds", "is");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(AsString(*meta), R"({"Patient":{}})");
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(client->Stats().retries, 1u);
  EXPECT_EQ(client->Stats().requests, 2u);
}

TEST(AhiClient, RetriesServiceUnavailableTwiceThenSucceeds) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request&) {
    if (requests.fetch_add(1) < 2) return AwsError(503, "ServiceUnavailable", "busy");
    return JsonBody(R"({"imageSetId":"x"})");
  });
  ASSERT_TRUE(server);
  auto client = MakeClient(ConfigFor(server->address()));
  auto body = client->CallJson("POST", "/datastore/d/imageSet/x/getImageSet", "");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(requests.load(), 3);
  EXPECT_EQ(client->Stats().retries, 2u);
}

TEST(AhiClient, GivesUpAfterMaxAttemptsOfThrottling) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request&) {
    requests.fetch_add(1);
    return AwsError(429, "ThrottlingException", "Rate exceeded");
  });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.max_attempts = 3;
  auto client = MakeClient(config);
  auto body = client->CallJson("GET", "/datastore", "");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(body.status().message().find("HTTP 429 ThrottlingException: Rate exceeded"),
            std::string::npos)
      << body.status().message();
  EXPECT_NE(body.status().message().find("3 attempts"), std::string::npos);
  EXPECT_EQ(requests.load(), 3);
}

TEST(AhiClient, NotFoundFailsFastWithExactlyOneRequest) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request&) {
    requests.fetch_add(1);
    return AwsError(404, "ResourceNotFoundException", "image set is1 does not exist");
  });
  ASSERT_TRUE(server);
  auto client = MakeClient(ConfigFor(server->address()));
  auto meta = client->GetImageSetMetadata("ds", "is1");
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.status().code(), StatusCode::kNotFound);
  EXPECT_NE(meta.status().message().find("ResourceNotFoundException"), std::string::npos);
  EXPECT_NE(meta.status().message().find("image set is1 does not exist"), std::string::npos);
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(client->Stats().retries, 0u);
}

TEST(AhiClient, ValidationErrorIsNotRetried) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request&) {
    requests.fetch_add(1);
    return AwsError(400, "ValidationException", "bad frame id");
  });
  ASSERT_TRUE(server);
  auto client = MakeClient(ConfigFor(server->address()));
  std::vector<std::string> ids = {"bad"};
  Status s = client->GetImageFrames("ds", "is", ids,
                                    [](size_t, Bytes, std::string_view) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(requests.load(), 1);
}

TEST(AhiClient, FrameThatAlwaysFailsNamesTheFrameAfterMaxAttempts) {
  std::mutex mu;
  std::map<std::string, int> per_frame;
  auto server = StartServer([&](const http::Request& req) {
    const std::string id = FrameIdOf(req);
    {
      std::lock_guard lock(mu);
      ++per_frame[id];
    }
    if (id == "f7") return AwsError(500, "InternalServerException", "disk on fire");
    return FrameBody(id);
  });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.max_attempts = 3;
  config.connections = 2;
  auto client = MakeClient(config);
  auto ids = FrameIds(10);
  Status s = client->GetImageFrames("ds", "is", ids,
                                    [](size_t, Bytes, std::string_view) { return Status::Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  for (const char* part : {"imageFrameId=f7", "HTTP 500", "InternalServerException",
                           "disk on fire", "3 attempts"}) {
    EXPECT_NE(s.message().find(part), std::string::npos) << part << " in " << s.message();
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(per_frame["f7"], 3);
}

// A listening socket that never accepts: the kernel completes the handshake and takes the
// request, nobody ever answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 64), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(AhiClient, ServerThatNeverAnswersTimesOutInsteadOfHanging) {
  SilentListener silent;
  ClientConfig config = ConfigFor(silent.address());
  config.request_timeout = std::chrono::milliseconds(300);
  config.max_attempts = 2;
  auto client = MakeClient(config);
  auto ids = FrameIds(3);
  Status s = client->GetImageFrames("ds", "is", ids,
                                    [](size_t, Bytes, std::string_view) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_NE(s.message().find("GetImageFrame imageFrameId=f"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("2 attempts"), std::string::npos) << s.message();
  EXPECT_GE(client->Stats().retries, 1u);
  auto meta = client->GetImageSetMetadata("ds", "is");
  EXPECT_EQ(meta.status().code(), StatusCode::kDeadlineExceeded);
}

// Blocks every handler call until Release(); reports when the first request arrived.
class Gate {
 public:
  void Arrive() {
    std::unique_lock lock(mu_);
    arrived_ = true;
    cv_.notify_all();
    // Bounded so that a broken test cannot wedge the server's Stop().
    cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
  }
  void WaitArrived() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return arrived_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool arrived_ = false;
  bool released_ = false;
};

TEST(AhiClient, CancellationFromAnotherThreadStopsASlowTransfer) {
  Gate gate;
  auto server = StartServer(
      [&](const http::Request& req) {
        gate.Arrive();
        return FrameBody(FrameIdOf(req));
      },
      /*io_threads=*/8);
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.connections = 3;
  auto client = MakeClient(config);
  CancellationToken cancel;
  std::thread canceller([&] {
    gate.WaitArrived();
    cancel.Cancel();
  });
  auto ids = FrameIds(3);
  int frames = 0;
  Status s = client->GetImageFrames(
      "ds", "is", ids,
      [&](size_t, Bytes, std::string_view) {
        ++frames;
        return Status::Ok();
      },
      &cancel);
  canceller.join();
  gate.Release();
  EXPECT_TRUE(IsCancelledError(s)) << s.ToString();
  EXPECT_EQ(frames, 0);
  // A token that is already set stops a call before it sends anything.
  const uint64_t before = client->Stats().requests;
  EXPECT_TRUE(IsCancelledError(client->GetImageSetMetadata("ds", "is", {}, &cancel).status()));
  EXPECT_EQ(client->Stats().requests, before);
}

TEST(AhiClient, CallbackErrorStopsTheCall) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request& req) {
    requests.fetch_add(1);
    return FrameBody(FrameIdOf(req));
  });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.connections = 4;
  auto client = MakeClient(config);
  auto ids = FrameIds(50);
  int calls = 0;
  Status s = client->GetImageFrames("ds", "is", ids, [&](size_t, Bytes, std::string_view) {
    return ++calls == 3 ? DataLoss("checksum mismatch in frame") : Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "checksum mismatch in frame");
  EXPECT_EQ(calls, 3);
  // 3 completed plus at most `connections` in flight when the callback failed.
  EXPECT_LE(requests.load(), 3 + 4);
}

TEST(AhiClient, SlowConsumerHoldsBackTransfers) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const http::Request& req) {
    requests.fetch_add(1);
    return FrameBody(FrameIdOf(req));
  });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.connections = 2;
  auto client = MakeClient(config);
  auto ids = FrameIds(30);
  std::vector<int> seen(ids.size(), 0);
  int k = 0;
  Status s = client->GetImageFrames("ds", "is", ids, [&](size_t i, Bytes b, std::string_view ct) {
    ++k;
    ++seen[i];
    // Callback k: k-1 done before, the one here, at most 2 others in flight.
    EXPECT_LE(requests.load(), k + 2);
    EXPECT_EQ(AsString(b), "frame:" + ids[i]);
    EXPECT_EQ(ct, "image/jph");
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 1) << i;
}

TEST(AhiClient, ReusesKeepAliveConnections) {
  auto server = StartServer([&](const http::Request& req) {
    if (req.raw_path.ends_with("/getImageFrame")) return FrameBody(FrameIdOf(req));
    return JsonBody("{}");
  });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.connections = 4;
  auto client = MakeClient(config);
  auto ids = FrameIds(200);
  std::vector<int> seen(ids.size(), 0);
  Status s = client->GetImageFrames("ds", "is", ids, [&](size_t i, Bytes b, std::string_view) {
    ++seen[i];
    EXPECT_EQ(AsString(b), "frame:" + ids[i]);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << i;
  EXPECT_EQ(server->stats().requests.load(), 200u);
  EXPECT_LE(server->stats().connections_accepted.load(), 4u);
  // The next call leases the same multi handle, with its open connections.
  ASSERT_TRUE(client->GetImageSetMetadata("ds", "is").ok());
  ASSERT_TRUE(client->GetImageFrames("ds", "is", ids, [](size_t, Bytes, std::string_view) {
    return Status::Ok();
  }).ok());
  EXPECT_LE(server->stats().connections_accepted.load(), 4u);
  EXPECT_EQ(client->Stats().connections_opened, server->stats().connections_accepted.load());
}

TEST(AhiClient, ConcurrentCallsOnOneClientEachGetTheirFrames) {
  auto server = StartServer([&](const http::Request& req) { return FrameBody(FrameIdOf(req)); });
  ASSERT_TRUE(server);
  ClientConfig config = ConfigFor(server->address());
  config.connections = 2;
  auto client = MakeClient(config);
  constexpr int kThreads = 4;
  std::vector<Status> results(kThreads);
  std::vector<int> delivered(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> ids;
      for (int i = 0; i < 40; ++i) ids.push_back("t" + std::to_string(t) + "-" + std::to_string(i));
      results[t] = client->GetImageFrames("ds", "is", ids, [&](size_t i, Bytes b, std::string_view) {
        ++delivered[t];
        return AsString(b) == "frame:" + ids[i] ? Status::Ok() : DataLoss("wrong frame " + ids[i]);
      });
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(results[t].ok()) << results[t].ToString();
    EXPECT_EQ(delivered[t], 40);
  }
}

TEST(AhiClient, MetadataIsPlainJsonWhateverTheWireEncoding) {
  const std::string doc = R"({"SchemaVersion":"1.1","Study":{}})";
  auto gz = GzipCompress(AsBytes(doc));
  ASSERT_TRUE(gz.ok());
  const std::string gz_text(AsStringView(*gz));
  auto server = StartServer([&](const http::Request& req) {
    http::Response r;
    r.headers.emplace_back("Content-Type", "application/json");
    if (req.raw_path.find("/gzip/") != std::string::npos) {
      r.headers.emplace_back("Content-Encoding", "gzip");
      r.body = gz_text;
    } else if (req.raw_path.find("/unlabelled-gzip/") != std::string::npos) {
      r.body = gz_text;
    } else if (req.raw_path.find("/lying/") != std::string::npos) {
      r.headers.emplace_back("Content-Encoding", "gzip");  // a proxy decompressed it
      r.body = "\n" + doc;
    } else if (req.raw_path.find("/corrupt/") != std::string::npos) {
      r.body = gz_text.substr(0, gz_text.size() / 2);
    } else if (req.raw_path.find("/html/") != std::string::npos) {
      r.body = "<html>not json</html>";
    } else {
      r.body = doc;
    }
    return r;
  });
  ASSERT_TRUE(server);
  auto client = MakeClient(ConfigFor(server->address()));
  for (const char* ds : {"plain", "gzip", "unlabelled-gzip", "lying"}) {
    auto meta = client->GetImageSetMetadata(ds, "is");
    ASSERT_TRUE(meta.ok()) << ds << ": " << meta.status().ToString();
    EXPECT_EQ(Json::parse(AsStringView(*meta)), Json::parse(doc)) << ds;
  }
  for (const char* ds : {"corrupt", "html"}) {
    auto meta = client->GetImageSetMetadata(ds, "is");
    EXPECT_EQ(meta.status().code(), StatusCode::kDataLoss) << ds;
  }
}

TEST(AhiClient, RejectsBadConfigAndArgumentsWithoutSending) {
  ClientConfig config = ConfigFor("127.0.0.1:9");
  config.credentials = {};
  EXPECT_EQ(AhiClient::Create(config).status().code(), StatusCode::kInvalidArgument);
  config = ConfigFor("127.0.0.1:9");
  config.endpoint = "127.0.0.1:9";
  EXPECT_EQ(AhiClient::Create(config).status().code(), StatusCode::kInvalidArgument);

  auto client = MakeClient(ConfigFor("127.0.0.1:9"));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->GetImageSetMetadata("", "is").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client->GetImageSetMetadata("ds", "is", "").status().code(),
            StatusCode::kInvalidArgument);
  std::vector<std::string> ids = {"f0", ""};
  EXPECT_EQ(client->GetImageFrames("ds", "is", ids, [](size_t, Bytes, std::string_view) {
    return Status::Ok();
  }).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client->CallJson("POST", "datastore", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->CallJson("POST", "/a b", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client->CallJson("post", "/datastore", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->Stats().requests, 0u);
  // No frames: nothing to do.
  EXPECT_TRUE(client->GetImageFrames("ds", "is", {}, [](size_t, Bytes, std::string_view) {
    return Status::Ok();
  }).ok());
}

}  // namespace
}  // namespace openhi::client
