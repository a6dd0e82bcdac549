#include "openhi/http/internal/server_context.h"

#include <exception>
#include <utility>

#include "openhi/core/logging.h"
#include "openhi/http/internal/wire.h"

namespace openhi::http::internal {

ServerContext::ServerContext(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

Response ServerContext::CallHandler(const Request& request) {
  try {
    Response response = handler_(request);
    if (IsValidResponse(response)) return response;
    stats_.handler_errors.fetch_add(1, std::memory_order_relaxed);
    LogError("http.handler_invalid_response status=" + std::to_string(response.status));
  } catch (const std::exception& e) {
    stats_.handler_errors.fetch_add(1, std::memory_order_relaxed);
    // e.what() may quote request data; keep it at debug level (no PHI at INFO or above).
    LogError("http.handler_exception");
    LogDebug(std::string("http.handler_exception what=") + e.what());
  } catch (...) {
    stats_.handler_errors.fetch_add(1, std::memory_order_relaxed);
    LogError("http.handler_exception what=non-std");
  }
  return ErrorResponse(500, "internal server error");
}

Response ServerContext::ErrorResponse(int status, std::string message) {
  if (options_.error_responder) {
    try {
      Response response = options_.error_responder(status, message);
      if (IsValidResponse(response)) return response;
      LogError("http.error_responder_invalid_response");
    } catch (...) {
      LogError("http.error_responder_exception");
    }
  }
  return DefaultErrorResponse(status, std::move(message));
}

bool ServerContext::Register(Session* session, std::weak_ptr<Session> weak) {
  std::lock_guard lock(mu_);
  if (stopping_.load(std::memory_order_relaxed)) return false;
  live_.emplace(session, std::move(weak));
  return true;
}

void ServerContext::Unregister(Session* session) {
  std::lock_guard lock(mu_);
  if (live_.erase(session) != 0 && live_.empty()) drained_.notify_all();
}

std::vector<std::shared_ptr<Session>> ServerContext::BeginStop() {
  std::vector<std::shared_ptr<Session>> sessions;
  std::lock_guard lock(mu_);
  stopping_.store(true, std::memory_order_release);
  sessions.reserve(live_.size());
  for (auto& [ptr, weak] : live_) {
    if (auto s = weak.lock()) sessions.push_back(std::move(s));
  }
  return sessions;
}

bool ServerContext::WaitForSessions(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return drained_.wait_for(lock, timeout, [&] { return live_.empty(); });
}

}  // namespace openhi::http::internal
