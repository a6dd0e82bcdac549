#include "openhi/http/internal/request_parser.h"

#include <algorithm>
#include <limits>

#include "openhi/http/internal/wire.h"

namespace openhi::http::internal {
namespace {

namespace http = boost::beast::http;

std::string_view ToStd(boost::beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

void SplitTarget(std::string_view target, std::string* raw_path, std::string* raw_query) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (q != std::string_view::npos) {
    raw_query->assign(target.substr(q + 1));
  } else {
    raw_query->clear();
  }
  // absolute-form (RFC 9112 §3.2.2): drop "scheme://authority".
  if (!path.empty() && path.front() != '/') {
    size_t scheme_end = path.find("://");
    if (scheme_end != std::string_view::npos) {
      size_t slash = path.find('/', scheme_end + 3);
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    }
  }
  raw_path->assign(path);
}

RequestParser::RequestParser(Request& request, size_t max_header_bytes, size_t max_body_bytes)
    : request_(request) {
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  body_limit(static_cast<std::uint64_t>(max_body_bytes));
  request_.method.clear();
  request_.target.clear();
  request_.raw_path.clear();
  request_.raw_query.clear();
  request_.body.clear();
}

void RequestParser::on_request_impl(http::verb method, string_view method_str, string_view target,
                                    int version, error_code& ec) {
  request_.method.assign(method_str.data(), method_str.size());
  request_.target.assign(target.data(), target.size());
  version_ = version;
  is_head_ = method == http::verb::head;
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = http::error::bad_version;  // unreachable: this is a request parser
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                  error_code& ec) {
  auto& headers = request_.headers;
  if (header_count_ < headers.size()) {
    headers[header_count_].first.assign(name_string.data(), name_string.size());
    headers[header_count_].second.assign(value.data(), value.size());
  } else {
    headers.emplace_back(ToStd(name_string), ToStd(value));
  }
  ++header_count_;
  if (name == http::field::expect && EqualsIgnoreCase(ToStd(value), "100-continue")) {
    expects_continue_ = true;
  }
}

void RequestParser::on_header_impl(error_code& ec) {
  request_.headers.resize(header_count_);
  SplitTarget(request_.target, &request_.raw_path, &request_.raw_query);
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  // The base class has already rejected a Content-Length above body_limit. Reserve at most
  // kMaxReserve up front so that a client announcing a large body and then stalling does not
  // pin that much memory.
  constexpr std::uint64_t kMaxReserve = 1u << 20;
  if (content_length) {
    request_.body.reserve(static_cast<size_t>(std::min(*content_length, kMaxReserve)));
  }
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {
  // The base class checks each chunk size against the remaining body_limit.
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_finish_impl(error_code&) {}

}  // namespace openhi::http::internal
