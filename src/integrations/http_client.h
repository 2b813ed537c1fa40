// Outbound HTTP for integrations (HubSpot, reCAPTCHA, ...). The libcurl
// implementation lives in curl_http_client.cpp; tests may substitute fakes.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iv::integrations {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // whole exchange
  std::chrono::milliseconds connect_timeout{3000};
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

// The request did not produce an HTTP response (DNS, connect, TLS, timeout).
struct TransportError {
  std::string message;
  bool timed_out = false;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Thread-safe. Response bodies above `max_response_bytes` (1 MiB) are an error.
  virtual std::expected<HttpResponse, TransportError> send(const HttpRequest& request) = 0;
};

}  // namespace iv::integrations
