#include "web/http_reader.h"

#include <algorithm>

#include <boost/beast/http/error.hpp>

namespace iv::web {
namespace {

namespace http = boost::beast::http;

// The body's declared length reserves at most this much up front, so a false
// Content-Length cannot make the server allocate more than it will receive.
constexpr std::size_t kMaxBodyReserve = 1024 * 1024;

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

// Qualified: basic_parser has a private parse_method of its own.
void RequestReader::on_request_impl(http::verb, string_view method, string_view target, int version,
                                    error_code&) {
  request_.method = iv::web::parse_method(std::string_view(method.data(), method.size()));
  request_.target.assign(target.data(), target.size());
  version_ = version;
}

void RequestReader::on_field_impl(http::field field, string_view name, string_view value, error_code&) {
  if (is_header_done()) return;  // chunked trailers: not part of the head handlers see
  if (field == http::field::host) ++host_count_;
  if (field == http::field::expect)
    expect_continue_ = iequals(std::string_view(value.data(), value.size()), "100-continue");
  if (fields_ == request_.headers.size()) request_.headers.emplace_back();
  Header& header = request_.headers[fields_++];
  header.name.resize(name.size());
  std::transform(name.begin(), name.end(), header.name.begin(), ascii_lower);
  header.value.assign(value.data(), value.size());
}

void RequestReader::on_header_impl(error_code&) {
  request_.headers.resize(fields_);
}

void RequestReader::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length && consumer_ == nullptr)
    request_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, kMaxBodyReserve)));
}

std::size_t RequestReader::on_body_impl(string_view body, error_code& ec) {
  return take_body(body, ec);
}

std::size_t RequestReader::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return take_body(body, ec);
}

std::size_t RequestReader::take_body(string_view body, error_code& ec) {
  if (consumer_ == nullptr) {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  if (!consumer_->consume(std::string_view(body.data(), body.size()))) {
    consumer_refused_ = true;
    ec = http::error::body_limit;  // any error stops the parser; consumer_refused() tells it apart
  }
  return body.size();
}

void reset_request(Request& request) {
  request.method = Method::other;
  request.target.clear();
  request.path.clear();
  request.raw_query.clear();
  if (!request.query.empty()) request.query = QueryParams{};
  request.body.clear();
  request.request_id.clear();
}

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace iv::web
