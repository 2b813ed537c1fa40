#include "security/csrf.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "security/crypto_primitives.h"

// Formats:
//   cookie      iv_csrf=<base64url(32 random bytes)>   (43 characters)
//   form token  "v1.<issued_at unix seconds>.<cookie id>.<mac>"
//     cookie id = base64url(HMAC(key, "id|" + cookie)[0..9])       (12 characters)
//     mac       = base64url(HMAC(key, "v1|" + issued_at + "|" + cookie))  (43 characters)
// The mac binds the token to the cookie and its issue time. The cookie id is
// not needed for security; it tells "this token belongs to another cookie"
// (a benign cookie change: the visitor reloads the form) apart from "this
// token was altered" (an attack), which the mac alone cannot.

namespace iv::security {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::size_t kMinSecretLength = 32;
constexpr std::size_t kCookieRandomBytes = 32;
constexpr std::size_t kCookieValueLength = 43;
constexpr std::size_t kCookieIdBytes = 9;
constexpr std::size_t kCookieIdLength = 12;
constexpr std::size_t kMacLength = 43;
constexpr std::size_t kMaxTimestampDigits = 12;
constexpr std::size_t kMaxCookiesTried = 4;
// Tokens come only from us, so one from the future means a clock step back.
constexpr std::chrono::seconds kClockSkew{300};
constexpr std::string_view kTokenVersion = "v1";

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// All values of cookie `name` in a Cookie header, in order ("a=1; b=2",
// optional spaces, optional double quotes around a value, "; " repeated).
std::vector<std::string_view> cookie_values(std::string_view header, std::string_view name) {
  std::vector<std::string_view> values;
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    const std::string_view pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || trim(pair.substr(0, equals)) != name) continue;
    std::string_view value = trim(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    values.push_back(value);
  }
  return values;
}

