// A fast 64-bit hash for short byte strings (field values, row fingerprints).
// Not cryptographic: it feeds HyperLogLog, the distinct sets and the top-k
// table, which need well-mixed high and low bits, nothing more.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace iv::analysis {

namespace hashing_detail {

inline constexpr std::uint64_t kPrime0 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t kPrime1 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t kPrime2 = 0x8ebc6af09c88c6e3ull;
inline constexpr std::uint64_t kPrime3 = 0x589965cc75374cc3ull;

__extension__ typedef unsigned __int128 Uint128;  // __extension__: a GCC/Clang type, on purpose

// 64x64 -> 128 bit multiply, folded: every output bit depends on every input bit.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

inline std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Up to 8 bytes, zero-padded.
inline std::uint64_t load_partial(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

}  // namespace hashing_detail

inline std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed = 0) {
  using namespace hashing_detail;
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  std::uint64_t state = seed ^ kPrime0 ^ (bytes.size() * kPrime3);
  while (left > 16) {
    state = fold_multiply(load64(p) ^ kPrime1, load64(p + 8) ^ state);
    p += 16;
    left -= 16;
  }
  std::uint64_t a = 0, b = 0;
  if (left > 8) {
    a = load64(p);
    b = load_partial(p + 8, left - 8);
  } else {
    a = load_partial(p, left);
  }
  return fold_multiply(fold_multiply(a ^ kPrime1, b ^ state) ^ kPrime2, bytes.size() ^ kPrime3);
}

// Mixes a 64-bit value (a column index, a previous hash) into a hash.
inline std::uint64_t hash_combine(std::uint64_t hash, std::uint64_t value) {
  using namespace hashing_detail;
  return fold_multiply(hash ^ kPrime2, value ^ kPrime1);
}

}  // namespace iv::analysis
