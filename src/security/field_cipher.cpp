#include "security/field_cipher.h"

#include <stdexcept>
#include <string>
#include <string_view>

#include <sodium.h>

#include "security/crypto_primitives.h"

// Key derivation (documented here because the data at rest depends on it):
//
//   master     = BLAKE2b-512(SECRET_KEY)
//   seal_key   = BLAKE2b-256(key = master, "indivillage/field-cipher/v1/seal/"  + purpose)
//   index_key  = BLAKE2b-256(key = master, "indivillage/field-cipher/v1/index/" + purpose)
//
// BLAKE2b keyed with the master is a PRF, so the subkeys are independent of
// each other and of every other purpose; libsodium's crypto_kdf would force the
// purpose into an 8-byte context, which would silently truncate long names.
// SECRET_KEY is generated with high entropy, so a plain hash suffices to turn
// it into the 64-byte master key (no password stretching needed).
//
// Sealed format: "v1." + base64url_no_padding(nonce[24] || ciphertext || tag[16]),
// XChaCha20-Poly1305 (IETF) with the version tag "v1" as associated data. The
// purpose is not repeated as associated data: it is already bound through the
// key, and opening with another purpose's key fails authentication.

namespace iv::security {
namespace {

constexpr std::string_view kVersionPrefix = "v1.";
constexpr std::string_view kAssociatedData = "v1";
constexpr std::size_t kMinSecretLength = 32;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

void derive_subkey(const unsigned char (&master)[crypto_generichash_BYTES_MAX], std::string_view role,
                   std::string_view purpose, unsigned char (&out)[32]) {
  std::string label = "indivillage/field-cipher/v1/";
  label.append(role).append("/").append(purpose);
  crypto_generichash(out, sizeof out, bytes(label), label.size(), master, sizeof master);
}

}  // namespace

FieldCipher::FieldCipher(std::string_view secret_key, std::string_view purpose) {
  if (secret_key.size() < kMinSecretLength) {
    throw std::invalid_argument("SECRET_KEY must be at least 32 characters");
  }
  crypto::ensure_initialised();
  unsigned char master[crypto_generichash_BYTES_MAX];
  crypto_generichash(master, sizeof master, bytes(secret_key), secret_key.size(), nullptr, 0);
  derive_subkey(master, "seal", purpose, seal_key_);
  derive_subkey(master, "index", purpose, index_key_);
  sodium_memzero(master, sizeof master);
}

std::string FieldCipher::seal(std::string_view plaintext) const {
  std::string raw = crypto::random_bytes(kNonceBytes);
  raw.resize(kNonceBytes + plaintext.size() + kTagBytes);
  unsigned char* nonce = bytes(raw);
  unsigned long long cipher_length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, &cipher_length, bytes(plaintext),
                                             plaintext.size(), bytes(kAssociatedData), kAssociatedData.size(),
                                             nullptr, nonce, seal_key_);
  return std::string(kVersionPrefix) + crypto::to_base64url(raw);
}

std::optional<std::string> FieldCipher::open(std::string_view sealed) const {
  if (!sealed.starts_with(kVersionPrefix)) return std::nullopt;
  const std::optional<std::string> raw = crypto::from_base64url(sealed.substr(kVersionPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;

  const unsigned char* nonce = bytes(*raw);
  std::string plaintext(raw->size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long plain_length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          bytes(plaintext), &plain_length, nullptr, nonce + kNonceBytes, raw->size() - kNonceBytes,
          bytes(kAssociatedData), kAssociatedData.size(), nonce, seal_key_) != 0) {
    return std::nullopt;
  }
  plaintext.resize(plain_length);
  return plaintext;
}

std::string FieldCipher::blind_index(std::string_view value) const {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, bytes(value), value.size(), index_key_, sizeof index_key_);
  return crypto::to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace iv::security
