#pragma once
// Standard base64 (RFC 4648, with padding). Thread-safe.
#include <string>
#include <string_view>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi {

std::string Base64Encode(ByteView data);
// kInvalidArgument on characters outside the alphabet or bad padding. Whitespace is not allowed.
Result<Bytes> Base64Decode(std::string_view text);

}  // namespace openhi
