// Plain HTTP request and response types shared by the server and the handlers.
//
// Handlers never see Boost.Beast: the server (server.cpp) converts the wire
// format to these structs and back, so pages and API code compile quickly and
// can be unit-tested without a socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iv::web {

enum class Method : std::uint8_t { get, head, post, put, patch, del, options, other };

// "GET" -> Method::get; anything unknown -> Method::other.
Method parse_method(std::string_view text);
std::string_view method_name(Method m);

struct Header {
  std::string name;  // lower-case for request headers; as written for responses
  std::string value;
};

// Decoded query parameters in the order they appeared. Names and values are
// percent-decoded ('+' becomes a space). Invalid encodings are reported by
// parse_query, never silently repaired.
class QueryParams {
 public:
  QueryParams() = default;
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> items) : items_(std::move(items)) {}

  // First value for `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Parses "a=1&b=x%20y". Returns nullopt when a percent escape is malformed.
std::optional<QueryParams> parse_query(std::string_view raw);

// Percent-decodes a path or query component. `plus_as_space` is for query
// strings. Returns nullopt on a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space);

// Percent-encodes for use inside a query value or a path segment.
std::string percent_encode(std::string_view in);

struct Request {
  Method method = Method::get;
  std::string target;           // raw request-target, e.g. "/case-studies?industry=retail"
  std::string path;             // percent-decoded path without the query
  std::string raw_query;        // text after '?', undecoded; empty when absent
  QueryParams query;            // decoded raw_query
  std::vector<Header> headers;  // names lower-case
  std::string body;
  std::string remote_address;  // peer IP address as text
  std::string request_id;      // trace id (W3C traceparent) assigned by the server

  // Value of the first header named `lower_name` (which must be lower-case).
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

struct Response;

// A response that another thread will produce later (e.g. after a group
// commit makes a form submission durable). The handler returns a Response
// whose `pending` is set; the server waits for fulfil() without blocking its
// I/O thread, then sends the real response.
class PendingResponse {
 public:
  // Called exactly once by the producer, from any thread.
  void fulfil(Response response);
  // Called once by the server. `ready` runs on the fulfilling thread, or at
  // once on the caller's thread when the response is already there.
  void on_ready(std::function<void(Response)> ready);

 private:
  std::mutex mutex_;
  std::unique_ptr<Response> response_;
  std::function<void(Response)> ready_;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;  // e.g. {"Content-Type", "text/html; charset=utf-8"}
  std::string body;
  // When set, sent instead of `body` without copying (cached pages, assets).
  std::shared_ptr<const std::string> shared_body;
  // Route pattern for metrics and logs (points into the Router, which outlives
  // the server); empty means no route matched.
  std::string_view route;
  // When set, everything else is ignored: the real response arrives through it.
  std::shared_ptr<PendingResponse> pending;

  std::string_view body_view() const {
    return shared_body ? std::string_view(*shared_body) : std::string_view(body);
  }
  std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
  // Replaces any header of the same name (case-insensitive).
  void set_header(std::string name, std::string value);
};

std::string_view reason_phrase(int status);

// Case-insensitive ASCII comparison, for header names.
bool iequals(std::string_view a, std::string_view b);

}  // namespace iv::web
