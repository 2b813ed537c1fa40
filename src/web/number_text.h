// Decimal numbers appended to text the server reuses across requests (heads,
// access-log lines, metric keys), without building temporary strings.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace iv::web {

// Appends `value` in decimal, without separators.
inline void append_decimal(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

}  // namespace iv::web
