#include "openhi/ahi/errors.h"

namespace openhi::ahi {

AwsError ToAwsError(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return {200, ""};
    case StatusCode::kInvalidArgument: return {400, "ValidationException"};
    case StatusCode::kUnimplemented: return {400, "ValidationException"};
    case StatusCode::kNotFound: return {404, "ResourceNotFoundException"};
    case StatusCode::kAlreadyExists: return {409, "ConflictException"};
    case StatusCode::kFailedPrecondition: return {409, "ConflictException"};
    case StatusCode::kAborted: return {409, "ConflictException"};
    case StatusCode::kResourceExhausted: return {402, "ServiceQuotaExceededException"};
    case StatusCode::kUnauthenticated: return {403, "AccessDeniedException"};
    case StatusCode::kPermissionDenied: return {403, "AccessDeniedException"};
    case StatusCode::kUnavailable: return {429, "ThrottlingException"};
    case StatusCode::kDeadlineExceeded: return {500, "InternalServerException"};
    case StatusCode::kDataLoss: return {500, "InternalServerException"};
    case StatusCode::kInternal: return {500, "InternalServerException"};
  }
  return {500, "InternalServerException"};
}

}  // namespace openhi::ahi
