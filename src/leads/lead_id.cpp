#include "leads/lead_id.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

#include <sys/random.h>

namespace iv::leads {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t kIdBytes = 16;
constexpr std::size_t kIdLength = (kIdBytes * 8 + 4) / 5;  // 26

void fill_random(std::array<unsigned char, kIdBytes>& bytes) {
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed: cannot create a lead id");
    }
    filled += static_cast<std::size_t>(got);
  }
}

}  // namespace

std::string new_lead_id() {
  std::array<unsigned char, kIdBytes> bytes{};
  fill_random(bytes);
  std::string id;
  id.reserve(kIdLength);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      id.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1F]);
      bits -= 5;
    }
  }
  if (bits > 0) id.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1F]);
  return id;
}

bool is_lead_id(std::string_view text) {
  return text.size() == kIdLength && std::all_of(text.begin(), text.end(), [](char c) {
           return kAlphabet.find(c) != std::string_view::npos;
         });
}

}  // namespace iv::leads
