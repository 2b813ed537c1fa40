// Short-lived upload authorisation (the seeds' temporary upload token): the
// answer to POST /api/v1/uploads carries a token that lets its holder send
// the bytes of that one upload, and nothing else, until it expires.
//
// Format: "v1.<upload id>.<expiry epoch seconds>.<base64url HMAC-SHA256>",
// the MAC over the upload id and the expiry with a key derived from SECRET_KEY for this
// purpose only. Stateless, so any process can check it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace iv::datasets {

enum class TokenCheck { ok, malformed, bad_signature, expired };

class UploadTokens {
 public:
  // `secret_key` is SECRET_KEY (at least 32 characters; std::invalid_argument otherwise).
  UploadTokens(std::string_view secret_key, std::chrono::seconds ttl);

  std::string issue(std::string_view upload_id, std::chrono::system_clock::time_point now) const;
  // The signature is compared in constant time.
  TokenCheck verify(std::string_view token, std::string_view upload_id,
                    std::chrono::system_clock::time_point now) const;
  // The upload id a token names (not verified: call verify() with it).
  static std::string_view upload_id_of(std::string_view token);
  std::chrono::system_clock::time_point expiry_of(std::chrono::system_clock::time_point now) const {
    return now + ttl_;
  }

 private:
  std::string mac(std::string_view upload_id, std::string_view expiry) const;

  std::string key_;
  std::chrono::seconds ttl_;
};

}  // namespace iv::datasets
