#pragma once
// Reading AWS restJson1 error responses (ahi-api.md §4) and mapping them back to openhi Status
// codes: the inverse of ahi/errors.h's ToAwsError table, plus the signature errors AWS sends
// (InvalidSignatureException, UnrecognizedClientException, ...). Private to client.
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::client::internal {

struct AwsErrorInfo {
  std::string type;     // "ResourceNotFoundException"; "" when the response names none
  std::string message;  // the error's message, or a printable prefix of a non-JSON body
};

// How the SDKs find the name: the x-amzn-ErrorType header (everything from the first ':' or ','
// on is dropped), else the body's "code", else its "__type" (the text after '#'). The message is
// the body's "message" or "Message". Never fails: a body that is not JSON gives its first 200
// printable characters as the message.
AwsErrorInfo ParseAwsError(std::string_view error_type_header, std::string_view body);

// The Status code a caller should act on for an AWS error name; an unknown or empty name falls
// back to the HTTP status (400 -> kInvalidArgument, 401 -> kUnauthenticated, 403 ->
// kPermissionDenied, 404 -> kNotFound, 409 -> kFailedPrecondition, 402/413 -> kResourceExhausted,
// 408/429/502/503/504 -> kUnavailable, 501 -> kUnimplemented, other 5xx -> kInternal).
StatusCode StatusCodeForAwsError(std::string_view type, long http_status);

// Whether a non-2xx answer is worth another attempt: 408, 429, 5xx other than 501, or a
// throttling error name whatever the status.
bool IsRetryableHttp(long http_status, std::string_view type);

}  // namespace openhi::client::internal
