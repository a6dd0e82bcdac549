#pragma once
// The one table from openhi::StatusCode to HTTP status codes and AWS error names
// (ahi-api.md §4). Used by the HTTP API and by the CLI's error output.
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::ahi {

struct AwsError {
  int http_status;
  std::string_view name;  // the `__type` / x-amzn-ErrorType value
};

AwsError ToAwsError(StatusCode code);

}  // namespace openhi::ahi
