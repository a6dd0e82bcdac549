#pragma once
// How CLI commands report results: JSON on stdout (the body the API would return), errors on
// stderr in the AWS CLI's words with the AWS error name, and the AWS CLI's exit codes.
#include <string>

#include <nlohmann/json.hpp>

#include "openhi/core/status.h"

namespace openhi::cli {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 252;     // bad arguments (as the AWS CLI)
constexpr int kExitService = 254;   // the operation failed (as the AWS CLI)

// Prints `body` as indented JSON and returns kExitOk.
int PrintJson(const nlohmann::json& body);

// Prints "An error occurred (<AwsName>) when calling the <operation> operation: <message>" and
// returns kExitService (kExitUsage for ValidationException raised before the call).
int PrintError(const std::string& operation, const Status& status);

}  // namespace openhi::cli
