#include "openhi/hosting/endpoint_service.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "openhi/auth/sigv4.h"
#include "openhi/auth/sigv4_errors.h"
#include "openhi/core/clock.h"
#include "openhi/core/ids.h"
#include "openhi/core/logging.h"
#include "openhi/hosting/locations.h"
#include "openhi/hosting/request_body.h"

namespace openhi::hosting {
namespace {

constexpr std::string_view kVariant = "AllTraffic";
constexpr int64_t kDefaultTtlSeconds = 21600, kMinTtl = 60, kMaxTtl = 21600;
constexpr int64_t kDefaultInvocationTimeout = 900, kMinTimeout = 1, kMaxTimeout = 3600;
constexpr size_t kModelsPageSize = 1000;

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::Response Json(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = Dump(body);
  return r;
}

// The restJson1 error envelope of the runtime API. `extra` adds modeled members (ModelError).
http::Response AwsError(int status, std::string_view name, const std::string& message,
                        nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json body = std::move(extra);
  body["__type"] = name;
  body["message"] = message;
  body["Message"] = message;
  http::Response r = Json(status, body);
  r.headers.emplace_back("x-amzn-ErrorType", std::string(name));
  return r;
}

http::Response Validation(const std::string& message) {
  return AwsError(400, "ValidationError", message);
}

// The container contract's error shape (what a model server answers).
http::Response ContainerError(int status, std::string_view type, const std::string& message) {
  return Json(status, {{"code", status}, {"type", type}, {"message", message}});
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool ValidEndpointName(std::string_view n) {
  if (n.empty() || n.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  for (char c : n) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

// An InferenceId as the model allows it (1..64 printable, first not a space) that is also safe
// as an object name (it names the output object and folder).
Status ValidateInferenceId(std::string_view id) {
  if (id.empty() || id.size() > 64) return InvalidArgument("InferenceId must be 1 to 64 characters");
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e || c == '/' ||
        c == '\\') {
      return InvalidArgument(
          "InferenceId must be printable ASCII without spaces or slashes (it names the output "
          "object)");
    }
  }
  if (id == "." || id == "..") return InvalidArgument("InferenceId must not be '.' or '..'");
  return Status::Ok();
}

// Parses an optional integer header in [lo, hi]; `def` when absent.
Result<int64_t> IntHeader(const http::Request& req, std::string_view name, int64_t def, int64_t lo,
                          int64_t hi) {
  std::string_view v = req.Header(name);
  if (v.empty()) return def;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi) {
    return InvalidArgument(std::string(name) + " must be an integer from " + std::to_string(lo) +
                           " to " + std::to_string(hi));
  }
  return n;
}

}  // namespace

std::string NewInferenceId() {
  std::string h = NewId();
  h[12] = '4';                                          // RFC 4122 version 4 (random)
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // variant 10xx
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

EndpointService::EndpointService(ModelCache& cache, InvocationEngine& engine, JobQueue* queue,
                                 HostingMetrics& metrics, EndpointServiceOptions options)
    : cache_(cache), engine_(engine), queue_(queue), metrics_(metrics),
      options_(std::move(options)) {}

http::Response EndpointService::ErrorResponse(int status, const std::string& message) {
  switch (status) {
    case 503: return AwsError(503, "ServiceUnavailable", message);
    case 500: return AwsError(500, "InternalFailure", message);
    default: return AwsError(status, "ValidationError", message);
  }
}

Status EndpointService::Health() {
  std::error_code ec;
  std::filesystem::directory_iterator it(cache_.options().model_dir, ec);
  if (ec) {
    return Unavailable("model folder " + cache_.options().model_dir.string() +
                       " is not readable: " + ec.message());
  }
  if (!options_.default_model.empty() || cache_.SingleModelFolder()) {
    auto m = cache_.Acquire(options_.default_model);
    if (!m.ok()) return Unavailable("the model does not load: " + m.status().message());
  }
  return Status::Ok();
}

Result<std::string> EndpointService::ResolveTarget(std::string_view header) {
  if (!header.empty()) return std::string(header);
  if (!options_.default_model.empty()) return options_.default_model;
  if (cache_.SingleModelFolder()) return std::string();
  OPENHI_ASSIGN_OR_RETURN(auto packages, cache_.ListPackages());
  if (packages.size() == 1) return packages.front();
  return InvalidArgument("TargetModel is required: the model folder holds " +
                         std::to_string(packages.size()) + " packages");
}

http::Response EndpointService::ModelErrorResponse(const InvocationError& e,
                                                   const std::string& endpoint) {
  switch (e.kind) {
    case InvocationError::Kind::kValidation: return Validation(e.status.message());
    case InvocationError::Kind::kBusy: return AwsError(503, "ServiceUnavailable", e.status.message());
    case InvocationError::Kind::kInternal:
      LogError("hosting.internal " + e.status.ToString());
      return AwsError(500, "InternalFailure", e.status.message());
    case InvocationError::Kind::kModel: break;
  }
  const std::string arn = "arn:aws:logs:" + options_.region +
                          ":000000000000:log-group:/aws/sagemaker/Endpoints/" + endpoint;
  const std::string msg = "Received server error (" + std::to_string(e.original_status) +
                          ") from primary with message \"" + e.status.message() + "\".";
  return AwsError(424, "ModelError", msg,
                  {{"OriginalStatusCode", e.original_status},
                   {"OriginalMessage", e.status.message()},
                   {"LogStreamArn", arn}});
}

http::Response EndpointService::InvokeRealtime(const http::Request& req, bool runtime_api,
                                               const std::string& endpoint) {
  const auto start = std::chrono::steady_clock::now();
  auto container_error = [&](const InvocationError& e) {
    std::string_view type = e.kind == InvocationError::Kind::kValidation ? "ValidationError"
                            : e.kind == InvocationError::Kind::kBusy     ? "ServiceUnavailable"
                            : e.kind == InvocationError::Kind::kModel    ? "ModelError"
                                                                         : "InternalFailure";
    int status = e.kind == InvocationError::Kind::kBusy ? 503 : e.original_status;
    return ContainerError(status, type, e.status.message());
  };
  auto target = ResolveTarget(req.Header("X-Amzn-SageMaker-Target-Model"));
  if (!target.ok()) {
    return runtime_api ? Validation(target.status().message())
                       : ContainerError(400, "ValidationError", target.status().message());
  }
  InvocationRequest ir;
  ir.target_model = *target;
  ir.body = req.body;
  ir.content_type = std::string(req.Header("Content-Type"));
  ir.custom_attributes = std::string(req.Header("X-Amzn-SageMaker-Custom-Attributes"));
  std::string_view given_id = req.Header("X-Amzn-SageMaker-Inference-Id");
  if (!given_id.empty()) {
    if (Status s = ValidateInferenceId(given_id); !s.ok()) {
      return runtime_api ? Validation(s.message()) : ContainerError(400, "ValidationError", s.message());
    }
  }
  ir.inference_id = given_id.empty() ? NewInferenceId() : std::string(given_id);
  ir.output_key_prefix = ir.inference_id + "/";
  ir.timeout = options_.realtime_timeout;
  InvocationOutcome out = engine_.Run(ir);
  metrics_.RecordInvocation(
      InvocationMode::kRealtime, out.ok(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!out.ok()) {
    LogInfo("hosting.invoke_failed id=" + ir.inference_id + " " + out.error->status.ToString());
    return runtime_api ? ModelErrorResponse(*out.error, endpoint) : container_error(*out.error);
  }
  http::Response r = Json(200, out.response);
  if (runtime_api) r.headers.emplace_back("x-Amzn-Invoked-Production-Variant", std::string(kVariant));
  return r;
}

http::Response EndpointService::InvokeAsync(const http::Request& req, const std::string& endpoint) {
  if (queue_ == nullptr) {
    return AwsError(503, "ServiceUnavailable", "this server has no async queue");
  }
  std::string_view input = req.Header("X-Amzn-SageMaker-InputLocation");
  if (input.empty()) return Validation("InputLocation (X-Amzn-SageMaker-InputLocation) is required");
  if (input.size() > 1024) return Validation("InputLocation is longer than 1024 characters");
  if (auto split = SplitObjectUri(input); !split.ok()) return Validation(split.status().message());
  auto ttl = IntHeader(req, "X-Amzn-SageMaker-RequestTTLSeconds", kDefaultTtlSeconds, kMinTtl, kMaxTtl);
  if (!ttl.ok()) return Validation(ttl.status().message());
  auto timeout = IntHeader(req, "X-Amzn-SageMaker-InvocationTimeoutSeconds",
                           kDefaultInvocationTimeout, kMinTimeout, kMaxTimeout);
  if (!timeout.ok()) return Validation(timeout.status().message());
  std::string_view given_id = req.Header("X-Amzn-SageMaker-Inference-Id");
  if (!given_id.empty()) {
    if (Status s = ValidateInferenceId(given_id); !s.ok()) return Validation(s.message());
  }
  // An async endpoint serves one model; a Target-Model header (not in the API) is honoured.
  auto target = ResolveTarget(req.Header("X-Amzn-SageMaker-Target-Model"));
  if (!target.ok()) return Validation(target.status().message());

  JobSpec spec;
  spec.inference_id = given_id.empty() ? NewInferenceId() : std::string(given_id);
  spec.endpoint_name = endpoint;
  spec.target_model = *target;
  spec.input_location = std::string(input);
  spec.output_dir_uri = options_.output_dir_uri;
  if (std::string_view ext = req.Header("X-Amzn-SageMaker-S3OutputPathExtension"); !ext.empty()) {
    std::string e(ext);
    while (!e.empty() && e.back() == '/') e.pop_back();
    while (!e.empty() && e.front() == '/') e.erase(0, 1);
    if (Status s = objstore::ValidateKey(e); !s.ok()) {
      return Validation("S3OutputPathExtension: " + s.message());
    }
    spec.output_dir_uri += e + "/";
  }
  spec.output_key = spec.inference_id + ".out";
  if (std::string_view name = req.Header("X-Amzn-SageMaker-Filename"); !name.empty()) {
    if (Status s = objstore::ValidateKey(name); !s.ok()) return Validation("Filename: " + s.message());
    spec.output_key = std::string(name);
  }
  spec.failure_dir_uri = options_.failure_dir_uri;
  spec.failure_key = spec.inference_id + "-error.out";
  spec.content_type = std::string(req.Header("X-Amzn-SageMaker-Content-Type"));
  spec.accept = std::string(req.Header("X-Amzn-SageMaker-Accept"));
  spec.custom_attributes = std::string(req.Header("X-Amzn-SageMaker-Custom-Attributes"));
  spec.enqueued_at = NowEpochSeconds();
  spec.expires_at = spec.enqueued_at + static_cast<double>(*ttl);
  spec.invocation_timeout_s = *timeout;
  Status s = queue_->Enqueue(spec);
  if (s.code() == StatusCode::kAlreadyExists) return Validation(s.message());
  if (!s.ok()) {
    LogError("hosting.enqueue " + s.ToString());
    return s.code() == StatusCode::kUnavailable ? AwsError(503, "ServiceUnavailable", s.message())
                                                : AwsError(500, "InternalFailure", s.message());
  }
  if (options_.on_enqueued) options_.on_enqueued();
  http::Response r = Json(202, {{"InferenceId", spec.inference_id}});
  r.headers.emplace_back("X-Amzn-SageMaker-OutputLocation", spec.output_dir_uri + spec.output_key);
  r.headers.emplace_back("X-Amzn-SageMaker-FailureLocation",
                         spec.failure_dir_uri + spec.failure_key);
  return r;
}

http::Response EndpointService::Models(const http::Request& req, const std::string& rest) {
  auto info_json = [](const ModelInfo& m) {
    return nlohmann::json{{"modelName", m.name}, {"modelUrl", m.url}};
  };
  if (rest.empty()) {
    if (req.method == "GET") {
      size_t offset = 0;
      if (auto pos = req.raw_query.find("next_page_token="); pos != std::string::npos) {
        std::string tok = PercentDecode(req.raw_query.substr(pos + 16));
        tok = tok.substr(0, tok.find('&'));
        auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), offset);
        if (ec != std::errc()) return ContainerError(400, "ValidationError", "bad next_page_token");
      }
      std::vector<ModelInfo> all = cache_.List();
      nlohmann::json models = nlohmann::json::array();
      for (size_t i = offset; i < all.size() && i < offset + kModelsPageSize; ++i) {
        models.push_back(info_json(all[i]));
      }
      nlohmann::json body{{"models", models}};
      if (offset + kModelsPageSize < all.size()) {
        body["nextPageToken"] = std::to_string(offset + kModelsPageSize);
      }
      return Json(200, body);
    }
    if (req.method == "POST") {
      nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
      if (!j.is_object() || !j.contains("model_name") || !j["model_name"].is_string() ||
          !j.contains("url") || !j["url"].is_string()) {
        return ContainerError(400, "ValidationError",
                              "the body must be {\"model_name\": \"...\", \"url\": \"...\"}");
      }
      const std::string name = j["model_name"], url = j["url"];
      Status s = cache_.Load(name, url);
      switch (s.code()) {
        case StatusCode::kOk:
          return Json(200, {{"status", "Model \"" + name + "\" loaded"}, {"modelName", name},
                            {"modelUrl", url}});
        case StatusCode::kAlreadyExists: return ContainerError(409, "Conflict", s.message());
        case StatusCode::kResourceExhausted:
          return ContainerError(507, "InsufficientStorage", s.message());
        case StatusCode::kNotFound: return ContainerError(404, "NotFound", s.message());
        case StatusCode::kInvalidArgument:
          return ContainerError(400, "ValidationError", s.message());
        default: return ContainerError(500, "InternalFailure", s.message());
      }
    }
    return ContainerError(405, "MethodNotAllowed", "use GET or POST on /models");
  }
  std::string name = rest;
  const bool invoke = name.size() > 7 && name.compare(name.size() - 7, 7, "/invoke") == 0;
  if (invoke) name.resize(name.size() - 7);
  name = PercentDecode(name);
  if (invoke) {
    if (req.method != "POST") return ContainerError(405, "MethodNotAllowed", "use POST");
    const auto start = std::chrono::steady_clock::now();
    InvocationRequest ir;
    ir.target_model = name;
    ir.loaded_name = true;
    ir.body = req.body;
    ir.content_type = std::string(req.Header("Content-Type"));
    ir.custom_attributes = std::string(req.Header("X-Amzn-SageMaker-Custom-Attributes"));
    ir.inference_id = NewInferenceId();
    ir.output_key_prefix = ir.inference_id + "/";
    ir.timeout = options_.realtime_timeout;
    InvocationOutcome out = engine_.Run(ir);
    metrics_.RecordInvocation(
        InvocationMode::kRealtime, out.ok(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (out.ok()) return Json(200, out.response);
    const InvocationError& e = *out.error;
    int status = e.kind == InvocationError::Kind::kBusy ? 503 : e.original_status;
    return ContainerError(status, e.kind == InvocationError::Kind::kModel ? "ModelError" : "Error",
                          e.status.message());
  }
  if (req.method == "GET") {
    auto info = cache_.Get(name);
    if (!info.ok()) return ContainerError(404, "NotFound", info.status().message());
    return Json(200, info_json(*info));
  }
  if (req.method == "DELETE") {
    Status s = cache_.Unload(name);
    if (!s.ok()) return ContainerError(404, "NotFound", s.message());
    return Json(200, {{"status", "Model \"" + name + "\" unloaded"}});
  }
  return ContainerError(405, "MethodNotAllowed", "use GET or DELETE on /models/{model_name}");
}

http::Response EndpointService::Route(const http::Request& req, std::string& route) {
  const std::string& path = req.raw_path;
  if (path == "/ping" && (req.method == "GET" || req.method == "HEAD")) {
    route = "ping";
    Status h = Health();
    if (h.ok()) return http::Response{};
    LogWarn("hosting.unhealthy " + h.message());
    http::Response r;
    r.status = 503;
    r.headers.emplace_back("Content-Type", "text/plain");
    r.body = h.message() + "\n";
    return r;
  }
  if (path == "/metrics" && req.method == "GET") {
    std::optional<QueueDepth> depth;
    if (queue_) {
      auto d = queue_->Depth();
      if (d.ok()) depth = *d;
    }
    http::Response r;
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
    r.body = metrics_.Render(cache_.stats(), depth, engine_.active());
    return r;
  }
  if (path == "/invocations") {
    route = "invocations";
    if (req.method != "POST") return ContainerError(405, "MethodNotAllowed", "use POST");
    return InvokeRealtime(req, /*runtime_api=*/false, options_.endpoint_name);
  }
  if (path == "/models" || path.rfind("/models/", 0) == 0) {
    route = "models";
    return Models(req, path.size() > 8 ? path.substr(8) : "");
  }
  constexpr std::string_view kEndpoints = "/endpoints/";
  if (path.rfind(kEndpoints, 0) == 0) {
    std::string rest = path.substr(kEndpoints.size());
    size_t slash = rest.find('/');
    std::string op = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (req.method != "POST" || (op != "invocations" && op != "async-invocations")) {
      return AwsError(404, "UnknownOperationException", "no such operation");
    }
    route = op == "invocations" ? "runtime" : "async";
    auth::SigV4Request sreq{req.method, req.raw_path, req.raw_query, req.headers, req.body};
    auth::VerifyOptions vopt;
    vopt.service = "sagemaker";
    vopt.max_skew = options_.max_skew;
    auto who = auth::VerifySigV4(sreq, options_.credentials, std::chrono::system_clock::now(), vopt);
    if (!who.ok()) {
      const std::string& m = who.status().message();
      LogInfo("hosting.denied reason=" + m.substr(0, m.find(':')));
      return AwsError(403, auth::AwsNameForSigV4Failure(m), m);
    }
    const std::string endpoint = PercentDecode(rest.substr(0, slash));
    if (!ValidEndpointName(endpoint)) {
      return Validation("EndpointName must match ^[a-zA-Z0-9](-*[a-zA-Z0-9])* (at most 63)");
    }
    if (!options_.endpoint_name.empty() && endpoint != options_.endpoint_name) {
      return Validation("Endpoint " + endpoint + " of account 000000000000 not found.");
    }
    return op == "invocations" ? InvokeRealtime(req, /*runtime_api=*/true, endpoint)
                               : InvokeAsync(req, endpoint);
  }
  return AwsError(404, "UnknownOperationException", "no such operation");
}

http::Response EndpointService::Handle(const http::Request& req) {
  std::string route = "other";
  http::Response r = Route(req, route);
  r.headers.emplace_back("x-amzn-RequestId", NewId());
  metrics_.RecordRequest(route, r.status);
  return r;
}

}  // namespace openhi::hosting
