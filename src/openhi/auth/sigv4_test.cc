#include "openhi/auth/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace openhi::auth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::StartsWith;

constexpr char kAccessKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

CredentialStore ExampleStore() {
  CredentialStore store;
  EXPECT_TRUE(store.Add(kAccessKeyId, kSecret).ok());
  return store;
}

WallTime At(std::string_view amz_date) { return *ParseAmzDate(amz_date); }

// The failure message of a verification, or "OK".
std::string Message(const Result<VerifiedIdentity>& r) {
  return r.ok() ? "OK" : r.status().message();
}

// The worked example of ahi-api.md §13 (js-sdk-v3.jsonl #10: UntagResource).
SigV4Request WorkedExample() {
  SigV4Request r;
  r.method = "DELETE";
  r.raw_path =
      "/tags/arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F"
      "b9a1c0ffee5b4e2a9d1f00112233aabb";
  r.raw_query = "tagKeys=env&tagKeys=owner";
  r.headers = {{"x-amz-user-agent", "aws-sdk-js/3.958.0"},
               {"host", "127.0.0.1:8099"},
               {"amz-sdk-invocation-id", "437b445b-009b-4e58-8203-198e0b4d65a6"},
               {"amz-sdk-request", "attempt=1; max=1"},
               {"x-amz-date", "20261125T121836Z"},
               {"x-amz-content-sha256", kEmptySha256}};
  return r;
}

constexpr char kWorkedSignedHeaders[] =
    "amz-sdk-invocation-id;amz-sdk-request;host;x-amz-content-sha256;x-amz-date;x-amz-user-agent";

