#include "openhi/client/internal/aws_error.h"

#include <gtest/gtest.h>

#include "openhi/ahi/errors.h"
#include "openhi/client/internal/endpoint.h"

namespace openhi::client::internal {
namespace {

TEST(AwsError, HeaderNameWinsAndLosesItsSuffix) {
  AwsErrorInfo e = ParseAwsError("ValidationException:http://internal.amazon.com/coral/",
                                 R"({"__type":"Other","message":"bad id"})");
  EXPECT_EQ(e.type, "ValidationException");
  EXPECT_EQ(e.message, "bad id");
}

TEST(AwsError, BodyCodeThenQualifiedTypeAndCapitalMessage) {
  EXPECT_EQ(ParseAwsError("", R"({"code":"ConflictException","__type":"X"})").type,
            "ConflictException");
  AwsErrorInfo e = ParseAwsError(
      "", R"({"__type":"com.amazonaws.medicalimaging#ResourceNotFoundException","Message":"m"})");
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "m");
}

TEST(AwsError, NonJsonBodyBecomesAPrintableMessage) {
  AwsErrorInfo e = ParseAwsError("", "<html>\nBad Gateway</html>");
  EXPECT_EQ(e.type, "");
  EXPECT_EQ(e.message, "<html> Bad Gateway</html>");
}

// Every status the server can send maps back to a code that the server maps to the same AWS
// name: the client's table is the inverse of ahi/errors.h.
TEST(AwsError, InvertsTheServerTable) {
  for (int c = static_cast<int>(StatusCode::kInvalidArgument);
       c <= static_cast<int>(StatusCode::kInternal); ++c) {
    const ahi::AwsError sent = ahi::ToAwsError(static_cast<StatusCode>(c));
    const StatusCode back = StatusCodeForAwsError(sent.name, sent.http_status);
    EXPECT_EQ(ahi::ToAwsError(back).name, sent.name) << StatusCodeName(static_cast<StatusCode>(c));
  }
}

TEST(AwsError, NamesAndStatusesMapAsDocumented) {
  EXPECT_EQ(StatusCodeForAwsError("ResourceNotFoundException", 404), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForAwsError("AccessDeniedException", 403), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeForAwsError("InvalidSignatureException", 403), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForAwsError("", 404), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForAwsError("", 503), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForAwsError("", 500), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForAwsError("SomethingNew", 418), StatusCode::kInvalidArgument);
}

TEST(AwsError, RetriesThrottlingAndServerErrorsOnly) {
  EXPECT_TRUE(IsRetryableHttp(429, ""));
  EXPECT_TRUE(IsRetryableHttp(500, "InternalServerException"));
  EXPECT_TRUE(IsRetryableHttp(503, ""));
  EXPECT_TRUE(IsRetryableHttp(400, "ThrottlingException"));
  EXPECT_FALSE(IsRetryableHttp(501, ""));
  EXPECT_FALSE(IsRetryableHttp(404, "ResourceNotFoundException"));
  EXPECT_FALSE(IsRetryableHttp(403, "AccessDeniedException"));
  EXPECT_FALSE(IsRetryableHttp(400, "ValidationException"));
}

TEST(Endpoint, SplitsOriginAuthorityAndBasePath) {
  auto e = ParseEndpoint("HTTP://Example.COM:8080/prefix/");
  ASSERT_FALSE(e.ok());  // schemes are accepted in lower case only
  e = ParseEndpoint("https://Runtime-Medical-Imaging.us-east-1.amazonaws.com/base/");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(e->https);
  EXPECT_EQ(e->authority, "runtime-medical-imaging.us-east-1.amazonaws.com");
  EXPECT_EQ(e->origin, "https://runtime-medical-imaging.us-east-1.amazonaws.com");
  EXPECT_EQ(e->base_path, "/base");
  e = ParseEndpoint("http://127.0.0.1:8080");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->authority, "127.0.0.1:8080");
  EXPECT_EQ(e->base_path, "");
}

TEST(Endpoint, RejectsWhatCannotBeSignedOrSent) {
  for (const char* bad : {"127.0.0.1:8080", "ftp://h", "http://", "http://u:p@h", "http://h?x=1",
                          "http://h#f", "http://h:", "http://h /x"}) {
    auto e = ParseEndpoint(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_FALSE(ValidatePathAndQuery("datastore").ok());
  EXPECT_FALSE(ValidatePathAndQuery("/a b").ok());
  EXPECT_FALSE(ValidatePathAndQuery("/a#b").ok());
  EXPECT_TRUE(ValidatePathAndQuery("/tags/arn%3Aaws?tagKeys=a&tagKeys=b").ok());
  EXPECT_EQ(EncodeComponent("a/b c~"), "a%2Fb%20c~");
}

}  // namespace
}  // namespace openhi::client::internal
