#include "openhi/client/internal/aws_error.h"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace openhi::client::internal {
namespace {

std::string PrintablePrefix(std::string_view body, size_t max_chars) {
  std::string out;
  for (char c : body) {
    if (out.size() >= max_chars) break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  return out;
}

std::string StringMember(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "com.amazonaws.medicalimaging#ValidationException:http://..." -> "ValidationException".
std::string CleanName(std::string_view name) {
  if (size_t end = name.find_first_of(":,"); end != std::string_view::npos) {
    name = name.substr(0, end);
  }
  if (size_t hash = name.rfind('#'); hash != std::string_view::npos) name.remove_prefix(hash + 1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  return std::string(name);
}

}  // namespace

AwsErrorInfo ParseAwsError(std::string_view error_type_header, std::string_view body) {
  AwsErrorInfo info;
  info.type = CleanName(error_type_header);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    if (info.type.empty()) info.type = CleanName(StringMember(j, "code"));
    if (info.type.empty()) info.type = CleanName(StringMember(j, "__type"));
    info.message = StringMember(j, "message");
    if (info.message.empty()) info.message = StringMember(j, "Message");
  } else {
    info.message = PrintablePrefix(body, 200);
  }
  return info;
}

StatusCode StatusCodeForAwsError(std::string_view type, long http_status) {
  static constexpr std::array<std::pair<std::string_view, StatusCode>, 19> kByName{{
      {"ValidationException", StatusCode::kInvalidArgument},
      {"BadRequestException", StatusCode::kInvalidArgument},
      {"ResourceNotFoundException", StatusCode::kNotFound},
      {"ConflictException", StatusCode::kFailedPrecondition},
      {"ServiceQuotaExceededException", StatusCode::kResourceExhausted},
      {"AccessDeniedException", StatusCode::kPermissionDenied},
      {"InvalidSignatureException", StatusCode::kUnauthenticated},
      {"UnrecognizedClientException", StatusCode::kUnauthenticated},
      {"IncompleteSignatureException", StatusCode::kUnauthenticated},
      {"ExpiredTokenException", StatusCode::kUnauthenticated},
      {"MissingAuthenticationTokenException", StatusCode::kUnauthenticated},
      {"InvalidClientTokenId", StatusCode::kUnauthenticated},
      {"ThrottlingException", StatusCode::kUnavailable},
      {"TooManyRequestsException", StatusCode::kUnavailable},
      {"ServiceUnavailableException", StatusCode::kUnavailable},
      {"RequestTimeoutException", StatusCode::kUnavailable},
      {"InternalServerException", StatusCode::kInternal},
      {"NotAcceptableException", StatusCode::kUnimplemented},
      {"UnknownOperationException", StatusCode::kUnimplemented},
  }};
  for (const auto& [name, code] : kByName) {
    if (name == type) return code;
  }
  switch (http_status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kFailedPrecondition;
    case 402:
    case 413: return StatusCode::kResourceExhausted;
    case 408:
    case 429:
    case 502:
    case 503:
    case 504: return StatusCode::kUnavailable;
    case 501: return StatusCode::kUnimplemented;
    default: break;
  }
  return http_status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
}

bool IsRetryableHttp(long http_status, std::string_view type) {
  if (type == "ThrottlingException" || type == "TooManyRequestsException" ||
      type == "ServiceUnavailableException" || type == "RequestTimeoutException") {
    return true;
  }
  return http_status == 408 || http_status == 429 || (http_status >= 500 && http_status != 501);
}

}  // namespace openhi::client::internal
