// Small wrappers over libsodium shared by the security layer (internal: not
// for use outside src/security). Byte strings travel as std::string so they
// compose with the text formats built from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iv::security::crypto {

// Initialises libsodium once per process (thread-safe, idempotent). Every
// constructor in this layer calls it before touching keys or randomness.
// Throws std::runtime_error when the library cannot start.
void ensure_initialised();

// `count` bytes from the operating system's CSPRNG.
std::string random_bytes(std::size_t count);
// Uniform in [0, max_inclusive], without modulo bias.
std::uint64_t random_uniform(std::uint64_t max_inclusive);

std::string sha256(std::string_view message);                             // 32 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view message);  // 32 raw bytes

// Constant-time for equal sizes; different sizes compare unequal at once
// (sizes are public in all our formats).
bool equal_constant_time(std::string_view a, std::string_view b);

std::string to_hex(std::string_view raw);        // lower case
std::string to_base64url(std::string_view raw);  // RFC 4648 §5, no padding
// Canonical unpadded base64url only; nullopt for anything else.
std::optional<std::string> from_base64url(std::string_view text);
// Standard alphabet (RFC 4648 §4) as produced by JavaScript's btoa(); padding
// optional, nothing else tolerated.
std::optional<std::string> from_base64(std::string_view text);

}  // namespace iv::security::crypto
