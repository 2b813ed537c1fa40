#include "security/altcha.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/json.hpp>

#include "security/crypto_primitives.h"

// Challenge layout (ALTCHA protocol v1, which the v3 widget still solves):
//   salt      = <24 hex random> "?expires=" <unix seconds> "&sig=" <32 hex> "&"
//   challenge = hex(SHA-256(salt + decimal(number))), number uniform in [0, max_number]
//   signature = hex(HMAC-SHA256(signature_key, challenge))
// "sig" is a truncated HMAC of the salt's first part under a second key, so an
// altered salt (a later expiry) is rejected as a bad signature without relying
// on SHA-256 preimage resistance. The widget treats the salt as opaque bytes
// (it shows its query parameters as data and reads "expires" to announce
// expiry). The closing "&" follows the ALTCHA libraries: digits moved from the
// number to the end of the salt give the same hash, and the strict salt format
// checked here refuses such a spliced salt.

namespace iv::security {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::size_t kMinSecretLength = 32;
constexpr std::size_t kSaltRandomBytes = 12;
constexpr std::size_t kSaltMacBytes = 16;
constexpr std::size_t kMaxPayloadLength = 4096;  // a real payload is about 400 characters
constexpr std::size_t kMaxExpiryDigits = 12;
constexpr std::string_view kAlgorithm = "SHA-256";
constexpr std::string_view kExpiresParam = "?expires=";
constexpr std::string_view kSaltMacParam = "&sig=";

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool is_lower_hex(std::string_view s) {
  return std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_decimal(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

std::string salt_mac(std::string_view key, std::string_view salt_body) {
  return crypto::to_hex(crypto::hmac_sha256(key, salt_body).substr(0, kSaltMacBytes));
}

struct SaltParts {
  std::string_view body;  // "<random>?expires=<t>", what "sig" covers
  std::string_view mac;
  std::int64_t expires = 0;
};

// Accepts exactly the salts create() makes; anything else is malformed.
std::optional<SaltParts> parse_salt(std::string_view salt) {
  constexpr std::size_t kRandomHexLength = kSaltRandomBytes * 2;
  if (salt.size() < kRandomHexLength || !is_lower_hex(salt.substr(0, kRandomHexLength))) return std::nullopt;
  std::string_view rest = salt.substr(kRandomHexLength);
  if (!rest.starts_with(kExpiresParam) || !rest.ends_with('&')) return std::nullopt;
  rest = rest.substr(kExpiresParam.size(), rest.size() - kExpiresParam.size() - 1);

  const std::size_t mac_at = rest.find(kSaltMacParam);
  if (mac_at == std::string_view::npos) return std::nullopt;
  const std::string_view expires = rest.substr(0, mac_at);
  SaltParts parts;
  parts.mac = rest.substr(mac_at + kSaltMacParam.size());
  if (!is_decimal(expires) || expires.size() > kMaxExpiryDigits || parts.mac.size() != kSaltMacBytes * 2 ||
      !is_lower_hex(parts.mac)) {
    return std::nullopt;
  }
  std::from_chars(expires.data(), expires.data() + expires.size(), parts.expires);
  parts.body = salt.substr(0, kRandomHexLength + kExpiresParam.size() + expires.size());
  return parts;
}

struct Payload {
  std::string algorithm;
  std::string challenge;
  std::int64_t number = 0;
  std::string salt;
  std::string signature;
};

std::optional<std::string> string_field(const boost::json::object& object, std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

std::optional<Payload> parse_payload(std::string_view payload_base64) {
  if (payload_base64.size() > kMaxPayloadLength) return std::nullopt;
  const std::optional<std::string> json = crypto::from_base64(payload_base64);
  if (!json) return std::nullopt;

  boost::system::error_code error;
  const boost::json::value document = boost::json::parse(*json, error);
  if (error || !document.is_object()) return std::nullopt;
  const boost::json::object& object = document.get_object();

  Payload payload;
  auto algorithm = string_field(object, "algorithm");
  auto challenge = string_field(object, "challenge");
  auto salt = string_field(object, "salt");
  auto signature = string_field(object, "signature");
  const boost::json::value* number = object.if_contains("number");
  if (!algorithm || !challenge || !salt || !signature || number == nullptr) return std::nullopt;
  if (number->is_int64() && number->get_int64() >= 0) {
    payload.number = number->get_int64();
  } else if (number->is_uint64() && number->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    payload.number = static_cast<std::int64_t>(number->get_uint64());
  } else {
    return std::nullopt;  // negative, fractional or not a number
  }
  payload.algorithm = std::move(*algorithm);
  payload.challenge = std::move(*challenge);
  payload.salt = std::move(*salt);
  payload.signature = std::move(*signature);
  return payload;
}

}  // namespace

Altcha::Altcha(std::string_view secret_key, AltchaSettings settings, ReplayGuard& replay_guard)
    : settings_(settings), replay_guard_(replay_guard) {
  if (secret_key.size() < kMinSecretLength) {
    throw std::invalid_argument("SECRET_KEY must be at least 32 characters");
  }
  if (settings_.max_number < 1) throw std::invalid_argument("ALTCHA max_number must be at least 1");
  crypto::ensure_initialised();
  signature_key_ = crypto::hmac_sha256(secret_key, "indivillage/altcha/v1/signature");
  salt_key_ = crypto::hmac_sha256(secret_key, "indivillage/altcha/v1/salt");
}

AltchaChallenge Altcha::create(Clock::time_point now) const {
  const std::string body = crypto::to_hex(crypto::random_bytes(kSaltRandomBytes)) +
                           std::string(kExpiresParam) + std::to_string(unix_seconds(now + settings_.ttl));
  const std::int64_t number =
      static_cast<std::int64_t>(crypto::random_uniform(static_cast<std::uint64_t>(settings_.max_number)));

  AltchaChallenge challenge;
  challenge.salt = body + std::string(kSaltMacParam) + salt_mac(salt_key_, body) + "&";
  challenge.challenge = crypto::to_hex(crypto::sha256(challenge.salt + std::to_string(number)));
  challenge.signature = crypto::to_hex(crypto::hmac_sha256(signature_key_, challenge.challenge));
  challenge.maxnumber = settings_.max_number;
  return challenge;
}

Altcha::Verdict Altcha::verify(std::string_view payload_base64, Clock::time_point now) const {
  if (payload_base64.empty()) return Verdict::missing;
  const std::optional<Payload> payload = parse_payload(payload_base64);
  if (!payload || payload->algorithm != kAlgorithm) return Verdict::malformed;
  const std::optional<SaltParts> salt = parse_salt(payload->salt);
  if (!salt) return Verdict::malformed;

  // Authenticity before anything else, so "expired" and "wrong solution" are
  // only ever said about challenges we issued.
  if (!crypto::equal_constant_time(salt_mac(salt_key_, salt->body), salt->mac)) return Verdict::bad_signature;
  const std::string expected_signature =
      crypto::to_hex(crypto::hmac_sha256(signature_key_, payload->challenge));
  if (!crypto::equal_constant_time(expected_signature, payload->signature)) return Verdict::bad_signature;

  if (unix_seconds(now) > salt->expires) return Verdict::expired;

  const std::string solved = crypto::to_hex(crypto::sha256(payload->salt + std::to_string(payload->number)));
  if (!crypto::equal_constant_time(solved, payload->challenge)) return Verdict::wrong_solution;

  // Spent until it expires anyway; after that the expiry check refuses it.
  const Clock::time_point expires{std::chrono::seconds(salt->expires)};
  if (!replay_guard_.first_use(payload->signature, expires)) return Verdict::replayed;
  return Verdict::ok;
}

std::string_view Altcha::describe(Verdict v) {
  switch (v) {
    case Verdict::ok:
      return "ok";
    case Verdict::missing:
      return "the anti-spam check was not completed";
    case Verdict::malformed:
      return "the anti-spam check answer is malformed";
    case Verdict::bad_signature:
      return "the anti-spam check was not issued by this site";
    case Verdict::wrong_solution:
      return "the anti-spam check answer is wrong";
    case Verdict::expired:
      return "the anti-spam check has expired; please try again";
    case Verdict::replayed:
      return "the anti-spam check answer was already used";
  }
  return "unknown";
}

}  // namespace iv::security
