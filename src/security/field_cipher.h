// Encryption of personal fields at rest (libsodium XChaCha20-Poly1305), with a
// key derived from SECRET_KEY for one purpose ("leads", "uploads"), and keyed
// blind indexes so a field can be matched (rate limit per e-mail, duplicate
// detection) without storing it in clear.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace iv::security {

class FieldCipher {
 public:
  // `secret_key` is SECRET_KEY (at least 32 characters); `purpose` separates
  // keys so one leaked purpose key cannot open another's data. Throws
  // std::invalid_argument for a short key.
  FieldCipher(std::string_view secret_key, std::string_view purpose);

  // "v1." + base64url(nonce || ciphertext). A fresh random nonce per call.
  std::string seal(std::string_view plaintext) const;
  // nullopt when the text was not sealed with this key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;
  // Deterministic keyed hash (hex), e.g. of a lower-cased e-mail address.
  std::string blind_index(std::string_view value) const;

 private:
  unsigned char seal_key_[32];
  unsigned char index_key_[32];
};

}  // namespace iv::security
