// Unit tests of the S3 client pieces that need no real S3 server: encoding, XML, error mapping,
// configuration, URI parsing, and retries (against a scripted HTTP server on 127.0.0.1).
#include "openhi/objstore/internal/s3_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "openhi/objstore/internal/s3_test_server.h"
#include "openhi/objstore/internal/s3_xml.h"

namespace openhi::objstore::internal {
namespace {

TEST(S3Encoding, UriEncodeFollowsRfc3986) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b/c+d=e", true), "a%20b/c%2Bd%3De");
  EXPECT_EQ(UriEncode("a b/c+d=e", false), "a%20b%2Fc%2Bd%3De");
  EXPECT_EQ(UriEncode("é%*", true), "%C3%A9%25%2A");
}

TEST(S3Encoding, CanonicalQueryIsSortedAndEncodesSlash) {
  EXPECT_EQ(
      CanonicalQuery({{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+/="}}),
      "continuation-token=x%2B%2F%3D&list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(CanonicalQuery({}), "");
}

TEST(S3Encoding, Sha256Hex) {
  EXPECT_EQ(Sha256Hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(AsBytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(S3Xml, ParsesListPagesAndRejectsGarbage) {
  auto page = ParseListObjectsV2(
      R"(<?xml version="1.0"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>t/+=</NextContinuationToken>"
      "<Contents><Key>a &amp; b</Key><Size>12</Size></Contents>"
      "<Contents><Key>c</Key><Size>0</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a & b");
  EXPECT_EQ(page->objects[0].size, 12u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "t/+=");
  for (const char* bad :
       {"", "not xml", "<Error/>", "<ListBucketResult><IsTruncated>true</IsTruncated>",
        "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"}) {
    EXPECT_EQ(ParseListObjectsV2(bad).status().code(), StatusCode::kInternal) << bad;
  }
}

TEST(S3Xml, ParsesErrorDocuments) {
  auto e = ParseS3Error("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "gone");
  EXPECT_TRUE(ParseS3Error("<html>proxy error</html>").code.empty());
  EXPECT_TRUE(ParseS3Error("").code.empty());
}

S3Response Response(long http, std::string_view xml) { return S3Response{http, ToBytes(xml), 0}; }

TEST(S3Errors, MapHttpAndS3CodesToStatus) {
  auto err = [](const char* code) {
    return "<Error><Code>" + std::string(code) + "</Code><Message>m</Message></Error>";
  };
  EXPECT_EQ(StatusFromResponse(Response(404, err("NoSuchKey")), "GET x").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(StatusFromResponse(Response(404, ""), "HEAD x").code(), StatusCode::kNotFound);
  Status bucket = StatusFromResponse(Response(404, err("NoSuchBucket")), "GET s3://b/k");
  EXPECT_EQ(bucket.code(), StatusCode::kNotFound);
  EXPECT_NE(bucket.message().find("bucket does not exist"), std::string::npos);
  Status denied = StatusFromResponse(Response(403, err("SignatureDoesNotMatch")), "PUT x");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "PUT x: HTTP 403 SignatureDoesNotMatch: m");
  EXPECT_EQ(StatusFromResponse(Response(403, ""), "HEAD x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusFromResponse(Response(503, err("SlowDown")), "x").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromResponse(Response(500, err("InternalError")), "x").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromResponse(Response(400, err("InvalidArgument")), "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusFromResponse(Response(400, err("EntityTooLarge")), "x").code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusFromResponse(Response(409, err("BucketNotEmpty")), "x").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusFromResponse(Response(501, err("NotImplemented")), "x").code(),
            StatusCode::kUnimplemented);
  EXPECT_EQ(StatusFromResponse(Response(418, ""), "x").code(), StatusCode::kInternal);
}

TEST(S3Config, ValidatesBucketNames) {
  const std::vector<std::string> good = {"abc", "my-bucket.1", "0ab", std::string(63, 'a')};
  for (const std::string& ok : good) EXPECT_TRUE(ValidateBucketName(ok).ok()) << ok;
  const std::vector<std::string> bads = {"ab",  "Abc",         "-ab", "ab-", "a..b",
                                         "a_b", "192.168.1.1", "a b", "a/b", std::string(64, 'a')};
  for (const std::string& bad : bads) {
    EXPECT_EQ(ValidateBucketName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(S3Config, ValidatesEndpointsAndCredentials) {
  S3Config c;
  for (const char* ok : {"http://127.0.0.1:9000", "http://127.0.0.1:9000/", "https://s3.x.com"}) {
    c.endpoint = ok;
    EXPECT_TRUE(ValidateS3Config(c).ok()) << ok;
  }
  for (const char* bad : {"", "127.0.0.1:9000", "ftp://h", "http://", "http://h/path",
                          "http://h:1?x", "http://u@h", "http://h x"}) {
    c.endpoint = bad;
    EXPECT_EQ(ValidateS3Config(c).code(), StatusCode::kInvalidArgument) << bad;
  }
  c.endpoint = "http://h";
  c.access_key_id = "k";
  EXPECT_EQ(ValidateS3Config(c).code(), StatusCode::kInvalidArgument);  // no secret
  c.secret_access_key = "s";
  EXPECT_TRUE(ValidateS3Config(c).ok());
  c.session_token = "t\r\nX-Injected: 1";
  EXPECT_EQ(ValidateS3Config(c).code(), StatusCode::kInvalidArgument);
  c.session_token = "";
  c.region = "US East";
  EXPECT_EQ(ValidateS3Config(c).code(), StatusCode::kInvalidArgument);
  c.region = "eu-west-1";
  c.max_attempts = 0;
  EXPECT_EQ(ValidateS3Config(c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NewS3Store(c, "bucket").status().code(), StatusCode::kInvalidArgument);
  c.max_attempts = 1;
  EXPECT_TRUE(NewS3Store(c, "bucket").ok());
  EXPECT_EQ(NewS3Store(c, "Bad_Bucket").status().code(), StatusCode::kInvalidArgument);
}

TEST(S3Config, ReadsTheEnvironment) {
  const char* vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                        "AWS_REGION", "AWS_DEFAULT_REGION"};
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  for (const char* v : vars) {
    const char* old = std::getenv(v);
    saved.emplace_back(v, old ? std::optional<std::string>(old) : std::nullopt);
    ::unsetenv(v);
  }
  ::setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
  ::setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
  S3Config c = S3Config::FromEnvironment("http://h:1");
  EXPECT_EQ(c.endpoint, "http://h:1");
  EXPECT_EQ(c.access_key_id, "AKID");
  EXPECT_EQ(c.secret_access_key, "SECRET");
  EXPECT_EQ(c.session_token, "");
  EXPECT_EQ(c.region, "eu-central-1");
  ::setenv("AWS_REGION", "ap-south-1", 1);
  ::setenv("AWS_SESSION_TOKEN", "TOKEN", 1);
  c = S3Config::FromEnvironment("http://h:1");
  EXPECT_EQ(c.region, "ap-south-1");
  EXPECT_EQ(c.session_token, "TOKEN");
  for (const auto& [name, value] : saved) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
}

TEST(S3Location, NeedsADefaultConfigAndParsesBucketAndPrefix) {
  ClearDefaultS3Config();
  Status s = OpenLocation("s3://bucket/p/").status();
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_NE(s.message().find("--s3-endpoint"), std::string::npos);
  S3Config bad;  // no endpoint
  SetDefaultS3Config(bad);
  EXPECT_EQ(OpenLocation("s3://bucket/p/").status().code(), StatusCode::kInvalidArgument);

  S3Config c;
  c.endpoint = "http://127.0.0.1:1";
  SetDefaultS3Config(c);
  struct Case {
    const char* uri;
    const char* bucket;
    const char* prefix;
    const char* normalised;
  };
  for (const Case& t :
       {Case{"s3://bucket", "bucket", "", "s3://bucket/"},
        Case{"s3://bucket/", "bucket", "", "s3://bucket/"},
        Case{"s3://bucket/a/b", "bucket", "a/b/", "s3://bucket/a/b/"},
        Case{"s3://my.bucket-1/a b/", "my.bucket-1", "a b/", "s3://my.bucket-1/a b/"}}) {
    auto loc = OpenLocation(t.uri);
    ASSERT_TRUE(loc.ok()) << t.uri << ": " << loc.status().ToString();
    EXPECT_EQ(loc->prefix, t.prefix);
    EXPECT_EQ(loc->uri, t.normalised);
    EXPECT_EQ(loc->store->Uri("k"), "s3://" + std::string(t.bucket) + "/k");
  }
  for (const char* bad : {"s3://", "s3://Bucket/x", "s3://bucket/a//b", "s3://bucket/../x",
                          "s3://bucket//", "s3://b/x"}) {
    EXPECT_EQ(OpenLocation(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  ClearDefaultS3Config();
}

// Scripted HTTP/1.1 server: answers the i-th request with responses[min(i, last)] and closes the
// connection. Bounded waits; stops in the destructor.
class ScriptedHttpServer {
 public:
  explicit ScriptedHttpServer(std::vector<std::string> responses)
      : responses_(std::move(responses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 2000) <= 0) break;
        ssize_t n = ::read(c, buf, sizeof(buf));
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const int i = requests_++;
      const std::string& r = responses_[std::min<size_t>(i, responses_.size() - 1)];
      (void)!::write(c, r.data(), r.size());
      ::close(c);
    }
  }

  std::vector<std::string> responses_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

std::string HttpResponse(int code, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

S3Config FastRetryConfig(int port) {
  S3Config c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(port);
  c.access_key_id = "k";
  c.secret_access_key = "s";
  c.max_attempts = 3;
  c.initial_backoff = std::chrono::milliseconds(5);
  c.connect_timeout = std::chrono::milliseconds(2000);
  c.stall_timeout = std::chrono::seconds(5);
  return c;
}

TEST(S3Retry, SlowDownIsRetriedThenUnavailable) {
  ScriptedHttpServer server(
      {HttpResponse(503, "Slow Down",
                    "<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>")});
  auto store = std::move(*NewS3Store(FastRetryConfig(server.port()), "bucket"));
  Status s = store->Get("k").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("SlowDown"), std::string::npos) << s.ToString();
  EXPECT_EQ(server.requests(), 3);
}

TEST(S3Retry, TransientErrorsAreRetriedUntilSuccess) {
  ScriptedHttpServer server(
      {HttpResponse(500, "Internal Server Error", ""), HttpResponse(200, "OK", "payload")});
  auto store = std::move(*NewS3Store(FastRetryConfig(server.port()), "bucket"));
  auto got = store->Get("k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsStringView(*got), "payload");
  EXPECT_EQ(server.requests(), 2);
}

TEST(S3Retry, ClientErrorsAreNotRetried) {
  ScriptedHttpServer server({HttpResponse(
      403, "Forbidden", "<Error><Code>AccessDenied</Code><Message>no</Message></Error>")});
  auto store = std::move(*NewS3Store(FastRetryConfig(server.port()), "bucket"));
  EXPECT_EQ(store->Put("k", AsBytes("v")).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(server.requests(), 1);
}

TEST(S3Retry, ConnectionRefusedIsUnavailable) {
  auto port = FreeLoopbackPort();  // nothing listens there
  ASSERT_TRUE(port.ok());
  auto store = std::move(*NewS3Store(FastRetryConfig(*port), "bucket"));
  const auto t0 = std::chrono::steady_clock::now();
  Status s = store->Head("k").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("after 3 attempts"), std::string::npos) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(S3Limits, OversizedPutIsRefusedBeforeSending) {
  S3Config c = FastRetryConfig(1);
  c.max_object_bytes = 4;
  auto store = std::move(*NewS3Store(c, "bucket"));
  EXPECT_EQ(store->Put("k", AsBytes("12345")).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace openhi::objstore::internal
