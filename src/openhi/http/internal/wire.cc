#include "openhi/http/internal/wire.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace openhi::http::internal {
namespace {

constexpr char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 &&
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Headers the server writes itself; the handler's copies are ignored.
bool IsManagedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "date") ||
         EqualsIgnoreCase(name, "server") || EqualsIgnoreCase(name, "connection") ||
         EqualsIgnoreCase(name, "transfer-encoding");
}

void AppendNumber(uint64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

bool StatusHasBody(int status) { return status >= 200 && status != 204 && status != 304; }

std::string_view ReasonPhrase(int status) {
  // clang-format off
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 424: return "Failed Dependency";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
  // clang-format on
}

bool IsValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsValidHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsValidResponse(const Response& response) {
  if (response.status < 200 || response.status > 999) return false;
  for (const auto& [name, value] : response.headers) {
    if (!IsValidHeaderName(name) || !IsValidHeaderValue(value)) return false;
  }
  return true;
}

bool WantsClose(const Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (!EqualsIgnoreCase(name, "connection")) continue;
    // Comma-separated tokens; look for "close" as a whole token.
    size_t pos = 0;
    while (pos <= value.size()) {
      size_t comma = value.find(',', pos);
      if (comma == std::string::npos) comma = value.size();
      std::string_view token(value.data() + pos, comma - pos);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (EqualsIgnoreCase(token, "close")) return true;
      pos = comma + 1;
    }
  }
  return false;
}

void AppendHttpDate(std::string* out) {
  struct Cache {
    std::time_t second = -1;
    char text[32];
    size_t size = 0;
  };
  thread_local Cache cache;
  std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    // Locale-independent formatting (strftime's %a/%b follow LC_TIME).
    int n = std::snprintf(cache.text, sizeof(cache.text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    cache.size = n > 0 ? static_cast<size_t>(n) : 0;
    cache.second = now;
  }
  out->append(cache.text, cache.size);
}

void SerializeHead(const Response& response, const Framing& framing, std::string* out) {
  out->clear();
  out->append("HTTP/1.1 ");
  AppendNumber(static_cast<uint64_t>(response.status), out);
  out->push_back(' ');
  out->append(ReasonPhrase(response.status));
  out->append("\r\nServer: openhi\r\nDate: ");
  AppendHttpDate(out);
  out->append("\r\n");
  if (StatusHasBody(response.status)) {
    out->append("Content-Length: ");
    AppendNumber(response.body_size(), out);
    out->append("\r\n");
  }
  if (!framing.keep_alive) {
    out->append("Connection: close\r\n");
  } else if (framing.http10) {
    out->append("Connection: keep-alive\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    if (IsManagedHeader(name)) continue;
    out->append(name);
    out->append(": ");
    out->append(value);
    out->append("\r\n");
  }
  out->append("\r\n");
}

}  // namespace openhi::http::internal
