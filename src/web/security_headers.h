// Security headers the server appends to every response, including the ones
// it generates itself (400, 408, 413, 431, 503...). Handlers never set them.
#pragma once

#include <vector>

#include "web/http.h"

namespace iv::web {

// Content-Security-Policy (no inline script or style, no framing, no plugins),
// X-Content-Type-Options, Referrer-Policy, Permissions-Policy, X-Frame-Options,
// Cross-Origin-Opener-Policy, and Strict-Transport-Security when `behind_tls`
// (HSTS over plain HTTP is ignored by browsers and would only mislead).
std::vector<Header> security_headers(bool behind_tls);

}  // namespace iv::web
