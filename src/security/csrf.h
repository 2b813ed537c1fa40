// CSRF protection for the HTML forms: a signed double-submit token bound to a
// random SameSite=Lax cookie, checked together with the Origin (or Referer)
// header. The form token also carries its issue time, which gives the
// minimum-fill-time check ("a human needs a few seconds") for free.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iv::security {

struct CsrfSettings {
  // e.g. {"https://indivillage.com"}; scheme://host[:port], compared without
  // case and default port. Empty refuses every form post (bad_origin).
  std::vector<std::string> allowed_origins;
  std::chrono::seconds token_ttl{std::chrono::hours(12)};
  std::string cookie_name = "iv_csrf";
  bool secure_cookie = false;  // add Secure (behind TLS)
};

class CsrfProtector {
 public:
  // `secret_key` is SECRET_KEY (at least 32 characters; std::invalid_argument
  // otherwise); the signing key is derived from it for this purpose only.
  CsrfProtector(std::string_view secret_key, CsrfSettings settings);

  struct Issued {
    std::string form_token;                 // goes in the hidden field "csrf_token"
    std::optional<std::string> set_cookie;  // full Set-Cookie value when a new cookie is needed
  };
  // `cookie_header` is the request's Cookie header (may be empty).
  Issued issue(std::string_view cookie_header, std::chrono::system_clock::time_point now) const;

  enum class Verdict { ok, missing_token, bad_token, expired, cookie_mismatch, bad_origin };
  struct Check {
    Verdict verdict = Verdict::missing_token;
    std::chrono::system_clock::time_point issued_at{};  // valid when verdict == ok
  };
  Check verify(std::string_view cookie_header, std::string_view form_token,
               std::optional<std::string_view> origin, std::optional<std::string_view> referer,
               std::chrono::system_clock::time_point now) const;

  static std::string_view describe(Verdict v);  // for logs and the visitor-facing message

 private:
  std::string key_;        // HMAC-SHA256 key derived from SECRET_KEY
  CsrfSettings settings_;  // allowed_origins normalised (lower case, no default port)
};

}  // namespace iv::security
