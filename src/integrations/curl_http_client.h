// HttpClient on libcurl (HTTP/1.1 and HTTP/2 over TLS where the server offers it).
//
// Every send() uses its own easy handle, so the client is thread-safe without
// locks and one slow call never holds up another; the price is a new
// connection (and TLS handshake) per call, which is fine for the few calls a
// delivery job makes. Redirects are not followed (an API that redirects is
// misconfigured, and following would resend the bearer token elsewhere), and
// only http and https URLs are accepted.
#pragma once

#include <cstddef>
#include <string>

#include "integrations/http_client.h"

namespace iv::integrations {

// Initialises libcurl's global state (curl_global_init) exactly once per
// process; safe to call from any thread, any number of times. CurlHttpClient
// and SmtpMailer call it in their constructors; main may call it early so the
// cost is paid at start-up.
void init_curl_once();

struct CurlHttpClientSettings {
  std::string user_agent = "IndiVillage/1.0 (+https://indivillage.com)";
  // A larger body fails the call with a TransportError (the connection is
  // dropped as soon as the limit is passed).
  std::size_t max_response_bytes = 1 << 20;
  // Trust store; empty means libcurl's built-in defaults (the system store).
  std::string ca_file;
  std::string ca_path;
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientSettings settings = {});

  // Sends `request` and waits for the whole response or `request.timeout`.
  // Any HTTP status is a response (4xx and 5xx included); only the absence of
  // a complete response is a TransportError. Response header names are
  // lower-cased; when the server sent interim responses (100 Continue) only
  // the final one's headers are kept.
  std::expected<HttpResponse, TransportError> send(const HttpRequest& request) override;

  const CurlHttpClientSettings& settings() const { return settings_; }

 private:
  CurlHttpClientSettings settings_;
};

}  // namespace iv::integrations
