#include "openhi/objstore/s3_store.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "openhi/objstore/internal/s3_client.h"
#include "openhi/objstore/internal/s3_xml.h"

namespace openhi::objstore {
namespace {

using internal::HttpMethod;
using internal::S3Client;
using internal::S3Request;
using internal::S3Response;
using internal::StatusFromResponse;

bool Is2xx(long http) { return http >= 200 && http < 300; }

// Thread-safe: the bucket is immutable and S3Client may be used from many threads at once.
class S3Store final : public ObjectStore {
 public:
  S3Store(const S3Config& config, std::string bucket)
      : client_(config), bucket_(std::move(bucket)) {}

  Result<Bytes> Get(std::string_view key) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    OPENHI_ASSIGN_OR_RETURN(S3Response r, Send(HttpMethod::kGet, key));
    if (!Is2xx(r.http_status)) return StatusFromResponse(r, "S3 GET " + Uri(key));
    return std::move(r.body);
  }

  Status Put(std::string_view key, ByteView data) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    if (data.size() > client_.config().max_object_bytes) {
      return ResourceExhausted("S3 PUT " + Uri(key) + ": " + std::to_string(data.size()) +
                               " bytes exceed the single-PUT limit of " +
                               std::to_string(client_.config().max_object_bytes));
    }
    OPENHI_ASSIGN_OR_RETURN(S3Response r, Send(HttpMethod::kPut, key, data));
    if (!Is2xx(r.http_status)) return StatusFromResponse(r, "S3 PUT " + Uri(key));
    return Status::Ok();
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    OPENHI_ASSIGN_OR_RETURN(S3Response r, Send(HttpMethod::kHead, key));
    if (!Is2xx(r.http_status)) return StatusFromResponse(r, "S3 HEAD " + Uri(key));
    return ObjectInfo{std::string(key), r.content_length};
  }

  // One ListObjectsV2 request per 1000 keys, following continuation tokens.
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> out;
    std::string token;
    while (true) {
      S3Request req{HttpMethod::kGet, bucket_, {}, {{"list-type", "2"}}, {}};
      if (!prefix.empty()) req.query.emplace_back("prefix", std::string(prefix));
      if (!token.empty()) req.query.emplace_back("continuation-token", token);
      OPENHI_ASSIGN_OR_RETURN(S3Response r, client_.Send(req));
      const std::string what = "S3 list s3://" + bucket_ + "/" + std::string(prefix);
      if (!Is2xx(r.http_status)) return StatusFromResponse(r, what);
      auto page = internal::ParseListObjectsV2(AsStringView(r.body));
      if (!page.ok()) return page.status().WithContext(what);
      for (ObjectInfo& o : page->objects) {
        if (!o.key.ends_with('/')) out.push_back(std::move(o));  // skip directory markers
      }
      if (!page->truncated) break;
      if (page->next_continuation_token == token) {
        return Internal(what + ": the server repeated a continuation token");
      }
      token = std::move(page->next_continuation_token);
    }
    // S3 sends keys in UTF-8 byte order already; sorting keeps the contract for servers that
    // do not.
    if (!std::is_sorted(out.begin(), out.end(), ByKey)) std::sort(out.begin(), out.end(), ByKey);
    return out;
  }

  // S3 answers 204 for a missing key; 404 (some servers) is OK too, except for a missing bucket.
  Status Delete(std::string_view key) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    OPENHI_ASSIGN_OR_RETURN(S3Response r, Send(HttpMethod::kDelete, key));
    if (Is2xx(r.http_status)) return Status::Ok();
    if (r.http_status == 404 &&
        internal::ParseS3Error(AsStringView(r.body)).code != "NoSuchBucket") {
      return Status::Ok();
    }
    return StatusFromResponse(r, "S3 DELETE " + Uri(key));
  }

  // A PUT is durable when S3 has answered 200.
  Status Sync() override { return Status::Ok(); }

  std::string Uri(std::string_view key) const override {
    return "s3://" + bucket_ + "/" + std::string(key);
  }

 private:
  static bool ByKey(const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; }

  // Transport failures name the object in their message.
  Result<S3Response> Send(HttpMethod method, std::string_view key, ByteView body = {}) {
    auto r = client_.Send(S3Request{method, bucket_, key, {}, body});
    if (!r.ok()) return r.status().WithContext(Uri(key));
    return r;
  }

  S3Client client_;
  const std::string bucket_;
};

std::mutex& DefaultConfigMutex() {
  static std::mutex mu;
  return mu;
}
std::optional<S3Config>& DefaultConfig() {  // GUARDED_BY(DefaultConfigMutex())
  static std::optional<S3Config> config;
  return config;
}

std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

S3Config S3Config::FromEnvironment(std::string endpoint) {
  S3Config c;
  c.endpoint = std::move(endpoint);
  c.access_key_id = GetEnv("AWS_ACCESS_KEY_ID");
  c.secret_access_key = GetEnv("AWS_SECRET_ACCESS_KEY");
  c.session_token = GetEnv("AWS_SESSION_TOKEN");
  std::string region = GetEnv("AWS_REGION");
  if (region.empty()) region = GetEnv("AWS_DEFAULT_REGION");
  if (!region.empty()) c.region = std::move(region);
  return c;
}

