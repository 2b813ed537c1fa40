#include "datasets/upload_token.h"

#include <charconv>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace iv::datasets {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string base64url(std::string_view raw) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

}  // namespace

UploadTokens::UploadTokens(std::string_view secret_key, std::chrono::seconds ttl) : ttl_(ttl) {
  if (secret_key.size() < 32) throw std::invalid_argument("SECRET_KEY must have at least 32 characters");
  // A purpose key, so a token key can never verify another purpose's MACs.
  key_ = hmac_sha256(secret_key, "indivillage upload token v1");
}

std::string UploadTokens::mac(std::string_view upload_id, std::string_view expiry) const {
  std::string message = "upload:";
  message.append(upload_id).append(":").append(expiry);
  return base64url(hmac_sha256(key_, message));
}

std::string UploadTokens::issue(std::string_view upload_id, std::chrono::system_clock::time_point now) const {
  const auto expiry =
      std::chrono::duration_cast<std::chrono::seconds>((now + ttl_).time_since_epoch()).count();
  const std::string expiry_text = std::to_string(expiry);
  return "v1." + std::string(upload_id) + "." + expiry_text + "." + mac(upload_id, expiry_text);
}

std::string_view UploadTokens::upload_id_of(std::string_view token) {
  if (!token.starts_with("v1.")) return {};
  token.remove_prefix(3);
  return token.substr(0, token.find('.'));
}

TokenCheck UploadTokens::verify(std::string_view token, std::string_view upload_id,
                                std::chrono::system_clock::time_point now) const {
  if (!token.starts_with("v1.")) return TokenCheck::malformed;
  token.remove_prefix(3);
  if (!token.starts_with(upload_id) || token.size() <= upload_id.size() || token[upload_id.size()] != '.') {
    return TokenCheck::malformed;
  }
  token.remove_prefix(upload_id.size() + 1);
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 12) return TokenCheck::malformed;
  const std::string_view expiry_text = token.substr(0, dot);
  const std::string_view signature = token.substr(dot + 1);
  std::int64_t expiry = 0;
  const auto [end, error] =
      std::from_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(), expiry);
  if (error != std::errc{} || end != expiry_text.data() + expiry_text.size()) return TokenCheck::malformed;
  const std::string expected = mac(upload_id, expiry_text);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return TokenCheck::bad_signature;
  }
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (now_s >= expiry) return TokenCheck::expired;
  return TokenCheck::ok;
}

}  // namespace iv::datasets
