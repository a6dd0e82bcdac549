#pragma once
// AhiClient: the connector's transport to an AWS HealthImaging-compatible service (openhi's
// `store serve` or the real AWS service). Every request is signed with SigV4 (service
// "medical-imaging", the signer the openhi server verifies with) and sent over libcurl
// keep-alive connections (HTTP/2 multiplexing over TLS where the server offers it).
//
// Failure policy (every call): 429, 5xx other than 501, ThrottlingException, connection
// failures and timeouts are retried with exponential backoff and jitter up to
// ClientConfig::max_attempts; every other error fails at once. An AWS error answer becomes the
// Status its name implies (client/internal/aws_error.h: ResourceNotFoundException -> kNotFound,
// ValidationException -> kInvalidArgument, AccessDeniedException -> kPermissionDenied,
// signature errors -> kUnauthenticated, ConflictException -> kFailedPrecondition,
// ServiceQuotaExceededException -> kResourceExhausted, ThrottlingException -> kUnavailable,
// InternalServerException -> kInternal), with a message naming the request, the HTTP status, the
// error name and the server's message. A timeout after the last attempt is kDeadlineExceeded,
// another transport failure kUnavailable. A call whose CancellationToken is set returns
// CancelledError() (see cancellation.h) within about 50 ms.
//
// Thread safety: all methods may be called concurrently from any number of threads. Each call
// leases its own libcurl multi handle (with up to `connections` keep-alive connections) from a
// small pool, so sequential calls reuse connections and concurrent calls each get their own.
// A callback runs on the thread that made the call.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "openhi/client/cancellation.h"
#include "openhi/client/client_config.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::client {

namespace internal {
class Transport;
}

// Counters since the client was created. Each value is individually consistent.
struct ClientStats {
  uint64_t requests = 0;            // HTTP attempts started (retries included)
  uint64_t retries = 0;             // attempts that followed a retryable failure
  uint64_t connections_opened = 0;  // new TCP connections the transfers had to open
  uint64_t bytes_received = 0;      // body bytes of successful answers
};

class AhiClient {
 public:
  // kInvalidArgument: ValidateClientConfig fails, or the access key ID or secret is empty.
  static Result<std::unique_ptr<AhiClient>> Create(ClientConfig config);
  ~AhiClient();
  AhiClient(const AhiClient&) = delete;
  AhiClient& operator=(const AhiClient&) = delete;

  // The metadata document of an image set (GetImageSetMetadata; `version_id` "1", "2", ... or
  // the latest), always as plain JSON bytes: gunzipped when the body is gzip (recognised by its
  // magic bytes, whatever Content-Encoding says), taken as is when it is already JSON (browsers
  // and proxies decompress). The JSON is not parsed here.
  // Errors: kInvalidArgument for an empty ID or version; kDataLoss when the body is neither gzip
  // nor JSON or the gzip is corrupt; the failure policy above.
  Result<Bytes> GetImageSetMetadata(std::string_view datastore_id, std::string_view image_set_id,
                                    std::optional<std::string> version_id = {},
                                    const CancellationToken* cancel = nullptr);

  // Any other JSON operation (GetImageSet, SearchImageSets, ListImageSetVersions, ...):
  // `method` ("GET", "POST", "DELETE"), `path_and_query` relative to the endpoint, already
  // percent-encoded as it goes on the wire ("/datastore/d/imageSet/i/getImageSet?version=2"), and
  // a JSON body (empty = none; sent as application/json otherwise). Returns the 2xx body.
  // Errors: kInvalidArgument for a bad method or path (not starting with '/', unencoded
  // characters); the failure policy above.
  Result<std::string> CallJson(std::string_view method, std::string_view path_and_query,
                               std::string_view json_body,
                               const CancellationToken* cancel = nullptr);

  // Receives one frame: `index` into frame_ids, the frame's bytes as stored (an HTJ2K / JPEG
  // 2000 / JPEG codestream, never decoded here) and the response's Content-Type.
  using FrameCallback =
      std::function<Status(size_t index, Bytes body, std::string_view content_type)>;

  // Fetches every frame of `frame_ids` concurrently (GetImageFrame: POST
  // /datastore/{d}/imageSet/{i}/getImageFrame with {"imageFrameId": id}) over up to
  // `connections` connections, at most ClientConfig::max_in_flight (default `connections`)
  // requests at a time.
  //
  // `on_frame` runs on the calling thread, which also runs the transfer loop: exactly once per
  // index, in completion order (not index order). While it runs no network data is read, so a
  // slow consumer holds back the transfers (backpressure): in-flight memory is at most
  // max_in_flight bodies plus the one the callback holds. A non-OK status from `on_frame` stops
  // every transfer and is returned as is. A frame that still fails after its retries fails the
  // whole call with a message naming the frame ID, the HTTP status and the AWS error name and
  // message; the remaining transfers are stopped. Nothing hangs: every attempt has
  // request_timeout. Duplicate IDs are fetched once per occurrence.
  // Errors: kInvalidArgument for an empty ID; the failure policy above; on_frame's status.
  Status GetImageFrames(std::string_view datastore_id, std::string_view image_set_id,
                        std::span<const std::string> frame_ids, const FrameCallback& on_frame,
                        const CancellationToken* cancel = nullptr);

  const ClientConfig& config() const;
  ClientStats Stats() const;

 private:
  explicit AhiClient(std::unique_ptr<internal::Transport> transport);
  std::unique_ptr<internal::Transport> transport_;
};

}  // namespace openhi::client