Status ValidateBucketName(std::string_view bucket) {
  const std::string b(bucket);
  if (b.size() < 3 || b.size() > 63) {
    return InvalidArgument("S3 bucket name must be 3-63 characters: '" + b + "'");
  }
  for (char c : b) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      return InvalidArgument("S3 bucket name may hold only a-z, 0-9, '.' and '-': '" + b + "'");
    }
  }
  if (!IsLowerAlnum(b.front()) || !IsLowerAlnum(b.back())) {
    return InvalidArgument("S3 bucket name must start and end with a letter or digit: '" + b + "'");
  }
  if (b.find("..") != std::string::npos) {
    return InvalidArgument("S3 bucket name must not hold '..': '" + b + "'");
  }
  if (std::all_of(b.begin(), b.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
      std::count(b.begin(), b.end(), '.') == 3) {
    return InvalidArgument("S3 bucket name must not be an IP address: '" + b + "'");
  }
  return Status::Ok();
}

Status ValidateS3Config(const S3Config& c) {
  std::string_view e = c.endpoint;
  size_t scheme = e.starts_with("http://") ? 7 : e.starts_with("https://") ? 8 : 0;
  if (scheme == 0) {
    return InvalidArgument("S3 endpoint must start with http:// or https://: '" + c.endpoint + "'");
  }
  std::string_view rest = e.substr(scheme);
  std::string_view host = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(host.size());
  if (host.empty() || (!path.empty() && path != "/")) {
    return InvalidArgument("S3 endpoint must be scheme://host[:port]: '" + c.endpoint + "'");
  }
  for (char ch : e) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == '?' || ch == '#' ||
        ch == '@') {
      return InvalidArgument("S3 endpoint has a forbidden character: '" + c.endpoint + "'");
    }
  }
  if (c.region.empty() || !std::all_of(c.region.begin(), c.region.end(),
                                       [](char ch) { return IsLowerAlnum(ch) || ch == '-'; })) {
    return InvalidArgument("S3 region must be non-empty a-z, 0-9 and '-': '" + c.region + "'");
  }
  for (const std::string* field : {&c.access_key_id, &c.secret_access_key, &c.session_token}) {
    if (std::any_of(field->begin(), field->end(),
                    [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; })) {
      return InvalidArgument("S3 credentials hold control characters");
    }
  }
  if (c.access_key_id.empty() != c.secret_access_key.empty()) {
    return InvalidArgument("S3 credentials need both an access key ID and a secret access key");
  }
  if (c.max_attempts < 1 || c.max_attempts > 20 || c.max_object_bytes == 0 ||
      c.max_idle_connections < 0 || c.initial_backoff.count() < 0 ||
      c.connect_timeout.count() <= 0 || c.stall_timeout.count() <= 0) {
    return InvalidArgument("S3 config: a retry, size or timeout limit is out of range");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ObjectStore>> NewS3Store(const S3Config& config, std::string bucket) {
  OPENHI_RETURN_IF_ERROR(ValidateS3Config(config));
  OPENHI_RETURN_IF_ERROR(ValidateBucketName(bucket));
  return std::unique_ptr<ObjectStore>(std::make_unique<S3Store>(config, std::move(bucket)));
}

Status CreateS3Bucket(const S3Config& config, std::string_view bucket) {
  OPENHI_RETURN_IF_ERROR(ValidateS3Config(config));
  OPENHI_RETURN_IF_ERROR(ValidateBucketName(bucket));
  // us-east-1 is the default location; elsewhere AWS wants the region in the body.
  std::string body;
  if (config.region != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        config.region +
        "</LocationConstraint>"
        "</CreateBucketConfiguration>";
  }
  S3Client client(config);
  OPENHI_ASSIGN_OR_RETURN(S3Response r,
                          client.Send(S3Request{HttpMethod::kPut, bucket, {}, {}, AsBytes(body)}));
  if (Is2xx(r.http_status)) return Status::Ok();
  if (internal::ParseS3Error(AsStringView(r.body)).code == "BucketAlreadyOwnedByYou") {
    return Status::Ok();
  }
  Status s = StatusFromResponse(r, "S3 create bucket " + std::string(bucket));
  if (r.http_status == 409) return AlreadyExists(s.message());
  return s;
}

void SetDefaultS3Config(S3Config config) {
  std::lock_guard lock(DefaultConfigMutex());
  DefaultConfig() = std::move(config);
}

void ClearDefaultS3Config() {
  std::lock_guard lock(DefaultConfigMutex());
  DefaultConfig().reset();
}

Result<Location> OpenS3Location(std::string_view uri) {
  std::optional<S3Config> config;
  {
    std::lock_guard lock(DefaultConfigMutex());
    config = DefaultConfig();
  }
  if (!config) {
    return Unimplemented("s3:// URIs need an S3 endpoint (--s3-endpoint URL); none is configured");
  }
  if (!uri.starts_with("s3://")) return InvalidArgument("not an s3:// URI: " + std::string(uri));
  std::string_view rest = uri.substr(5);
  const size_t slash = rest.find('/');
  std::string bucket(rest.substr(0, slash));
  std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash + 1));
  OPENHI_RETURN_IF_ERROR(ValidateBucketName(bucket));
  if (!prefix.empty()) {
    if (!prefix.ends_with('/')) prefix += '/';
    Status s = ValidateKey(prefix);
    if (!s.ok()) return InvalidArgument("bad prefix in " + std::string(uri) + ": " + s.message());
  }
  OPENHI_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, NewS3Store(*config, bucket));
  Location loc;
  loc.store = std::move(store);
  loc.uri = "s3://" + bucket + "/" + prefix;
  loc.prefix = std::move(prefix);
  return loc;
}

}  // namespace openhi::objstore
