#include "openhi/objstore/internal/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "openhi/core/check.h"
#include "openhi/core/logging.h"
#include "openhi/objstore/internal/s3_xml.h"

namespace openhi::objstore::internal {
namespace {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  // Never paired with curl_global_cleanup: handles may live until exit.
  std::call_once(once, [] { OPENHI_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

// PUT payload, re-readable from the start when curl rewinds (100-continue, retries).
struct Source {
  ByteView data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* src = static_cast<Source*>(userdata);
  size_t n = std::min(size * nitems, src->data.size() - src->offset);
  if (n > 0) std::memcpy(buffer, src->data.data() + src->offset, n);
  src->offset += n;
  return n;
}

int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* src = static_cast<Source*>(userdata);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > src->data.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  src->offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// Response body, bounded by max_object_bytes.
struct Sink {
  CURL* handle = nullptr;
  Bytes* out = nullptr;
  uint64_t max_bytes = 0;
  bool sized = false;
  bool too_big = false;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  const size_t n = size * nmemb;
  if (!sink->sized) {
    sink->sized = true;
    curl_off_t length = -1;
    if (curl_easy_getinfo(sink->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
        length > 0) {
      if (static_cast<uint64_t>(length) > sink->max_bytes) {
        sink->too_big = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
      }
      sink->out->reserve(static_cast<size_t>(length));
    }
  }
  if (sink->out->size() + n > sink->max_bytes) {
    sink->too_big = true;
    return 0;
  }
  auto* p = reinterpret_cast<const std::byte*>(data);
  sink->out->insert(sink->out->end(), p, p + n);
  return n;
}

const char* MethodName(HttpMethod m) {
  switch (m) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kHead:
      return "HEAD";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "?";
}

bool IsRetryableHttp(long status) { return status == 429 || (status >= 500 && status != 501); }

// Failures of the request itself (a bad URL) are not worth retrying; network failures are.
bool IsRetryableCurl(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return false;
    default:
      return true;
  }
}

std::chrono::milliseconds Backoff(std::chrono::milliseconds initial, int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t base = std::min<int64_t>(initial.count() << std::min(attempt - 1, 16), 5000);
  std::uniform_int_distribution<int64_t> jitter(base / 2, std::max<int64_t>(base, 1));
  return std::chrono::milliseconds(jitter(rng));
}

}  // namespace

// Idle easy handles. An easy handle keeps its connection open between requests, so reusing
// handles gives keep-alive. Handles are reset (curl_easy_reset keeps the connection) on return.
class S3Client::HandlePool {
 public:
  explicit HandlePool(size_t max_idle) : max_idle_(max_idle) {}

  // Null only when libcurl cannot allocate a handle.
  CurlEasy Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CurlEasy h = std::move(idle_.back());
        idle_.pop_back();
        return h;
      }
    }
    return CurlEasy(curl_easy_init());
  }

  // `reusable` false drops the handle and its connection (after a transport error).
  void Release(CurlEasy h, bool reusable) {
    if (!reusable) return;
    curl_easy_reset(h.get());
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(h));
  }

 private:
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<CurlEasy> idle_;  // GUARDED_BY(mu_)
};

S3Client::S3Client(S3Config config)
    : config_(std::move(config)),
      endpoint_(config_.endpoint.ends_with('/')
                    ? config_.endpoint.substr(0, config_.endpoint.size() - 1)
                    : config_.endpoint),
      pool_(std::make_unique<HandlePool>(static_cast<size_t>(config_.max_idle_connections))) {
  GlobalInitOnce();
}

S3Client::~S3Client() = default;

Result<S3Response> S3Client::Send(const S3Request& request) {
  std::string url = endpoint_ + "/" + UriEncode(request.bucket, /*keep_slash=*/false);
  if (!request.key.empty()) url += "/" + UriEncode(request.key, /*keep_slash=*/true);
  if (!request.query.empty()) url += "?" + CanonicalQuery(request.query);
  const std::string payload_sha256 = Sha256Hex(request.body);

  Result<S3Response> last = Unavailable("no attempt");
  for (int attempt = 1; attempt <= config_.max_attempts; ++attempt) {
    bool retryable = false;
    last = SendOnce(request, url, payload_sha256, &retryable);
    if (last.ok()) {
      if (!IsRetryableHttp(last->http_status)) return last;
    } else if (!retryable) {
      return last;
    }
    if (attempt == config_.max_attempts) break;
    LogDebug(std::string("s3_retry method=") + MethodName(request.method) +
             " attempt=" + std::to_string(attempt) +
             " why=" + (last.ok() ? std::to_string(last->http_status) : last.status().message()));
    std::this_thread::sleep_for(Backoff(config_.initial_backoff, attempt));
  }
  if (last.ok()) return last;  // a retryable HTTP status; StatusFromResponse maps it
  return Unavailable(last.status().message() + " (after " + std::to_string(config_.max_attempts) +
                     " attempts)");
}

