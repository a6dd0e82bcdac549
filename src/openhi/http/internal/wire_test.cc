#include "openhi/http/internal/wire.h"

#include <gtest/gtest.h>

#include <string>

#include "openhi/http/internal/request_parser.h"

namespace openhi::http::internal {
namespace {

TEST(Wire, SerializesStatusLineManagedHeadersAndHandlerHeaders) {
  Response response;
  response.status = 404;
  response.headers = {{"Content-Type", "application/json"},
                      {"content-length", "999"},  // managed: ignored
                      {"Server", "other"},        // managed: ignored
                      {"X-Amzn-RequestId", "abc"}};
  response.body = "{}";
  std::string head;
  SerializeHead(response, Framing{}, &head);
  EXPECT_EQ(head.rfind("HTTP/1.1 404 Not Found\r\nServer: openhi\r\nDate: ", 0), 0u) << head;
  EXPECT_NE(head.find(" GMT\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Amzn-RequestId: abc\r\n"), std::string::npos);
  EXPECT_EQ(head.find("999"), std::string::npos);
  EXPECT_EQ(head.find("other"), std::string::npos);
  EXPECT_EQ(head.find("Connection"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(Wire, FramingAddsConnectionHeaders) {
  Response response;
  std::string head;
  Framing close;
  close.keep_alive = false;
  SerializeHead(response, close, &head);
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos);
  Framing http10;
  http10.http10 = true;
  SerializeHead(response, http10, &head);
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(Wire, NoContentLengthFor204And304) {
  Response response;
  response.status = 204;
  std::string head;
  SerializeHead(response, Framing{}, &head);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
  EXPECT_FALSE(StatusHasBody(304));
  EXPECT_TRUE(StatusHasBody(200));
}

TEST(Wire, SharedBodySizeIsAdvertised) {
  Response response;
  response.body = "ignored";
  response.shared_body = std::make_shared<const std::vector<std::byte>>(12345);
  std::string head;
  SerializeHead(response, Framing{}, &head);
  EXPECT_NE(head.find("\r\nContent-Length: 12345\r\n"), std::string::npos);
}

TEST(Wire, UnknownStatusHasEmptyReason) {
  Response response;
  response.status = 599;
  std::string head;
  SerializeHead(response, Framing{}, &head);
  EXPECT_EQ(head.rfind("HTTP/1.1 599 \r\n", 0), 0u);
}

TEST(Wire, RejectsHeaderInjectionAndBadStatus) {
  Response ok;
  ok.headers = {{"X-Ok", "a b\tc"}};
  EXPECT_TRUE(IsValidResponse(ok));
  Response crlf;
  crlf.headers = {{"X-Bad", "a\r\nSet-Cookie: x"}};
  EXPECT_FALSE(IsValidResponse(crlf));
  Response bad_name;
  bad_name.headers = {{"X Bad", "a"}};
  EXPECT_FALSE(IsValidResponse(bad_name));
  Response empty_name;
  empty_name.headers = {{"", "a"}};
  EXPECT_FALSE(IsValidResponse(empty_name));
  Response interim;
  interim.status = 100;
  EXPECT_FALSE(IsValidResponse(interim));
  Response huge;
  huge.status = 1000;
  EXPECT_FALSE(IsValidResponse(huge));
}

TEST(Wire, WantsCloseFindsTheCloseToken) {
  Response r;
  EXPECT_FALSE(WantsClose(r));
  r.headers = {{"connection", "keep-alive, Close"}};
  EXPECT_TRUE(WantsClose(r));
  r.headers = {{"Connection", "closed"}};
  EXPECT_FALSE(WantsClose(r));
}

TEST(Wire, HttpDateIsImfFixdate) {
  std::string date;
  AppendHttpDate(&date);
  ASSERT_EQ(date.size(), 29u) << date;
  EXPECT_EQ(date.substr(3, 2), ", ");
  EXPECT_EQ(date.substr(25), " GMT");
}

TEST(SplitTarget, KeepsPercentEncodingAndSplitsQuery) {
  std::string path, query;
  SplitTarget("/datastore/a%2Fb/x?y=1&z=%20", &path, &query);
  EXPECT_EQ(path, "/datastore/a%2Fb/x");
  EXPECT_EQ(query, "y=1&z=%20");
  SplitTarget("/p", &path, &query);
  EXPECT_EQ(path, "/p");
  EXPECT_EQ(query, "");
  SplitTarget("/p?", &path, &query);
  EXPECT_EQ(path, "/p");
  EXPECT_EQ(query, "");
  SplitTarget("/p?a?b", &path, &query);
  EXPECT_EQ(query, "a?b");
}

TEST(SplitTarget, StripsAbsoluteFormAuthority) {
  std::string path, query;
  SplitTarget("http://example.com:8080/a/b?q=1", &path, &query);
  EXPECT_EQ(path, "/a/b");
  EXPECT_EQ(query, "q=1");
  SplitTarget("http://example.com", &path, &query);
  EXPECT_EQ(path, "/");
  SplitTarget("*", &path, &query);  // OPTIONS *
  EXPECT_EQ(path, "*");
}

}  // namespace
}  // namespace openhi::http::internal
