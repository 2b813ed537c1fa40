// SqlRow conversions. Engines that hand back every value as text (libpq in
// text mode) rely on the parsing here, so it is strict: a value that is not
// entirely a number is an error rather than a silent 0.
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

#include "store/sql.h"

namespace iv::store {
namespace {

// Surrounding blanks are tolerated because some engines pad numeric text.
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> double_to_integer(double value) {
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(value) || value >= kLimit || value < -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(value);  // truncates toward zero, as SQL CAST does
}

std::int64_t parse_integer(std::string_view original) {
  std::string_view text = trim(original);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) return value;
  // "3.0" or "1e3" are integers written as reals; accept them, reject the rest.
  if (auto real = parse_double(text)) {
    if (auto integer = double_to_integer(*real)) return *integer;
  }
  throw StoreError("SqlRow: not an integer: \"" + std::string(original) + "\"");
}

}  // namespace

std::int64_t SqlRow::integer(std::size_t i) const {
  const SqlValue& v = values_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) {
    if (auto integer = double_to_integer(*d)) return *integer;
    throw StoreError("SqlRow: real out of integer range in column " + std::to_string(i));
  }
  if (const auto* s = std::get_if<std::string>(&v)) return parse_integer(*s);
  return 0;
}

double SqlRow::real(std::size_t i) const {
  const SqlValue& v = values_.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) {
    if (auto parsed = parse_double(*s)) return *parsed;
    throw StoreError("SqlRow: not a number: \"" + *s + "\"");
  }
  return 0;
}

std::string SqlRow::text(std::size_t i) const {
  const SqlValue& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) {
    // Shortest text that reads back as the same double (std::to_string rounds to 6 places).
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *d);
    return std::string(buffer, ec == std::errc{} ? end : buffer);
  }
  return {};
}

}  // namespace iv::store
