// What a single text value is: a boolean, an integer, a decimal, a date or a
// datetime (in the common formats, with the format recorded), or text; and
// the small UTF-8 helpers the profiler needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace iv::analysis {

enum class ValueType : std::uint8_t { boolean, integer, decimal, date, datetime, text };
inline constexpr std::size_t kValueTypeCount = 6;
std::string_view value_type_name(ValueType type);

// How the date part of a date or datetime was written: the order of its
// parts and their separator. `day_or_month` is dd?mm?yyyy / mm?dd?yyyy when
// both the first and the second number are <= 12 and nothing in the value
// tells which is the day.
enum class DateOrder : std::uint8_t { year_month_day, day_month_year, month_day_year, day_or_month };
inline constexpr std::size_t kDateOrderCount = 4;
inline constexpr std::string_view kDateSeparators = "-/.";
inline constexpr std::size_t kDateFormatCount = kDateOrderCount * 3;

struct DateFormat {
  DateOrder order = DateOrder::year_month_day;
  std::uint8_t separator = 0;  // index into kDateSeparators
  std::size_t index() const { return static_cast<std::size_t>(order) * 3 + separator; }
  static DateFormat from_index(std::size_t index);
  // "yyyy-mm-dd", "dd/mm/yyyy", "mm/dd/yyyy", "dd/mm/yyyy or mm/dd/yyyy", ...
  std::string name() const;
};

struct ClassifiedValue {
  ValueType type = ValueType::text;
  double number = 0;  // integer, decimal, boolean (1/0)
  // Dates and datetimes: seconds since 1970-01-01T00:00:00 (UTC when the
  // value has an offset; as written otherwise). For day_or_month values,
  // `seconds` reads the value as day-month and `seconds_month_first` as
  // month-day.
  double seconds = 0;
  double seconds_month_first = 0;
  DateFormat date_format;
};

// Classifies a value already trimmed of surrounding whitespace and not empty.
// Integers: [+-]digits. Decimals: what fast_float reads entirely, starting
// with a digit, a sign or a point (so "nan", "inf" are text). Booleans:
// true/false/yes/no in any case. Dates: yyyy-mm-dd, yyyy/mm/dd, yyyy.mm.dd,
// dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy, mm/dd/yyyy (and -, .), validated
// against the calendar. Datetimes: a date, 'T' or ' ', hh:mm[:ss[.fff]],
// then optionally 'Z' or ±hh[:mm].
ClassifiedValue classify_value(std::string_view value);

// A JSON number's text: integer unless it has a fraction or an exponent.
ClassifiedValue classify_json_number(std::string_view value);

// "2024-03-01" or "2024-03-01T10:20:30" (fractions of a second kept when present).
std::string format_date(double seconds);
std::string format_datetime(double seconds);

inline bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

inline std::string_view trim_ascii_space(std::string_view value) {
  std::size_t begin = 0, end = value.size();
  while (begin < end && is_ascii_space(value[begin])) ++begin;
  while (end > begin && is_ascii_space(value[end - 1])) --end;
  return value.substr(begin, end - begin);
}

// The longest prefix of `value` of at most `max_bytes` bytes that does not
// cut a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view value, std::size_t max_bytes);

// Number of code points (bytes that are not UTF-8 continuation bytes).
std::size_t count_code_points(std::string_view value);

}  // namespace iv::analysis
