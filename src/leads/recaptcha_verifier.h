// Google reCAPTCHA verification (optional, when RECAPTCHA_SECRET is set):
// POSTs the token a page's reCAPTCHA widget produced to the siteverify
// endpoint and reads `success`. Blocking (one HTTP call): callers run it off
// their I/O threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace iv::integrations {
class HttpClient;
}

namespace iv::leads {

struct RecaptchaSettings {
  std::string secret;  // RECAPTCHA_SECRET; empty: not configured
  std::string verify_url = "https://www.google.com/recaptcha/api/siteverify";  // RECAPTCHA_VERIFY_URL
  std::chrono::milliseconds timeout{5000};
};

class RecaptchaVerifier {
 public:
  // `http` must outlive the verifier.
  RecaptchaVerifier(RecaptchaSettings settings, integrations::HttpClient& http);

  bool configured() const { return !settings_.secret.empty(); }

  enum class Verdict {
    passed,
    failed,       // Google says the token is not valid (or it is empty)
    unavailable,  // no answer we can read: the caller decides (we treat it as no challenge)
  };
  Verdict verify(std::string_view token, std::string_view remote_address);

 private:
  RecaptchaSettings settings_;
  integrations::HttpClient& http_;
};

// application/x-www-form-urlencoded encoding of one value.
std::string form_encode(std::string_view value);

}  // namespace iv::leads
