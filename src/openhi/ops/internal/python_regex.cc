#include "openhi/ops/internal/python_regex.h"

namespace openhi::ops::internal {
namespace {

// Drops leading "(?aiLmsux)" groups.
std::string_view StripLeadingFlags(std::string_view p) {
  while (p.size() >= 4 && p.substr(0, 2) == "(?") {
    size_t end = 2;
    while (end < p.size() && std::string_view("aiLmsux").find(p[end]) != std::string_view::npos) {
      ++end;
    }
    if (end == 2 || end >= p.size() || p[end] != ')') break;
    p.remove_prefix(end + 1);
  }
  return p;
}

}  // namespace

Result<std::regex> CompilePythonRegex(std::string_view pattern) {
  std::string_view p = StripLeadingFlags(pattern);
  std::string translated;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (p[i + 1] == 'A') {
        translated += '^';
      } else if (p[i + 1] == 'Z') {
        translated += '$';
      } else {
        translated += p.substr(i, 2);
      }
      ++i;
    } else if (p.substr(i, 4) == "(?P<") {
      size_t close = p.find('>', i + 4);
      if (close == std::string_view::npos) {
        return InvalidArgument("invalid regular expression '" + std::string(pattern) +
                               "': unterminated group name");
      }
      translated += '(';
      i = close;
    } else {
      translated += p[i];
    }
  }
  try {
    return std::regex(translated, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& e) {
    return InvalidArgument("invalid regular expression '" + std::string(pattern) +
                           "': " + e.what());
  }
}

}  // namespace openhi::ops::internal
