#pragma once
// RFC 3986 percent-encoding and query-component decoding for SigV4. Private to auth.
// Thread-safe (pure functions).
#include <string>
#include <string_view>

namespace openhi::auth::internal {

// Appends `s` with every byte outside A-Z a-z 0-9 - _ . ~ written as %XX (upper-case hex).
void UriEncodeTo(std::string_view s, std::string& out);

// Percent-decodes a query name or value, '+' as space. A '%' not followed by two hex digits is
// kept literally (as Python's urllib.parse.unquote does).
std::string QueryDecode(std::string_view s);

}  // namespace openhi::auth::internal
