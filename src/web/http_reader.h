// Reading a request with Beast straight into iv::web::Request.
//
// Internal to the server: this header includes Beast, so only the server's
// .cpp files may include it (never http.h, router.h, dispatcher.h, pages or
// API code).
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/system/error_code.hpp>

#include "web/http.h"
#include "web/router.h"

namespace iv::web {

// A Beast parser that writes the request line, header fields and body into a
// Request, used instead of http::request_parser<string_body>, whose fields
// container allocates per field and whose message would then be copied into a
// Request. It reuses the Request's strings across the requests of one
// connection, so a keep-alive connection stops allocating once its buffers
// have grown. Beast still does the parsing and enforces header_limit and
// body_limit.
//
// Fills method, target, headers (names lower-cased, trailers of a chunked body
// left out) and body; path and query are left to split_target. One reader per
// request; `request` must outlive it and should have been reset_request'ed.
class RequestReader final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestReader(Request& request) : request_(request) {}

  // The request line's version times ten: 10 for HTTP/1.0, 11 for HTTP/1.1.
  int version() const { return version_; }
  // How many Host fields the head had (RFC 9112 3.2 wants exactly one).
  int host_count() const { return host_count_; }
  // True when the head had "Expect: 100-continue".
  bool expects_continue() const { return expect_continue_; }

  // From now on, body bytes go to `consumer` instead of Request::body. When
  // its consume() returns false, parsing stops with an error and
  // consumer_refused() turns true.
  void stream_body_to(BodyConsumer* consumer) { consumer_ = consumer; }
  bool consumer_refused() const { return consumer_refused_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::system::error_code;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                       error_code&) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  // Appends to the request or hands to the consumer.
  std::size_t take_body(string_view body, error_code& ec);

  Request& request_;
  BodyConsumer* consumer_ = nullptr;
  bool consumer_refused_ = false;
  std::size_t fields_ = 0;  // fields of this head so far; request_.headers may hold more, reused
  int version_ = 11;
  int host_count_ = 0;
  bool expect_continue_ = false;
};

// Clears what the previous request on the connection left in `request`
// (method, target, path, query, body, request id), keeping the strings'
// capacity. Headers are overwritten by the next RequestReader; remote_address
// belongs to the connection and stays.
void reset_request(Request& request);

// True when `ec`, from reading a request, means the input is not valid HTTP
// (answered with 400), as opposed to the stream ending before a whole request.
bool is_parse_error(const boost::system::error_code& ec);

}  // namespace iv::web