Result<S3Response> S3Client::SendOnce(const S3Request& request, const std::string& url,
                                      const std::string& payload_sha256, bool* retryable) {
  const std::string what = std::string("S3 ") + MethodName(request.method) + " " + endpoint_ + "/" +
                           std::string(request.bucket);
  CurlEasy handle = pool_->Acquire();
  if (!handle) {
    *retryable = true;
    return Unavailable(what + ": curl_easy_init failed");
  }
  CURL* h = handle.get();
  S3Response response;
  Sink sink{h, &response.body, config_.max_object_bytes};
  Source source{request.body};

  CurlSlist headers;
  // curl_slist_append returns the head: the new node for an empty list, else the same head.
  auto add_header = [&headers](const std::string& line) {
    curl_slist* head = curl_slist_append(headers.get(), line.c_str());
    if (head && !headers) headers.reset(head);
    return head != nullptr;
  };
  bool headers_ok = add_header("x-amz-content-sha256: " + payload_sha256);
  if (!config_.session_token.empty()) {
    headers_ok &= add_header("x-amz-security-token: " + config_.session_token);
  }
  if (request.method == HttpMethod::kPut) {
    headers_ok &= add_header("Content-Type: application/octet-stream");
  }
  if (!headers_ok) {
    *retryable = true;
    return Unavailable(what + ": out of memory building headers");
  }
  const std::string sigv4 = "aws:amz:" + config_.region + ":s3";

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.stall_timeout.count()));
  // curl sends "Expect: 100-continue" for PUTs over 1 MiB and waits 1 s for a server that ignores
  // it; bound that wait. Removing the header instead ("Expect:") breaks curl 7.88's signature:
  // it signs the header empty, then leaves it out (radosgw: 403 SignatureDoesNotMatch).
  curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  if (!config_.access_key_id.empty()) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.secret_access_key.c_str());
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  switch (request.method) {
    case HttpMethod::kGet:
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      break;
    case HttpMethod::kHead:
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
      break;
    case HttpMethod::kDelete:
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case HttpMethod::kPut:
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadBody);
      curl_easy_setopt(h, CURLOPT_READDATA, &source);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &SeekBody);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &source);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      break;
  }

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    pool_->Release(std::move(handle), /*reusable=*/false);
    if (sink.too_big) {
      return ResourceExhausted(what + ": object larger than the limit of " +
                               std::to_string(config_.max_object_bytes) + " bytes");
    }
    *retryable = IsRetryableCurl(rc);
    return Unavailable(what + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.http_status);
  curl_off_t length = -1;
  curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  response.content_length = length > 0 ? static_cast<uint64_t>(length) : 0;
  pool_->Release(std::move(handle), /*reusable=*/true);
  return response;
}

Status StatusFromResponse(const S3Response& response, std::string_view what) {
  const long http = response.http_status;
  const S3ErrorDoc err = ParseS3Error(AsStringView(response.body));
  std::string detail = "HTTP " + std::to_string(http);
  if (!err.code.empty()) detail += " " + err.code;
  if (!err.message.empty()) detail += ": " + err.message;
  const std::string msg = std::string(what) + ": " + detail;
  if (err.code == "NoSuchBucket") {
    return NotFound(std::string(what) + ": the bucket does not exist (NoSuchBucket)");
  }
  if (err.code == "EntityTooLarge") return ResourceExhausted(msg);
  if (err.code == "SlowDown") return Unavailable(msg);
  switch (http) {
    case 404:
      return NotFound(std::string(what) + ": no such object (" + detail + ")");
    case 401:
    case 403:
      return PermissionDenied(msg);
    case 400:
    case 411:
    case 416:
      return InvalidArgument(msg);
    case 409:
    case 412:
      return FailedPrecondition(msg);
    case 501:
      return Unimplemented(msg);
    default:
      break;
  }
  if (IsRetryableHttp(http)) return Unavailable(msg);
  return Internal(msg);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> query) {
  for (auto& [name, value] : query) {
    name = UriEncode(name, false);
    value = UriEncode(value, false);
  }
  std::sort(query.begin(), query.end());
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string Sha256Hex(ByteView data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  OPENHI_CHECK(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{len} * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace openhi::objstore::internal
