#include "openhi/client/client_config.h"

#include <cstdlib>

#include "openhi/client/internal/endpoint.h"

namespace openhi::client {

Status ValidateClientConfig(const ClientConfig& c) {
  OPENHI_RETURN_IF_ERROR(internal::ParseEndpoint(c.endpoint).status());
  if (c.region.empty()) return InvalidArgument("region must not be empty");
  for (char ch : c.region) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    if (!ok) return InvalidArgument("region '" + c.region + "' must be like us-east-1");
  }
  if (c.connections < 1 || c.connections > 256) {
    return InvalidArgument("connections must be 1..256, got " + std::to_string(c.connections));
  }
  if (c.max_in_flight < 0 || c.max_in_flight > 4096) {
    return InvalidArgument("max_in_flight must be 0..4096, got " +
                           std::to_string(c.max_in_flight));
  }
  if (c.max_attempts < 1 || c.max_attempts > 100) {
    return InvalidArgument("max_attempts must be 1..100, got " + std::to_string(c.max_attempts));
  }
  if (c.backoff_base.count() < 0 || c.backoff_cap < c.backoff_base) {
    return InvalidArgument("backoff_base must be >= 0 and <= backoff_cap");
  }
  if (c.request_timeout.count() <= 0) return InvalidArgument("request_timeout must be > 0");
  if (c.max_response_bytes == 0) return InvalidArgument("max_response_bytes must be > 0");
  return Status::Ok();
}

std::string DefaultEndpoint(std::string_view region) {
  return "https://runtime-medical-imaging." + std::string(region) + ".amazonaws.com";
}

Result<ClientConfig> ConfigFromEnvironment(const EnvLookup& lookup) {
  auto get = [&lookup](std::string_view name) -> std::string {
    std::optional<std::string> v;
    if (lookup) {
      v = lookup(name);
    } else if (const char* raw = std::getenv(std::string(name).c_str())) {
      v = std::string(raw);
    }
    return v.value_or("");
  };
  ClientConfig c;
  c.credentials.access_key_id = get("AWS_ACCESS_KEY_ID");
  c.credentials.secret = get("AWS_SECRET_ACCESS_KEY");
  c.session_token = get("AWS_SESSION_TOKEN");
  if (c.credentials.access_key_id.empty() != c.credentials.secret.empty()) {
    return InvalidArgument(
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only one is set)");
  }
  if (std::string r = get("AWS_REGION"); !r.empty()) {
    c.region = r;
  } else if (std::string d = get("AWS_DEFAULT_REGION"); !d.empty()) {
    c.region = d;
  }
  std::string endpoint = get("AWS_ENDPOINT_URL_MEDICAL_IMAGING");
  if (endpoint.empty()) endpoint = get("AWS_ENDPOINT_URL");
  if (endpoint.empty()) endpoint = DefaultEndpoint(c.region);
  while (endpoint.ends_with('/')) endpoint.pop_back();
  OPENHI_RETURN_IF_ERROR(internal::ParseEndpoint(endpoint).status());
  c.endpoint = std::move(endpoint);
  return c;
}

}  // namespace openhi::client