TEST(SigV4, ReproducesTheSpecWorkedExample) {
  Result<std::string> canonical =
      CanonicalRequest(WorkedExample(), kWorkedSignedHeaders, kEmptySha256);
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(
      *canonical,
      "DELETE\n"
      "/tags/arn%253Aaws%253Amedical-imaging%253Aus-east-1%253A123456789012%253Adatastore"
      "%252Fb9a1c0ffee5b4e2a9d1f00112233aabb\n"
      "tagKeys=env&tagKeys=owner\n"
      "amz-sdk-invocation-id:437b445b-009b-4e58-8203-198e0b4d65a6\n"
      "amz-sdk-request:attempt=1; max=1\n"
      "host:127.0.0.1:8099\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20261125T121836Z\n"
      "x-amz-user-agent:aws-sdk-js/3.958.0\n"
      "\n"
      "amz-sdk-invocation-id;amz-sdk-request;host;x-amz-content-sha256;x-amz-date;"
      "x-amz-user-agent\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string scope = CredentialScope("20261125", "us-east-1", "medical-imaging");
  EXPECT_EQ(scope, "20261125/us-east-1/medical-imaging/aws4_request");
  std::string sts = StringToSign("20261125T121836Z", scope, *canonical);
  // §13's "string-to-sign hash" is the hash of the canonical request: the last line here.
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20261125T121836Z\n20261125/us-east-1/medical-imaging/aws4_request\n"
            "8e2e697ab8a5e21200ed00a713a31633262cf135e2fc42c9f506ee78ebc2daa8");
  EXPECT_EQ(SignatureFor(kSecret, "20261125", "us-east-1", "medical-imaging", sts),
            "e71790330af589d58613c8c8c56c29a89e3416e9fc4b0c646dfeabf2385d84de");

  SigV4Request signed_request = WorkedExample();
  signed_request.headers.emplace_back(
      "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/medical-imaging/aws4_request, "
      "SignedHeaders=" +
          std::string(kWorkedSignedHeaders) +
          ", Signature=e71790330af589d58613c8c8c56c29a89e3416e9fc4b0c646dfeabf2385d84de");
  Result<VerifiedIdentity> id = VerifySigV4(signed_request, ExampleStore(), At("20261125T121836Z"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(id->region, "us-east-1");
}

TEST(SigV4, SignerReproducesTheWorkedExample) {
  Result<std::string> auth = SignRequest(WorkedExample(), {kAccessKeyId, kSecret}, "us-east-1");
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(*auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/medical-imaging/"
            "aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;host;"
            "x-amz-content-sha256;x-amz-date;x-amz-user-agent, "
            "Signature=e71790330af589d58613c8c8c56c29a89e3416e9fc4b0c646dfeabf2385d84de");
}

TEST(SigV4, CanonicalUriDoubleEncodesAndNormalisesLikeTheSdks) {
  EXPECT_EQ(CanonicalUri("/datastore/abc"), "/datastore/abc");
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("/a%2Fb"), "/a%252Fb");
  EXPECT_EQ(CanonicalUri("/id%20with%20space"), "/id%2520with%2520space");
  EXPECT_EQ(CanonicalUri("/a b"), "/a%20b");
  EXPECT_EQ(CanonicalUri("/a-_.~z/"), "/a-_.~z/");
  EXPECT_EQ(CanonicalUri("/a//b/./c/../d"), "/a/b/d");
  EXPECT_EQ(CanonicalUri("/../a"), "/a");
  EXPECT_EQ(CanonicalUri("//"), "/");
}

TEST(SigV4, CanonicalQueryDecodesReencodesAndSorts) {
  EXPECT_EQ(CanonicalQuery(""), "");
  EXPECT_EQ(CanonicalQuery("b=2&a=1"), "a=1&b=2");
  EXPECT_EQ(CanonicalQuery("tagKeys=owner&tagKeys=env"), "tagKeys=env&tagKeys=owner");
  EXPECT_EQ(CanonicalQuery("nextToken=tok%2B%2F%3D&maxResults=10"),
            "maxResults=10&nextToken=tok%2B%2F%3D");
  EXPECT_EQ(CanonicalQuery("nextToken=tok+/="), "nextToken=tok%20%2F%3D");  // '+' is a space
  EXPECT_EQ(CanonicalQuery("a=%7e&b=%zz&flag"), "a=~&b=%25zz&flag=");
  EXPECT_EQ(CanonicalQuery("&&a=1&"), "a=1");
}

TEST(SigV4, CanonicalHeadersTrimCollapseAndJoinRepeats) {
  SigV4Request r;
  r.method = "GET";
  r.raw_path = "/";
  r.headers = {{"Host", "h"}, {"X-Multi", "  a   b\t c "}, {"x-multi", "second"}, {"X-Empty", ""}};
  Result<std::string> c = CanonicalRequest(r, "host;x-empty;x-multi", "h0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "GET\n/\n\nhost:h\nx-empty:\nx-multi:a b c,second\n\nhost;x-empty;x-multi\nh0");

  for (std::string_view bad : {"", "host;", "Host", "x-multi;host", "host;host", "host;x-absent"}) {
    Result<std::string> b = CanonicalRequest(r, bad, "h0");
    EXPECT_EQ(b.status().code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_TRUE(b.status().message().starts_with("IncompleteSignature")) << bad;
  }
}

TEST(SigV4, DatesRoundTrip) {
  WallTime t = At("20261125T121836Z");
  EXPECT_EQ(FormatAmzDate(t), "20261125T121836Z");
  EXPECT_EQ(FormatAmzDate(t + std::chrono::milliseconds(999)), "20261125T121836Z");
  EXPECT_EQ(*ParseHttpDate("Wed, 25 Nov 2026 12:18:36 GMT"), t);
  EXPECT_EQ(FormatAmzDate(*ParseAmzDate("20240229T235959Z")), "20240229T235959Z");
  for (std::string_view bad : {"", "20261125T121836", "20261325T121836Z", "20250229T000000Z",
                               "20261125T241836Z", "2026112XT121836Z", "20261125 121836Z"}) {
    EXPECT_EQ(ParseAmzDate(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseHttpDate("Wed, 25 Foo 2026 12:18:36 GMT").ok());
  EXPECT_FALSE(ParseHttpDate("Wed, 25 Nov 2026 12:18:36 UTC").ok());
}

// A request a C++ client would send, signed with SignRequest.
SigV4Request ClientRequest(std::string_view body, WallTime t) {
  SigV4Request r;
  r.method = "POST";
  r.raw_path = "/datastore/b9a1c0ffee5b4e2a9d1f00112233aabb/searchImageSets";
  r.raw_query = "maxResults=10&nextToken=a%2Bb";
  r.headers = {{"Host", "127.0.0.1:8080"},
               {"Content-Type", "application/json"},
               {"X-Amz-Date", FormatAmzDate(t)},
               {"User-Agent", "openhi-client/0.1"}};
  r.body = body;
  return r;
}

Result<VerifiedIdentity> SignThenVerify(SigV4Request r, WallTime now,
                                        const VerifyOptions& options = {}) {
  Result<std::string> auth = SignRequest(r, {kAccessKeyId, kSecret}, "us-west-2");
  if (!auth.ok()) return auth.status();
  r.headers.emplace_back("Authorization", *auth);
  return VerifySigV4(r, ExampleStore(), now, options);
}

TEST(SigV4, SignVerifyRoundTrip) {
  WallTime t = At("20270101T000001Z");
  std::string body = R"({"filters":[]})";
  Result<VerifiedIdentity> id = SignThenVerify(ClientRequest(body, t), t + seconds(30));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->access_key_id, kAccessKeyId);
  EXPECT_EQ(id->region, "us-west-2");
  EXPECT_EQ(id->request_time, t);

  // With a declared payload hash and a session token.
  SigV4Request r = ClientRequest(body, t);
  r.headers.emplace_back("x-amz-content-sha256", HexSha256(body));
  r.headers.emplace_back("X-Amz-Security-Token", "token");
  EXPECT_TRUE(SignThenVerify(r, t).ok());

  // The user-agent is not signed; a proxy may rewrite it.
  Result<std::string> auth = SignRequest(r, {kAccessKeyId, kSecret}, "us-west-2");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->find("user-agent"), std::string::npos);
}

TEST(SigV4, SignRequestNeedsHostAndDate) {
  SigV4Request r = ClientRequest("", At("20270101T000001Z"));
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Host"; });
  EXPECT_EQ(SignRequest(r, {kAccessKeyId, kSecret}, "us-east-1").status().code(),
            StatusCode::kInvalidArgument);
  r = ClientRequest("", At("20270101T000001Z"));
  r.headers.emplace_back("x-amz-date", "20270101T000001Z");  // repeated
  EXPECT_EQ(SignRequest(r, {kAccessKeyId, kSecret}, "us-east-1").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SigV4, AcceptsTheDateHeaderInsteadOfXAmzDate) {
  WallTime t = At("20261125T121836Z");
  SigV4Request r = ClientRequest("", t);
  std::erase_if(r.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  r.headers.emplace_back("Date", "Wed, 25 Nov 2026 12:18:36 GMT");
  // Sign by hand: the string to sign still carries the ISO-8601 basic time.
  std::string payload = HexSha256("");
  Result<std::string> canonical = CanonicalRequest(r, "content-type;date;host", payload);
  ASSERT_TRUE(canonical.ok());
  std::string scope = CredentialScope("20261125", "us-east-1", "medical-imaging");
  std::string sig = SignatureFor(kSecret, "20261125", "us-east-1", "medical-imaging",
                                 StringToSign("20261125T121836Z", scope, *canonical));
  r.headers.emplace_back("Authorization",
                         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope +
                             ",SignedHeaders=content-type;date;host,Signature=" + sig);
  Result<VerifiedIdentity> id = VerifySigV4(r, ExampleStore(), t);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
}

TEST(SigV4, PayloadHashRules) {
  WallTime t = At("20270101T000001Z");
  std::string body = "{}";
  SigV4Request r = ClientRequest(body, t);
  r.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  Result<VerifiedIdentity> id = SignThenVerify(r, t);
  EXPECT_THAT(Message(id), StartsWith("XAmzContentSHA256Mismatch"));
  VerifyOptions lenient;
  lenient.allow_unsigned_payload = true;
  EXPECT_TRUE(SignThenVerify(r, t, lenient).ok());

  r = ClientRequest(body, t);
  r.headers.emplace_back("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  EXPECT_FALSE(SignThenVerify(r, t, lenient).ok());

  r = ClientRequest(body, t);
  r.headers.emplace_back("x-amz-content-sha256", HexSha256("other"));
  id = SignThenVerify(r, t);
  EXPECT_EQ(id.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(id), StartsWith("XAmzContentSHA256Mismatch"));
}

// Builds "AWS4-HMAC-SHA256 ..." around pieces; used to probe the parser.
SigV4Request WithAuthorization(std::string_view value) {
  SigV4Request r = ClientRequest("", At("20270101T000001Z"));
  r.headers.emplace_back("Authorization", std::string(value));
  return r;
}

TEST(SigV4, RejectsMalformedAuthorization) {
  const std::string sig(64, 'a');
  const std::string cred = "Credential=AKIDEXAMPLE/20270101/us-east-1/medical-imaging/aws4_request";
  for (const std::string& bad : {
           std::string(""),
           std::string("AWS4-HMAC-SHA256"),
           "AWS4-HMAC-SHA1 " + cred + ", SignedHeaders=host;x-amz-date, Signature=" + sig,
           "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date",
           "AWS4-HMAC-SHA256 " + cred + ", Signature=" + sig,
           "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + sig,
           "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=" + sig +
               ", Signature=" + sig,
           "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=ABC",
           "AWS4-HMAC-SHA256 " + cred +
               ", SignedHeaders=host;x-amz-date, Signature=" + std::string(64, 'A'),
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20270101/us-east-1/s3/aws4_request, "
           "SignedHeaders=host;x-amz-date, Signature=" +
               sig,
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20270101/us-east-1/medical-imaging/aws5, "
           "SignedHeaders=host;x-amz-date, Signature=" +
               sig,
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2027011/us-east-1/medical-imaging/"
           "aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
               sig,
           // Scope date differs from x-amz-date's date.
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261231/us-east-1/medical-imaging/"
           "aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
               sig,
           // Host must be signed.
           "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, Signature=" + sig,
       }) {
    Result<VerifiedIdentity> id =
        VerifySigV4(WithAuthorization(bad), ExampleStore(), At("20270101T000001Z"));
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.status().code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_THAT(Message(id), StartsWith("IncompleteSignature")) << bad;
  }
  // No Authorization at all.
  Result<VerifiedIdentity> none = VerifySigV4(ClientRequest("", At("20270101T000001Z")),
                                              ExampleStore(), At("20270101T000001Z"));
  EXPECT_THAT(Message(none), StartsWith("IncompleteSignature: Missing Authentication"));
}

TEST(SigV4, RejectsRepeatedSecurityRelevantHeaders) {
  WallTime t = At("20270101T000001Z");
  SigV4Request r = ClientRequest("", t);
  Result<std::string> auth = SignRequest(r, {kAccessKeyId, kSecret}, "us-east-1");
  ASSERT_TRUE(auth.ok());
  r.headers.emplace_back("Authorization", *auth);
  ASSERT_TRUE(VerifySigV4(r, ExampleStore(), t).ok());
  SigV4Request twice = r;
  twice.headers.emplace_back("authorization", *auth);
  EXPECT_EQ(VerifySigV4(twice, ExampleStore(), t).status().code(), StatusCode::kUnauthenticated);
  twice = r;
  twice.headers.emplace_back("x-amz-date", FormatAmzDate(t));
  EXPECT_EQ(VerifySigV4(twice, ExampleStore(), t).status().code(), StatusCode::kUnauthenticated);
}

// A presigned URL built with the building blocks, as the JS SDK's presigner does for non-S3.
SigV4Request Presigned(WallTime t, int expires, std::string_view extra_query = "") {
  SigV4Request r;
  r.method = "GET";
  r.raw_path = "/datastore/b9a1c0ffee5b4e2a9d1f00112233aabb";
  r.headers = {{"host", "127.0.0.1:8080"}};
  std::string date = FormatAmzDate(t).substr(0, 8);
  std::string scope = CredentialScope(date, "us-east-1", "medical-imaging");
  r.raw_query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F" + date +
                "%2Fus-east-1%2Fmedical-imaging%2Faws4_request&X-Amz-Date=" + FormatAmzDate(t) +
                "&X-Amz-Expires=" + std::to_string(expires) + "&X-Amz-SignedHeaders=host" +
                std::string(extra_query);
  std::string canonical = *CanonicalRequest(r, "host", HexSha256(""));
  std::string sig = SignatureFor(kSecret, date, "us-east-1", "medical-imaging",
                                 StringToSign(FormatAmzDate(t), scope, canonical));
  r.raw_query += "&X-Amz-Signature=" + sig;
  return r;
}

TEST(SigV4, VerifiesPresignedQueryRequests) {
  WallTime t = At("20270101T000001Z");
  Result<VerifiedIdentity> id = VerifySigV4(Presigned(t, 300), ExampleStore(), t + seconds(299));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(id->presigned);
  EXPECT_EQ(id->region, "us-east-1");

  Result<VerifiedIdentity> late = VerifySigV4(Presigned(t, 300), ExampleStore(), t + seconds(301));
  EXPECT_THAT(Message(late), StartsWith("Signature expired"));

  SigV4Request tampered = Presigned(t, 300);
  tampered.raw_query.replace(tampered.raw_query.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=900");
  EXPECT_THAT(Message(VerifySigV4(tampered, ExampleStore(), t)),
              StartsWith("SignatureDoesNotMatch"));

  // Other parameters are signed too; their order on the wire does not matter.
  SigV4Request extra = Presigned(t, 300, "&version=2");
  EXPECT_TRUE(VerifySigV4(extra, ExampleStore(), t).ok());
  extra.raw_query.replace(extra.raw_query.find("version=2"), 9, "version=3");
  EXPECT_FALSE(VerifySigV4(extra, ExampleStore(), t).ok());

  SigV4Request both = Presigned(t, 300);
  both.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=x");
  EXPECT_THAT(Message(VerifySigV4(both, ExampleStore(), t)),
              StartsWith("IncompleteSignature: Only one auth mechanism"));

  SigV4Request forever = Presigned(t, 604801);
  EXPECT_THAT(Message(VerifySigV4(forever, ExampleStore(), t)), StartsWith("IncompleteSignature"));
}

// Untrusted input never aborts: random mutations of a valid request are rejected (or, when the
// mutation hits an unsigned part, accepted), always without crashing.
TEST(SigV4, SurvivesRandomMutations) {
  WallTime t = At("20270101T000001Z");
  SigV4Request base = ClientRequest("{}", t);
  base.headers.emplace_back("Authorization", *SignRequest(base, {kAccessKeyId, kSecret}, "r"));
  std::mt19937 rng(42);
  const std::string alphabet = "aZ09%/=&;,. \t+-_~:";
  size_t accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    SigV4Request r = base;
    std::string* target;
    std::string* targets[] = {&r.raw_path, &r.raw_query,
                              &r.headers[rng() % r.headers.size()].second,
                              &r.headers.back().second};  // the last one is Authorization
    target = targets[rng() % 4];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t pos = target->empty() ? 0 : rng() % target->size();
      char c = alphabet[rng() % alphabet.size()];
      unsigned op = rng() % 3;
      if (op == 0 || target->empty()) {
        target->insert(pos, 1, c);
      } else if (op == 1) {
        target->erase(pos, 1);
      } else {
        (*target)[pos] = c;
      }
    }
    Result<VerifiedIdentity> id = VerifySigV4(r, ExampleStore(), t);
    if (id.ok()) {
      ++accepted;
    } else {
      EXPECT_EQ(id.status().code(), StatusCode::kUnauthenticated);
    }
  }
  EXPECT_LT(accepted, 1000u);  // only edits to unsigned headers or no-op edits pass
}

}  // namespace
}  // namespace openhi::auth
