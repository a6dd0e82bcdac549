#include "openhi/hosting/notifier.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace openhi::hosting {

Status ValidateNotificationUrl(std::string_view flag, std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return InvalidArgument(std::string(flag) + " must be an http:// or https:// URL, got '" +
                           std::string(url) + "'");
  }
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.starts_with(':')) {
    return InvalidArgument(std::string(flag) + " has no host: '" + std::string(url) + "'");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument(std::string(flag) + " contains spaces or control characters");
    }
  }
  return Status::Ok();
}

std::string Iso8601Utc(double epoch_seconds) {
  double whole = std::floor(epoch_seconds);
  int ms = static_cast<int>(std::lround((epoch_seconds - whole) * 1000));
  if (ms == 1000) {
    whole += 1;
    ms = 0;
  }
  const std::time_t t = static_cast<std::time_t>(whole);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string NotificationBody(const JobSpec& spec, bool succeeded, std::string_view region,
                             double event_time_epoch_s, std::string_view failure_reason) {
  nlohmann::json j;
  j["awsRegion"] = region;
  j["eventTime"] = Iso8601Utc(event_time_epoch_s);
  j["receivedTime"] = Iso8601Utc(spec.enqueued_at);
  j["invocationStatus"] = succeeded ? "Completed" : "Failed";
  if (!succeeded) j["failureReason"] = failure_reason;
  j["requestParameters"] = {
      {"contentType", spec.content_type.empty() ? "application/octet-stream" : spec.content_type},
      {"endpointName", spec.endpoint_name},
      {"inputLocation", spec.input_location}};
  // Both objects are JSON (the response JSON, or the failure JSON of async_worker.h).
  if (succeeded) {
    j["responseParameters"] = {{"contentType", "application/json"},
                               {"outputLocation", spec.output_dir_uri + spec.output_key}};
  } else {
    j["responseParameters"] = {{"contentType", "application/json"},
                               {"failureLocation", spec.failure_dir_uri + spec.failure_key}};
  }
  j["inferenceId"] = spec.inference_id;
  j["eventVersion"] = "1.0";
  j["eventSource"] = "aws:sagemaker";
  j["eventName"] = "InferenceResult";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace openhi::hosting
