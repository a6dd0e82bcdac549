#pragma once
// Transport: signed HTTP requests to one AHI endpoint over libcurl multi, with concurrency,
// retries with backoff, per-attempt timeouts and cancellation. AhiClient is a thin layer over
// it. Private to client.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "openhi/client/cancellation.h"
#include "openhi/client/client_config.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::client::internal {

// One request. Transport::Run reads the objects (strings included) while it runs.
struct HttpCall {
  std::string method;           // "GET", "POST", "DELETE", ... (upper-case token)
  std::string path_and_query;   // "/path[?query]", percent-encoded, relative to the base path
  std::string body;             // JSON; empty = no body and no Content-Type
  std::string label;            // names the request in error messages
};

// A 2xx response.
struct HttpResult {
  long status = 0;
  Bytes body;
  std::string content_type;      // "" when absent
  std::string content_encoding;  // "" when absent
};

// Counters since the transport was created (relaxed atomics; not a snapshot).
struct TransportCounters {
  std::atomic<uint64_t> requests{0};            // attempts started
  std::atomic<uint64_t> retries{0};             // attempts scheduled after a retryable failure
  std::atomic<uint64_t> connections_opened{0};  // new TCP connections (CURLINFO_NUM_CONNECTS)
  std::atomic<uint64_t> bytes_received{0};      // response body bytes of 2xx answers
};

// Called on the thread running Run, once per request, in completion order. A non-OK status
// stops every transfer and becomes Run's result.
using OnResponse = std::function<Status(size_t index, HttpResult result)>;

class Transport {
 public:
  // kInvalidArgument when ValidateClientConfig fails or the credentials are missing.
  static Result<std::unique_ptr<Transport>> Create(ClientConfig config);
  ~Transport();

  // Runs every call, at most max_in_flight at once (in index order, retries first). Returns OK
  // after every on_response returned OK. Errors: the first error on_response returns; for a
  // request that failed for good, the status StatusCodeForAwsError gives (HTTP answers) or
  // kDeadlineExceeded (timeouts) / kUnavailable (other transport failures), with a message
  // "<label>: HTTP <status> <ErrorType>: <message> (<n> attempts)"; kResourceExhausted for a
  // body over max_response_bytes; CancelledError() once `cancel` is set.
  // Thread safety: concurrent Runs are fine; each leases its own Session.
  Status Run(std::span<const HttpCall> calls, const OnResponse& on_response,
             const CancellationToken* cancel);

  const ClientConfig& config() const;
  const TransportCounters& counters() const;

  struct Impl;
  explicit Transport(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace openhi::client::internal
