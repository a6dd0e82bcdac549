#pragma once
// S3Client: signed HTTP requests to an S3-compatible server over libcurl (kept out of this
// header). Private to objstore; S3Store is the public face.
//
// Signing: libcurl's CURLOPT_AWS_SIGV4 ("aws:amz:<region>:s3"). curl 7.88 signs the path and
// query exactly as sent and does not hash the payload for S3, so this client
//   - sends x-amz-content-sha256 (hex SHA-256 of the payload; of "" without one), which curl
//     then uses as the payload hash of the canonical request;
//   - encodes the path per RFC 3986 with '/' kept, and the query already in canonical form:
//     parameters sorted by name, names and values encoded with '/' as %2F.
// radosgw rejects either mistake with 403 SignatureDoesNotMatch; moto accepts anything.
//
// Thread safety: Send may be called from any number of threads at once. Easy handles (each with
// its keep-alive connection) are leased from a pool guarded by a mutex.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/objstore/s3_store.h"

namespace openhi::objstore::internal {

enum class HttpMethod { kGet, kPut, kHead, kDelete };

struct S3Request {
  HttpMethod method = HttpMethod::kGet;
  std::string_view bucket;
  std::string_view key;  // raw (not encoded); empty for bucket-level requests
  std::vector<std::pair<std::string, std::string>> query;  // raw names and values, any order
  ByteView body;                                           // PUT payload
};

struct S3Response {
  long http_status = 0;
  Bytes body;                   // the object (2xx GET) or the XML error document
  uint64_t content_length = 0;  // from the Content-Length header (HEAD)
};

class S3Client {
 public:
  // Precondition: ValidateS3Config(config) is OK.
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends `request`, retrying 5xx, 429 and connection failures up to config().max_attempts
  // times with backoff. Returns the last HTTP response whatever its status (use
  // StatusFromResponse for non-2xx); fails with kUnavailable when no response came back, and
  // with kResourceExhausted when a GET body exceeds max_object_bytes.
  Result<S3Response> Send(const S3Request& request);

  const S3Config& config() const { return config_; }

 private:
  class HandlePool;

  Result<S3Response> SendOnce(const S3Request& request, const std::string& url,
                              const std::string& payload_sha256, bool* retryable);

  const S3Config config_;
  const std::string endpoint_;  // without a trailing '/'
  std::unique_ptr<HandlePool> pool_;
};

// Maps a non-2xx response to a Status whose message names `what` (e.g. "GET s3://b/k") and
// carries the S3 error code and message. The table is in s3_store.h.
Status StatusFromResponse(const S3Response& response, std::string_view what);

// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every other byte
// becomes %XX (upper-case hex); '/' stays only when `keep_slash`.
std::string UriEncode(std::string_view s, bool keep_slash);

// The canonical SigV4 query string: "name=value" pairs sorted by encoded name, then value,
// joined by '&', both encoded with UriEncode(keep_slash=false).
std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> query);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(ByteView data);

}  // namespace openhi::objstore::internal
