// What the server writes by itself: the head (status line and header fields)
// in front of every response body, and the answers it gives to requests it
// does not hand to the handler.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "web/http.h"
#include "web/trace_context.h"

namespace iv::web {

// True for statuses whose responses never carry a body (1xx, 204, 304): they
// get neither body bytes nor Content-Length.
bool has_no_body(int status);

// How a head frames its body and the connection.
struct HeadFraming {
  std::size_t content_length = 0;  // not written for has_no_body statuses
  bool keep_alive = true;          // false: "Connection: close"
  int request_version = 11;        // 10: keep-alive must be announced
};

class ResponseHeadWriter {
 public:
  // `server_headers` (the security headers) go into every head, and a
  // handler's headers of the same names are dropped in their favour.
  explicit ResponseHeadWriter(const std::vector<Header>& server_headers);

  // Replaces `head` with, in this order: "HTTP/1.1 <status> <reason>",
  // `date_line` (a complete "Date: ...\r\n" line), Content-Length unless
  // has_no_body, "Connection: close" when not keep_alive or
  // "Connection: keep-alive" for a persistent HTTP/1.0 exchange, the server
  // headers, traceparent and X-Request-Id (the trace id) from `trace`, then
  // the response's own headers, and the blank line that ends the head.
  // Response headers are dropped when the server owns them (Content-Length,
  // Transfer-Encoding, Connection, Date, Keep-Alive, the server headers; any
  // case) or when they would break the framing: a name that is not an HTTP
  // token, or CR, LF or NUL in the value (response splitting).
  void write(std::string& head, const Response& response, const HeadFraming& framing,
             std::string_view date_line, const TraceContext& trace) const;

 private:
  bool is_server_owned(std::string_view name) const;

  std::string server_block_;  // the server headers as "Name: value\r\n" lines
  std::vector<std::string> server_names_;
};

// The answer the server gives by itself (400, 408, 413, 431, 500, 503, 505):
// application/problem+json when `target` is under /api/, plain text elsewhere,
// both stating the status, its reason phrase and `detail`; always
// "Cache-Control: no-store", and "Retry-After: 1" with 503.
Response server_answer(int status, std::string_view target, std::string_view detail);

// The detail text for the statuses the server produces by itself from
// protocol errors (400, 408, 413, 431, 503, 505); empty for other statuses.
std::string_view detail_for(int status);

}  // namespace iv::web
