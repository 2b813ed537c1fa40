#include "web/security_headers.h"

namespace iv::web {

std::vector<Header> security_headers(bool behind_tls) {
  std::vector<Header> headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"Permissions-Policy",
       "camera=(), microphone=(), geolocation=(), interest-cohort=(), browsing-topics=(), payment=(), "
       "usb=()"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  if (behind_tls) headers.push_back({"Strict-Transport-Security", "max-age=63072000; includeSubDomains"});
  return headers;
}

}  // namespace iv::web
