#pragma once
// ClientConfig: where and how openhi::client::AhiClient talks to an AWS HealthImaging-compatible
// service (openhi `store serve` or the real AWS service), and ConfigFromEnvironment(), which
// fills it from the standard AWS environment variables.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "openhi/auth/sigv4.h"
#include "openhi/core/status.h"

namespace openhi::client {

struct ClientConfig {
  // Base URL: "http(s)://host[:port][/base-path]", e.g. "http://127.0.0.1:8080" or
  // "https://runtime-medical-imaging.us-east-1.amazonaws.com". Requests go to exactly this host
  // (no `runtime-` prefix is ever added: ahi-api.md §2). On the real service the data-plane
  // operations (image sets, metadata, frames, search) live on the runtime- host and the
  // control-plane ones (datastores, import jobs, tags) on medical-imaging.<region>; openhi serves
  // both on one listener.
  std::string endpoint;
  std::string region = "us-east-1";  // SigV4 credential scope region
  // Access key ID and secret access key (both required).
  auth::SigningCredentials credentials;
  // Temporary credentials (STS): sent as x-amz-security-token and signed; empty = none.
  std::string session_token;

  // Parallel keep-alive connections of one call (libcurl CURLMOPT_MAX_HOST_CONNECTIONS). 1..256.
  int connections = 8;
  // Requests of one call that may be in flight at once; 0 = `connections`. Bounds memory: at
  // most this many response bodies are buffered, plus the one a callback holds. Above
  // `connections` only pays off with HTTP/2 multiplexing (several streams per connection).
  int max_in_flight = 0;
  // Attempts per request (first try included) for 429, 5xx (not 501), ThrottlingException,
  // connection failures and timeouts. Other errors are never retried. 1..100.
  int max_attempts = 5;
  // Exponential backoff between attempts: min(backoff_cap, backoff_base * 2^(n-1)), with the
  // delay drawn uniformly from [half of that, that] (jitter).
  std::chrono::milliseconds backoff_base{50};
  std::chrono::milliseconds backoff_cap{2000};
  // Wall-clock limit of one attempt (connect, send, wait, receive). A transfer that makes no
  // progress for this long is also aborted (low-speed limit). Retried like a 5xx. Must exceed
  // the longest time a GetImageFrames callback blocks (transfers in flight keep their clocks).
  std::chrono::milliseconds request_timeout{30000};
  // HTTP/2 over TLS with multiplexing where the server offers it (CURL_HTTP_VERSION_2TLS);
  // cleartext http:// always uses HTTP/1.1 keep-alive.
  bool http2 = true;
  // Verify the server's TLS certificate and host name (never turn off outside tests).
  bool verify_tls = true;
  // A response body larger than this fails the request with kResourceExhausted (not retried).
  size_t max_response_bytes = size_t{1} << 30;
};

// Checks the ranges documented above and that `endpoint` is an http(s) URL without query,
// fragment or user info. kInvalidArgument naming the field.
Status ValidateClientConfig(const ClientConfig& config);

// Reads an environment variable: the value, or nullopt when unset. Tests pass a fake.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// A ClientConfig from the standard AWS environment (`getenv` when `lookup` is empty):
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   credentials
//   AWS_REGION, else AWS_DEFAULT_REGION, else "us-east-1"         region
//   AWS_ENDPOINT_URL_MEDICAL_IMAGING, else AWS_ENDPOINT_URL,
//   else https://runtime-medical-imaging.<region>.amazonaws.com   endpoint
// Empty variables count as unset. Missing credentials are not an error here (command-line flags
// may supply them; AhiClient::Create rejects a config without them). A trailing '/' of the
// endpoint is dropped. Callers apply explicit flags on top of the result.
// kInvalidArgument: only one of the key ID / secret is set, or the endpoint is not an http(s) URL.
Result<ClientConfig> ConfigFromEnvironment(const EnvLookup& lookup = {});

// The default data-plane endpoint of the real service for `region`.
std::string DefaultEndpoint(std::string_view region);

}  // namespace openhi::client
