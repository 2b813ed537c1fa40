#include "security/crypto_primitives.h"

#include <stdexcept>

#include <sodium.h>

namespace iv::security::crypto {
namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

std::string encode_base64(std::string_view raw, int variant) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes(raw), raw.size(), variant);
  out.pop_back();  // the encoder writes a terminating NUL
  return out;
}

std::optional<std::string> decode_base64(std::string_view text, int variant) {
  std::string raw(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  // With an end pointer libsodium stops at the first foreign character
  // instead of failing, so "consumed everything" is checked here.
  if (sodium_base642bin(bytes(raw), raw.size(), text.data(), text.size(), nullptr, &length, &end, variant) !=
          0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  raw.resize(length);
  return raw;
}

}  // namespace

void ensure_initialised() {
  // A function-local static is initialised exactly once even under
  // concurrent first calls; sodium_init() itself is idempotent too.
  static const int status = sodium_init();
  if (status < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string random_bytes(std::size_t count) {
  ensure_initialised();
  std::string out(count, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

std::uint64_t random_uniform(std::uint64_t max_inclusive) {
  ensure_initialised();
  if (max_inclusive <= UINT32_MAX - 1) {
    return randombytes_uniform(static_cast<std::uint32_t>(max_inclusive + 1));
  }
  // Rejection sampling over 64 bits: accept only values below the largest
  // multiple of the range, so every result is equally likely.
  const std::uint64_t range = max_inclusive + 1;  // wraps to 0 for the full range
  if (range == 0) {
    std::uint64_t value;
    randombytes_buf(&value, sizeof value);
    return value;
  }
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  std::uint64_t value;
  do {
    randombytes_buf(&value, sizeof value);
  } while (value >= limit);
  return value % range;
}

std::string sha256(std::string_view message) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(bytes(digest), bytes(message), message.size());
  return digest;
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  // The streaming interface accepts keys of any length (HMAC hashes long keys).
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, bytes(key), key.size());
  crypto_auth_hmacsha256_update(&state, bytes(message), message.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, bytes(mac));
  sodium_memzero(&state, sizeof state);
  return mac;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(std::string_view raw) {
  std::string hex(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes(raw), raw.size());
  hex.pop_back();
  return hex;
}

std::string to_base64url(std::string_view raw) {
  return encode_base64(raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> from_base64url(std::string_view text) {
  return decode_base64(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> from_base64(std::string_view text) {
  const bool padded = text.ends_with('=');
  return decode_base64(text,
                       padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

}  // namespace iv::security::crypto
