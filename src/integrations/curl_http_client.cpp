#include "integrations/curl_http_client.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include <curl/curl.h>

#include "integrations/curl_handles.h"

namespace iv::integrations {
namespace {

using curl_handles::EasyHandle;
using HeaderList = curl_handles::SlistHandle;

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// What the libcurl callbacks fill in during one transfer.
struct Exchange {
  std::size_t max_body = 0;
  bool body_too_large = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  if (exchange.body.size() + n > exchange.max_body) {
    exchange.body_too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  exchange.body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line: whatever came before belonged to an interim response.
    exchange.headers.clear();
    return n;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // blank line or junk
  std::string name(trim(line.substr(0, colon)));
  std::ranges::transform(name, name.begin(), ascii_lower);
  exchange.headers.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
  return n;
}

// Header lines must not smuggle a second header or a request line.
bool is_safe_header_text(std::string_view text) {
  return std::ranges::none_of(text, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

TransportError transport_error(CURLcode code, const char* detail, const Exchange& exchange,
                               std::size_t max_body) {
  if (exchange.body_too_large) {
    return {"response body larger than " + std::to_string(max_body) + " bytes", false};
  }
  if (code == CURLE_FILESIZE_EXCEEDED) {
    return {"response body larger than " + std::to_string(max_body) + " bytes (Content-Length)", false};
  }
  std::string message = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') message += std::string(": ") + detail;
  return {std::move(message), code == CURLE_OPERATION_TIMEDOUT};
}

void set_method_and_body(CURL* curl, const HttpRequest& request) {
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    return;
  }
  // POSTFIELDS with an explicit size sends the body as is (binary safe); a
  // custom method turns the POST into PUT, PATCH, DELETE, ...
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

}  // namespace

void init_curl_once() {
  // The one piece of process-wide state: libcurl requires curl_global_init
  // before any handle is made, and it must not run twice concurrently.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

std::optional<std::string_view> HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

CurlHttpClient::CurlHttpClient(CurlHttpClientSettings settings) : settings_(std::move(settings)) {
  init_curl_once();
}

std::expected<HttpResponse, TransportError> CurlHttpClient::send(const HttpRequest& request) {
  if (!is_safe_header_text(request.method) || request.method.empty()) {
    return std::unexpected(TransportError{"invalid HTTP method", false});
  }
  EasyHandle handle(curl_easy_init());
  if (!handle) return std::unexpected(TransportError{"curl_easy_init failed", false});
  CURL* curl = handle.get();

  HeaderList header_list;
  for (const auto& [name, value] : request.headers) {
    if (!is_safe_header_text(name) || !is_safe_header_text(value) || name.empty()) {
      return std::unexpected(TransportError{"invalid request header", false});
    }
    if (!curl_handles::append(header_list, name + ": " + value)) {
      return std::unexpected(TransportError{"out of memory", false});
    }
  }
  // Without this libcurl waits up to a second for "100 Continue" on larger bodies.
  if (!curl_handles::append(header_list, "Expect:")) {
    return std::unexpected(TransportError{"out of memory", false});
  }

  Exchange exchange;
  exchange.max_body = settings_.max_response_bytes;
  char error_detail[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, settings_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can decode
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(settings_.max_response_bytes));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_detail);
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.ca_path.empty()) curl_easy_setopt(curl, CURLOPT_CAPATH, settings_.ca_path.c_str());
  set_method_and_body(curl, request);

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    return std::unexpected(transport_error(code, error_detail, exchange, settings_.max_response_bytes));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  HttpResponse response;
  response.status = static_cast<int>(status);
  response.headers = std::move(exchange.headers);
  response.body = std::move(exchange.body);
  return response;
}

}  // namespace iv::integrations
