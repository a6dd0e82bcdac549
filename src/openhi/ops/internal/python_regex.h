#pragma once
// Compiles a Python `re` pattern (as MONAI selection rules use them) into std::regex
// (ECMAScript), case-insensitive. Supported translation: leading inline flag groups such as
// "(?i)" or "(?ims)" are dropped (matching is case-insensitive anyway); "(?P<name>" becomes
// "("; "\A" and "\Z" become "^" and "$". Everything else must be valid ECMAScript.
// kInvalidArgument "invalid regular expression '<p>': <reason>" otherwise. Thread-safe.
#include <regex>
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::ops::internal {

Result<std::regex> CompilePythonRegex(std::string_view pattern);

}  // namespace openhi::ops::internal
