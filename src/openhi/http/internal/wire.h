#pragma once
// Response serialisation for openhi::http: status line and header block, written by hand into a
// reused string (no per-response allocation once the string has grown), so the body can go out
// as a second buffer of one gathered write (zero-copy for Response::shared_body).
//
// Thread safety: all functions are reentrant; the Date cache is per thread.
#include <string>
#include <string_view>

#include "openhi/http/server.h"

namespace openhi::http::internal {

// How the server frames one response on the wire.
struct Framing {
  bool keep_alive = true;  // false: emit "Connection: close"
  bool http10 = false;     // request was HTTP/1.0: keep-alive must be announced explicitly
  bool head = false;       // request was HEAD: Content-Length of the body, but no body
};

// True when `status` may carry a body and Content-Length (not 1xx, 204, 304).
bool StatusHasBody(int status);

// The RFC 9110 reason phrase for `status`, or "" for an unregistered code.
std::string_view ReasonPhrase(int status);

// True when `name` is a non-empty RFC 9110 token.
bool IsValidHeaderName(std::string_view name);
// True when `value` contains no CR, LF or NUL.
bool IsValidHeaderValue(std::string_view value);
// True when `response` can be serialised: status in [200, 999] and every header valid.
bool IsValidResponse(const Response& response);
// True when the response asks for the connection to be closed (a `Connection` header whose
// value contains the token "close").
bool WantsClose(const Response& response);

// Replaces `*out` with the status line and header block of `response` (ending "\r\n\r\n"),
// including the managed headers Content-Length, Date, Server and Connection. Precondition:
// IsValidResponse(response).
void SerializeHead(const Response& response, const Framing& framing, std::string* out);

// Appends an IMF-fixdate for the current second ("Sun, 06 Nov 1994 08:49:37 GMT").
void AppendHttpDate(std::string* out);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace openhi::http::internal
