#pragma once
// EndpointService: the SageMaker frontend of `openhi endpoint serve`, one handler for one
// listener serving two contracts (spec monai-deploy-sagemaker.md §5):
//
//   container contract (unauthenticated, as SageMaker calls it on a private network):
//     GET  /ping                         200 empty when healthy, 503 with the reason otherwise
//     POST /invocations                  real-time invocation (X-Amzn-SageMaker-Target-Model)
//     GET  /models[?next_page_token=N]   the multi-model API, §5.2 (200/404/409/507)
//     POST /models                       {"model_name", "url"}
//     GET|DELETE /models/{model_name}
//     POST /models/{model_name}/invoke
//     GET  /metrics                      Prometheus text
//   runtime API (SigV4, service "sagemaker"; botocore's sagemaker-runtime model):
//     POST /endpoints/{EndpointName}/invocations        InvokeEndpoint -> 200
//     POST /endpoints/{EndpointName}/async-invocations  InvokeEndpointAsync -> 202
//
// Runtime errors are restJson1 envelopes (x-amzn-ErrorType + {"__type","message","Message"}):
// ValidationError 400, ModelError 424 (+ OriginalStatusCode, OriginalMessage, LogStreamArn),
// ServiceUnavailable 503, InternalFailure 500; signature failures 403 as auth/sigv4_errors.h
// names them. Container errors answer the status a container would (400, 404, 408, 409, 500,
// 507) with {"code", "type", "message"}.
//
// Thread safety: Handle() may be called concurrently from any number of threads.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "openhi/auth/credentials.h"
#include "openhi/hosting/hosting_metrics.h"
#include "openhi/hosting/invocation_engine.h"
#include "openhi/hosting/job_queue.h"
#include "openhi/hosting/model_cache.h"
#include "openhi/http/server.h"

namespace openhi::hosting {

struct EndpointServiceOptions {
  auth::CredentialStore credentials;
  std::chrono::seconds max_skew{15 * 60};
  std::string endpoint_name;  // "" = answer any endpoint name
  std::string region = "us-east-1";  // for LogStreamArn
  // The async output and failure folders (normalised, ending '/'), as OpenLocation names them.
  std::string output_dir_uri;
  std::string failure_dir_uri;
  // The model used when a request names none ("" = the model folder's only package, or the
  // folder itself when it holds app.json).
  std::string default_model;
  std::chrono::milliseconds realtime_timeout{std::chrono::seconds(60)};
  // Called after an async job was enqueued (wakes in-process workers).
  std::function<void()> on_enqueued;
};

class EndpointService {
 public:
  // `queue` may be null (async invocations then answer ServiceUnavailable). Everything passed
  // must outlive the service.
  EndpointService(ModelCache& cache, InvocationEngine& engine, JobQueue* queue,
                  HostingMetrics& metrics, EndpointServiceOptions options);

  http::Response Handle(const http::Request& request);

  // OK when the server can serve: the model folder is readable and, in single-model mode (the
  // folder holds app.json, or a default model is configured), that model loads.
  Status Health();

  // The response for errors the HTTP layer detects itself (400, 413, 431, 500, 503).
  static http::Response ErrorResponse(int http_status, const std::string& message);

 private:
  http::Response Route(const http::Request& request, std::string& route_name);
  http::Response InvokeRealtime(const http::Request& request, bool runtime_api,
                                const std::string& endpoint);
  http::Response InvokeAsync(const http::Request& request, const std::string& endpoint);
  http::Response Models(const http::Request& request, const std::string& rest);
  Result<std::string> ResolveTarget(std::string_view header);
  http::Response ModelErrorResponse(const InvocationError& e, const std::string& endpoint);

  ModelCache& cache_;
  InvocationEngine& engine_;
  JobQueue* queue_;
  HostingMetrics& metrics_;
  EndpointServiceOptions options_;
};

// A fresh inference ID in UUID form (8-4-4-4-12 lower-case hex).
std::string NewInferenceId();

}  // namespace openhi::hosting
