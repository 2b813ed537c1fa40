// Self-hosted proof-of-work challenge compatible with the ALTCHA protocol
// (https://altcha.org): challenge = hex(SHA-256(salt + number)), signed with
// HMAC-SHA256; the salt carries "?expires=<unix seconds>&sig=<salt MAC>&" so
// expiry is signed too (layout in altcha.cpp). A solved challenge is accepted
// once (ReplayGuard). The npm widget (v3) solves these "v1" challenges.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace iv::security {

struct AltchaChallenge {
  std::string algorithm = "SHA-256";
  std::string challenge;  // hex
  std::string salt;
  std::string signature;  // hex HMAC-SHA256(key, challenge)
  std::int64_t maxnumber = 0;
};

// Remembers spent solutions until they expire. In-process by default; Redis
// when scaled out (later issue).
class ReplayGuard {
 public:
  virtual ~ReplayGuard() = default;
  // True the first time `key` is seen (and records it until `expires`).
  virtual bool first_use(std::string_view key, std::chrono::system_clock::time_point expires) = 0;
};

struct AltchaSettings {
  std::int64_t max_number = 100000;  // difficulty: the browser tries on average max_number/2 hashes
  std::chrono::seconds ttl{std::chrono::minutes(20)};
};

class Altcha {
 public:
  // `secret_key` is SECRET_KEY (at least 32 characters; std::invalid_argument
  // otherwise). `replay_guard` must outlive this object.
  Altcha(std::string_view secret_key, AltchaSettings settings, ReplayGuard& replay_guard);

  AltchaChallenge create(std::chrono::system_clock::time_point now) const;

  enum class Verdict { ok, missing, malformed, bad_signature, wrong_solution, expired, replayed };
  // `payload_base64` is the widget's field value: base64 of
  // {"algorithm","challenge","number","salt","signature"}.
  Verdict verify(std::string_view payload_base64, std::chrono::system_clock::time_point now) const;

  static std::string_view describe(Verdict v);

 private:
  std::string signature_key_;  // signs the challenge (the protocol's "signature")
  std::string salt_key_;       // authenticates the salt, and with it the expiry
  AltchaSettings settings_;
  ReplayGuard& replay_guard_;
};

}  // namespace iv::security
