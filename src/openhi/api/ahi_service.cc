#include "openhi/api/ahi_service.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "openhi/ahi/errors.h"
#include "openhi/api/operations.h"
#include "openhi/auth/sigv4.h"
#include "openhi/auth/sigv4_errors.h"
#include "openhi/core/clock.h"
#include "openhi/core/ids.h"
#include "openhi/core/logging.h"

namespace openhi::api {
namespace {

http::Response JsonResponse(int status, const std::string& name, const std::string& message) {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("x-amzn-ErrorType", name);
  nlohmann::json body{{"__type", name}, {"message", message.empty() ? name : message}};
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

// Signature failures answer with the names the real service uses (all 403).
http::Response AuthErrorResponse(const Status& s) {
  return JsonResponse(403, std::string(auth::AwsNameForSigV4Failure(s.message())), s.message());
}

}  // namespace

http::Response AwsErrorResponse(const Status& status) {
  ahi::AwsError e = ahi::ToAwsError(status.code());
  return JsonResponse(e.http_status, std::string(e.name), status.message());
}

http::Response AhiService::ErrorResponse(int http_status, const std::string& message) {
  switch (http_status) {
    case 413: return JsonResponse(413, "ValidationException", message);
    case 431: return JsonResponse(431, "ValidationException", message);
    case 503: return JsonResponse(503, "ThrottlingException", message);
    case 408: return JsonResponse(408, "RequestTimeoutException", message);
    default: return JsonResponse(http_status, http_status >= 500 ? "InternalServerException"
                                                                 : "ValidationException",
                                 message);
  }
}

AhiService::AhiService(store::Store& store, ServiceOptions options)
    : store_(store), options_(std::move(options)) {}

http::Response AhiService::Handle(const http::Request& req) {
  const auto start = std::chrono::steady_clock::now();
  auto route = MatchRoute(req.method, req.raw_path);
  if (!route.ok()) {
    http::Response r = route.status().code() == StatusCode::kNotFound
                           ? JsonResponse(404, "UnknownOperationException", "")
                           : AwsErrorResponse(route.status());
    metrics_.RecordUnrouted(r.status);
    return r;
  }
  http::Response resp;
  if (route->op == Operation::kHealth) {
    resp.headers.emplace_back("Content-Type", "application/json");
    resp.body = R"({"status":"ok"})";
  } else if (route->op == Operation::kMetrics) {
    resp.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
    resp.body = metrics_.Render(ImportJobGauges(store_));
  } else {
    auth::SigV4Request sreq{req.method, req.raw_path, req.raw_query, req.headers, req.body};
    auth::VerifyOptions vopt;
    vopt.max_skew = options_.max_skew;
    auto who = auth::VerifySigV4(sreq, options_.credentials, std::chrono::system_clock::now(), vopt);
    if (!who.ok()) {
      resp = AuthErrorResponse(who.status());
      LogInfo("api.denied op=" + std::string(OperationName(route->op)) + " reason=" +
              who.status().message().substr(0, who.status().message().find(':')));
    } else {
      auto r = Dispatch(store_, *route, req);
      if (r.ok() && route->op == Operation::kStartDICOMImportJob && options_.on_import_submitted) {
        options_.on_import_submitted();
      }
      resp = r.ok() ? std::move(*r) : AwsErrorResponse(r.status());
      if (!r.ok() && ahi::ToAwsError(r.status().code()).http_status >= 500) {
        LogError("api.error op=" + std::string(OperationName(route->op)) + " " +
                 r.status().ToString());
      }
    }
  }
  resp.headers.emplace_back("x-amzn-RequestId", NewId());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t bytes = resp.shared_body ? resp.shared_body->size() : resp.body.size();
  metrics_.Record(route->op, resp.status, secs, bytes);
  return resp;
}

}  // namespace openhi::api
