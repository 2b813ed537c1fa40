#include "web/response_writer.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "observe/log.h"
#include "web/number_text.h"

namespace iv::web {
namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_safe_header(const Header& h) {
  if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), is_token_char)) return false;
  return std::none_of(h.value.begin(), h.value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool starts_with_api(std::string_view target) {
  return target.starts_with("/api/");
}

}  // namespace

bool has_no_body(int status) {
  return status < 200 || status == 204 || status == 304;
}

ResponseHeadWriter::ResponseHeadWriter(const std::vector<Header>& server_headers) {
  for (const Header& header : server_headers) {
    server_block_.append(header.name).append(": ").append(header.value).append("\r\n");
    server_names_.push_back(header.name);
  }
}

void ResponseHeadWriter::write(std::string& head, const Response& response, const HeadFraming& framing,
                               std::string_view date_line, const TraceContext& trace) const {
  head.clear();
  head.append("HTTP/1.1 ");
  append_decimal(head, static_cast<std::uint64_t>(response.status));
  head.push_back(' ');
  head.append(reason_phrase(response.status));
  head.append("\r\n");
  head.append(date_line);
  if (!has_no_body(response.status)) {
    head.append("Content-Length: ");
    append_decimal(head, framing.content_length);
    head.append("\r\n");
  }
  if (!framing.keep_alive) {
    head.append("Connection: close\r\n");
  } else if (framing.request_version == 10) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append(server_block_);
  head.append("traceparent: ");
  append_traceparent(head, trace);
  head.append("\r\n");
  head.append("X-Request-Id: ").append(trace.trace_id.data(), trace.trace_id.size()).append("\r\n");
  for (const Header& h : response.headers) {
    if (is_server_owned(h.name) || !is_safe_header(h)) continue;
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  head.append("\r\n");
}

bool ResponseHeadWriter::is_server_owned(std::string_view name) const {
  static constexpr std::array<std::string_view, 5> framing = {"content-length", "transfer-encoding",
                                                              "connection", "date", "keep-alive"};
  for (std::string_view owned : framing) {
    if (iequals(name, owned)) return true;
  }
  return std::any_of(server_names_.begin(), server_names_.end(),
                     [&](const std::string& owned) { return iequals(name, owned); });
}

Response server_answer(int status, std::string_view target, std::string_view detail) {
  Response response;
  response.status = status;
  if (starts_with_api(target)) {
    response.headers.push_back({"Content-Type", "application/problem+json"});
    response.body = "{\"type\":\"about:blank\",\"title\":";
    observe::append_json_string(response.body, reason_phrase(status));
    response.body.append(",\"status\":");
    append_decimal(response.body, static_cast<std::uint64_t>(status));
    response.body.append(",\"detail\":");
    observe::append_json_string(response.body, detail);
    response.body.push_back('}');
  } else {
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    append_decimal(response.body, static_cast<std::uint64_t>(status));
    response.body.append(" ").append(reason_phrase(status)).append("\n").append(detail).append("\n");
  }
  response.headers.push_back({"Cache-Control", "no-store"});
  if (status == 503) response.headers.push_back({"Retry-After", "1"});
  return response;
}

std::string_view detail_for(int status) {
  switch (status) {
    case 400:
      return "The request could not be understood.";
    case 408:
      return "The request did not arrive in time.";
    case 413:
      return "The request body is larger than this endpoint accepts.";
    case 431:
      return "The request header fields are too large.";
    case 503:
      return "The server is at its connection limit; retry in a moment.";
    case 505:
      return "Only HTTP/1.0 and HTTP/1.1 are supported.";
    default:
      return "";
  }
}

}  // namespace iv::web