bool is_well_formed_cookie(std::string_view value) {
  if (value.size() != kCookieValueLength) return false;
  const auto raw = crypto::from_base64url(value);
  return raw && raw->size() == kCookieRandomBytes;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "scheme://host[:port]" in canonical form, or nullopt when `text` is not an
// http(s) origin. With `allow_path` (Referer) anything after the authority is
// dropped; without it (Origin, configuration) only a trailing "/" is allowed.
std::optional<std::string> canonical_origin(std::string_view text, bool allow_path) {
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;

  std::string_view rest = text.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos && !allow_path && rest.substr(authority_end) != "/") {
    return std::nullopt;
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  const std::string_view default_port = scheme == "https" ? ":443" : ":80";
  if (authority.ends_with(default_port)) authority.remove_suffix(default_port.size());
  return scheme + "://" + lower(authority);
}

struct ParsedToken {
  std::int64_t issued_at = 0;
  std::string_view timestamp;  // as written, the exact text the mac covers
  std::string_view cookie_id;
  std::string_view mac;
};

std::optional<ParsedToken> parse_token(std::string_view token) {
  const std::string prefix = std::string(kTokenVersion) + ".";
  if (!token.starts_with(prefix)) return std::nullopt;
  token.remove_prefix(prefix.size());

  ParsedToken parsed;
  const std::size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  parsed.timestamp = token.substr(0, first_dot);
  token.remove_prefix(first_dot + 1);
  const std::size_t second_dot = token.find('.');
  if (second_dot == std::string_view::npos) return std::nullopt;
  parsed.cookie_id = token.substr(0, second_dot);
  parsed.mac = token.substr(second_dot + 1);

  const std::string_view ts = parsed.timestamp;
  if (ts.empty() || ts.size() > kMaxTimestampDigits ||
      !std::ranges::all_of(ts, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::from_chars(ts.data(), ts.data() + ts.size(), parsed.issued_at);
  if (parsed.cookie_id.size() != kCookieIdLength || parsed.mac.size() != kMacLength) return std::nullopt;
  return parsed;
}

std::string cookie_id(std::string_view key, std::string_view cookie) {
  const std::string mac = crypto::hmac_sha256(key, "id|" + std::string(cookie));
  return crypto::to_base64url(std::string_view(mac).substr(0, kCookieIdBytes));
}

std::string token_mac(std::string_view key, std::string_view timestamp, std::string_view cookie) {
  std::string message(kTokenVersion);
  message.append("|").append(timestamp).append("|").append(cookie);
  return crypto::to_base64url(crypto::hmac_sha256(key, message));
}

}  // namespace

CsrfProtector::CsrfProtector(std::string_view secret_key, CsrfSettings settings)
    : settings_(std::move(settings)) {
  if (secret_key.size() < kMinSecretLength) {
    throw std::invalid_argument("SECRET_KEY must be at least 32 characters");
  }
  crypto::ensure_initialised();
  key_ = crypto::hmac_sha256(secret_key, "indivillage/csrf/v1");
  for (std::string& origin : settings_.allowed_origins) {
    const std::optional<std::string> canonical = canonical_origin(origin, false);
    if (!canonical) throw std::invalid_argument("CSRF allowed origin is not scheme://host[:port]: " + origin);
    origin = *canonical;
  }
}

CsrfProtector::Issued CsrfProtector::issue(std::string_view cookie_header, Clock::time_point now) const {
  Issued issued;
  std::string cookie;
  for (const std::string_view value : cookie_values(cookie_header, settings_.cookie_name)) {
    if (is_well_formed_cookie(value)) {
      cookie = value;
      break;
    }
  }
  if (cookie.empty()) {
    cookie = crypto::to_base64url(crypto::random_bytes(kCookieRandomBytes));
    // The cookie outlives a token issued at its very end only if it lasts
    // longer than one token; twice the token lifetime keeps that margin.
    const auto max_age = settings_.token_ttl.count() * 2;
    std::string header = settings_.cookie_name + "=" + cookie +
                         "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
    if (settings_.secure_cookie) header += "; Secure";
    issued.set_cookie = std::move(header);
  }

  const std::string timestamp = std::to_string(unix_seconds(now));
  issued.form_token = std::string(kTokenVersion) + "." + timestamp + "." + cookie_id(key_, cookie) + "." +
                      token_mac(key_, timestamp, cookie);
  return issued;
}

CsrfProtector::Check CsrfProtector::verify(std::string_view cookie_header, std::string_view form_token,
                                           std::optional<std::string_view> origin,
                                           std::optional<std::string_view> referer,
                                           Clock::time_point now) const {
  // Origin first: it is what a cross-site forgery cannot fake, and modern
  // browsers send it on every POST. Referer only stands in when it is absent.
  std::optional<std::string> request_origin;
  if (origin && !origin->empty()) {
    request_origin = canonical_origin(*origin, false);
  } else if (referer && !referer->empty()) {
    request_origin = canonical_origin(*referer, true);
  }
  if (!request_origin ||
      std::ranges::find(settings_.allowed_origins, *request_origin) == settings_.allowed_origins.end()) {
    return {Verdict::bad_origin};
  }

  if (form_token.empty()) return {Verdict::missing_token};
  const std::optional<ParsedToken> token = parse_token(form_token);
  if (!token) return {Verdict::bad_token};

  const std::vector<std::string_view> cookies = cookie_values(cookie_header, settings_.cookie_name);
  std::size_t tried = 0;
  for (const std::string_view cookie : cookies) {
    if (!is_well_formed_cookie(cookie)) continue;
    if (++tried > kMaxCookiesTried) break;
    if (!crypto::equal_constant_time(cookie_id(key_, cookie), token->cookie_id)) continue;
    if (!crypto::equal_constant_time(token_mac(key_, token->timestamp, cookie), token->mac)) {
      return {Verdict::bad_token};
    }
    // Compared in whole seconds: a forged far-future time cannot overflow.
    const std::int64_t age = unix_seconds(now) - token->issued_at;
    if (age < -kClockSkew.count()) return {Verdict::bad_token};
    if (age > settings_.token_ttl.count()) return {Verdict::expired};
    return {Verdict::ok, Clock::time_point{std::chrono::seconds(token->issued_at)}};
  }
  return {Verdict::cookie_mismatch};
}

std::string_view CsrfProtector::describe(Verdict v) {
  switch (v) {
    case Verdict::ok:
      return "ok";
    case Verdict::missing_token:
      return "the form has no security token";
    case Verdict::bad_token:
      return "the form's security token is invalid";
    case Verdict::expired:
      return "the form has expired; please submit it again";
    case Verdict::cookie_mismatch:
      return "the form was opened in another browser session; please submit it again";
    case Verdict::bad_origin:
      return "the form was not sent from this site";
  }
  return "unknown";
}

}  // namespace iv::security
