#pragma once
// The invocation payload: an image-set reference, in either of the AWS blog's two shapes:
//   {"inputs": [{"datastoreId": "...", "imageSetId": "..."}, ...]}   (the MME real-time payload)
//   {"datastoreId": "...", "imageSetId": "..."}                       (the async input object)
// Other members are allowed and passed through to the runner in the raw body.
#include <string_view>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/hosting/model_runner.h"

namespace openhi::hosting {

// At most this many image sets per request.
inline constexpr size_t kMaxInputsPerRequest = 64;

// Parses `body`. kInvalidArgument with a message naming the offending member when the body is
// not a JSON object of one of the shapes above, "inputs" is empty or too long, or an ID is not 32
// lower-case hex characters (the AHI ID format).
Result<std::vector<ImageSetRef>> ParseInvocationBody(std::string_view body);

}  // namespace openhi::hosting
