#pragma once
// AhiService: the AHI (medical-imaging) REST frontend over store::Store. It verifies SigV4 on
// every request, routes on method plus raw path (any Host), validates the model's patterns and
// lengths, calls the store, and renders restJson1 responses and the AWS error envelope
// (x-amzn-ErrorType header plus {"__type","message"}). GET /health and GET /metrics
// (Prometheus) are served without authentication.
//
// Thread safety: Handle() may be called concurrently from any number of threads.
#include <functional>
#include <memory>
#include <string>

#include "openhi/api/metrics.h"
#include "openhi/auth/credentials.h"
#include "openhi/http/server.h"
#include "openhi/store/store.h"

namespace openhi::api {

struct ServiceOptions {
  auth::CredentialStore credentials;
  // Allowed clock skew of signed requests.
  std::chrono::seconds max_skew{15 * 60};
  // Called after StartDICOMImportJob queued a job (e.g. wakes a store::ImportWorker).
  std::function<void()> on_import_submitted;
};

class AhiService {
 public:
  // `store` must outlive the service.
  AhiService(store::Store& store, ServiceOptions options);

  http::Response Handle(const http::Request& request);

  // The response the HTTP layer sends for errors it detects itself (413, 431, 400, 408, 503).
  static http::Response ErrorResponse(int http_status, const std::string& message);

  const ApiMetrics& metrics() const { return metrics_; }

 private:
  store::Store& store_;
  ServiceOptions options_;
  ApiMetrics metrics_;
};

// Builds the AWS error envelope for `status`.
http::Response AwsErrorResponse(const Status& status);

}  // namespace openhi::api
