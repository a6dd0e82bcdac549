#pragma once
// RequestParser: a Beast basic_parser that writes straight into an openhi::http::Request,
// skipping Beast's own message container (http::fields allocates a node per field). The Request
// is reused across the requests of a connection, so steady-state keep-alive traffic reuses the
// capacity of its strings.
//
// One RequestParser parses one request (Beast parsers are single-use); the session emplaces a
// fresh one per request. Not thread-safe; used only on its session's strand.
#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string_view>

#include "openhi/http/server.h"

namespace openhi::http::internal {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // Clears `request` (keeping remote_address and buffer capacities) and parses into it.
  // `request` must outlive the parser. Limits: see ServerOptions.
  RequestParser(Request& request, size_t max_header_bytes, size_t max_body_bytes);

  int version() const { return version_; }  // 10 or 11, valid once the header is done
  bool is_head() const { return is_head_; }
  // The client sent `Expect: 100-continue`.
  bool expects_continue() const { return expects_continue_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  Request& request_;
  size_t header_count_ = 0;  // headers filled so far; request_.headers may hold spare entries
  int version_ = 11;
  bool is_head_ = false;
  bool expects_continue_ = false;
};

// Splits a request-target into raw path and raw query (see Request::raw_path).
void SplitTarget(std::string_view target, std::string* raw_path, std::string* raw_query);

}  // namespace openhi::http::internal
