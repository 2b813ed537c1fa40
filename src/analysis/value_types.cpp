#include "analysis/value_types.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include <fast_float/fast_float.h>

namespace iv::analysis {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads 1..max_digits digits at value[pos]; advances pos.
std::optional<int> read_number(std::string_view value, std::size_t& pos, std::size_t min_digits,
                               std::size_t max_digits) {
  int result = 0;
  std::size_t digits = 0;
  while (pos < value.size() && digits < max_digits && is_digit(value[pos])) {
    result = result * 10 + (value[pos] - '0');
    ++pos;
    ++digits;
  }
  if (digits < min_digits) return std::nullopt;
  // A longer run of digits is not this field.
  if (pos < value.size() && is_digit(value[pos])) return std::nullopt;
  return result;
}

std::optional<std::uint8_t> separator_index(char c) {
  const std::size_t index = kDateSeparators.find(c);
  if (index == std::string_view::npos) return std::nullopt;
  return static_cast<std::uint8_t>(index);
}

std::optional<double> days_since_epoch(int year, int month, int day) {
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return static_cast<double>(std::chrono::sys_days{date}.time_since_epoch().count());
}

struct DatePart {
  DateFormat format;
  double days = 0;              // day-first reading for day_or_month
  double days_month_first = 0;  // month-first reading
  std::size_t end = 0;
};

std::optional<DatePart> parse_date_part(std::string_view value) {
  std::size_t pos = 0;
  DatePart part;
  if (value.size() >= 5 && is_digit(value[0]) && is_digit(value[1]) && is_digit(value[2]) &&
      is_digit(value[3]) && !is_digit(value[4])) {
    const auto year = read_number(value, pos, 4, 4);
    const auto separator = separator_index(value[pos]);
    if (!year || !separator) return std::nullopt;
    ++pos;
    const auto month = read_number(value, pos, 1, 2);
    if (!month || pos >= value.size() || value[pos] != kDateSeparators[*separator]) return std::nullopt;
    ++pos;
    const auto day = read_number(value, pos, 1, 2);
    if (!day) return std::nullopt;
    const auto days = days_since_epoch(*year, *month, *day);
    if (!days) return std::nullopt;
    part.format = DateFormat{DateOrder::year_month_day, *separator};
    part.days = part.days_month_first = *days;
    part.end = pos;
    return part;
  }
  const auto first = read_number(value, pos, 1, 2);
  if (!first || pos >= value.size()) return std::nullopt;
  const auto separator = separator_index(value[pos]);
  if (!separator) return std::nullopt;
  ++pos;
  const auto second = read_number(value, pos, 1, 2);
  if (!second || pos >= value.size() || value[pos] != kDateSeparators[*separator]) return std::nullopt;
  ++pos;
  const auto year = read_number(value, pos, 4, 4);
  if (!year) return std::nullopt;
  const auto day_first = days_since_epoch(*year, *second, *first);
  const auto month_first = days_since_epoch(*year, *first, *second);
  if (day_first && month_first) {
    part.format = DateFormat{DateOrder::day_or_month, *separator};
  } else if (day_first) {
    part.format = DateFormat{DateOrder::day_month_year, *separator};
  } else if (month_first) {
    part.format = DateFormat{DateOrder::month_day_year, *separator};
  } else {
    return std::nullopt;
  }
  part.days = day_first.value_or(*month_first);
  part.days_month_first = month_first.value_or(*day_first);
  part.end = pos;
  return part;
}

// hh:mm[:ss[.fff]][Z|±hh[:mm]] to the end of `value`; seconds past midnight, UTC-adjusted.
std::optional<double> parse_time_part(std::string_view value) {
  std::size_t pos = 0;
  const auto hour = read_number(value, pos, 2, 2);
  if (!hour || *hour > 23 || pos >= value.size() || value[pos] != ':') return std::nullopt;
  ++pos;
  const auto minute = read_number(value, pos, 2, 2);
  if (!minute || *minute > 59) return std::nullopt;
  double seconds = *hour * 3600.0 + *minute * 60.0;
  if (pos < value.size() && value[pos] == ':') {
    ++pos;
    const auto second = read_number(value, pos, 2, 2);
    if (!second || *second > 60) return std::nullopt;
    seconds += *second;
    if (pos < value.size() && (value[pos] == '.' || value[pos] == ',')) {
      ++pos;
      double scale = 0.1;
      const std::size_t start = pos;
      while (pos < value.size() && is_digit(value[pos])) {
        seconds += (value[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
  }
  if (pos == value.size()) return seconds;
  if (value[pos] == 'Z' && pos + 1 == value.size()) return seconds;
  if (value[pos] != '+' && value[pos] != '-') return std::nullopt;
  const double sign = value[pos] == '+' ? 1.0 : -1.0;
  ++pos;
  const auto offset_hours = read_number(value, pos, 2, 2);
  if (!offset_hours || *offset_hours > 14) return std::nullopt;
  int offset_minutes = 0;
  if (pos < value.size() && value[pos] == ':') ++pos;
  if (pos < value.size()) {
    const auto minutes = read_number(value, pos, 2, 2);
    if (!minutes || *minutes > 59) return std::nullopt;
    offset_minutes = *minutes;
  }
  if (pos != value.size()) return std::nullopt;
  return seconds - sign * (*offset_hours * 3600.0 + offset_minutes * 60.0);
}

std::optional<ClassifiedValue> classify_date(std::string_view value) {
  const auto part = parse_date_part(value);
  if (!part) return std::nullopt;
  ClassifiedValue result;
  result.date_format = part->format;
  result.seconds = part->days * 86400.0;
  result.seconds_month_first = part->days_month_first * 86400.0;
  if (part->end == value.size()) {
    result.type = ValueType::date;
    return result;
  }
  const char separator = value[part->end];
  if (separator != 'T' && separator != ' ') return std::nullopt;
  const auto time = parse_time_part(value.substr(part->end + 1));
  if (!time) return std::nullopt;
  result.type = ValueType::datetime;
  result.seconds += *time;
  result.seconds_month_first += *time;
  return result;
}

bool equals_ignoring_case(std::string_view value, std::string_view lower) {
  if (value.size() != lower.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::optional<ClassifiedValue> classify_boolean(std::string_view value) {
  if (value.size() < 2 || value.size() > 5) return std::nullopt;
  ClassifiedValue result;
  result.type = ValueType::boolean;
  if (equals_ignoring_case(value, "true") || equals_ignoring_case(value, "yes")) {
    result.number = 1;
    return result;
  }
  if (equals_ignoring_case(value, "false") || equals_ignoring_case(value, "no")) return result;
  return std::nullopt;
}

std::optional<double> parse_double(std::string_view text) {
  double number = 0;
  const auto [end, error] = fast_float::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
    return std::nullopt;
  }
  return number;
}

std::optional<ClassifiedValue> classify_number(std::string_view value) {
  std::string_view unsigned_part = value;
  if (!unsigned_part.empty() && (unsigned_part[0] == '+' || unsigned_part[0] == '-')) {
    unsigned_part.remove_prefix(1);
  }
  if (unsigned_part.empty() || !(is_digit(unsigned_part[0]) || unsigned_part[0] == '.')) return std::nullopt;
  bool all_digits = true;
  for (const char c : unsigned_part) {
    if (!is_digit(c)) {
      all_digits = false;
      break;
    }
  }
  // fast_float, like std::from_chars, takes no leading '+'.
  const auto number = parse_double(value[0] == '+' ? unsigned_part : value);
  if (!number) return std::nullopt;
  ClassifiedValue result;
  result.type = all_digits ? ValueType::integer : ValueType::decimal;
  result.number = *number;
  return result;
}

}  // namespace

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::boolean:
      return "boolean";
    case ValueType::integer:
      return "integer";
    case ValueType::decimal:
      return "decimal";
    case ValueType::date:
      return "date";
    case ValueType::datetime:
      return "datetime";
    case ValueType::text:
      return "text";
  }
  return "text";
}

DateFormat DateFormat::from_index(std::size_t index) {
  return DateFormat{static_cast<DateOrder>(index / 3), static_cast<std::uint8_t>(index % 3)};
}

std::string DateFormat::name() const {
  const char s = kDateSeparators[separator];
  const auto join = [s](std::string_view a, std::string_view b, std::string_view c) {
    return std::string(a) + s + std::string(b) + s + std::string(c);
  };
  switch (order) {
    case DateOrder::year_month_day:
      return join("yyyy", "mm", "dd");
    case DateOrder::day_month_year:
      return join("dd", "mm", "yyyy");
    case DateOrder::month_day_year:
      return join("mm", "dd", "yyyy");
    case DateOrder::day_or_month:
      return join("dd", "mm", "yyyy") + " or " + join("mm", "dd", "yyyy");
  }
  return {};
}

ClassifiedValue classify_value(std::string_view value) {
  if (value.empty()) return {};
  const char first = value[0];
  if (is_digit(first)) {
    // Dates start with a digit too; a 4-digit or 1-2 digit run then a separator.
    if (value.size() >= 6 && value.size() <= 40) {
      std::size_t run = 0;
      while (run < value.size() && is_digit(value[run])) ++run;
      if (run < value.size() && (run == 4 || run <= 2) && separator_index(value[run])) {
        if (auto date = classify_date(value)) return *date;
      }
    }
  }
  if (is_digit(first) || first == '-' || first == '+' || first == '.') {
    if (auto number = classify_number(value)) return *number;
    return {};
  }
  if (auto boolean = classify_boolean(value)) return *boolean;
  return {};
}

ClassifiedValue classify_json_number(std::string_view value) {
  ClassifiedValue result;
  const auto number = parse_double(value);
  if (!number) return result;  // out of double range: keep it as text
  result.number = *number;
  result.type =
      value.find_first_of(".eE") == std::string_view::npos ? ValueType::integer : ValueType::decimal;
  return result;
}

std::string format_date(double seconds) {
  const auto days = static_cast<int>(std::floor(seconds / 86400.0));
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string format_datetime(double seconds) {
  const double day_start = std::floor(seconds / 86400.0) * 86400.0;
  double within_day = seconds - day_start;
  const auto whole = static_cast<int>(std::floor(within_day));
  const double fraction = within_day - whole;
  char text[48];
  std::snprintf(text, sizeof text, "T%02d:%02d:%02d", whole / 3600, (whole / 60) % 60, whole % 60);
  std::string result = format_date(seconds) + text;
  if (fraction >= 0.0005) {
    std::snprintf(text, sizeof text, "%.3f", fraction);
    result += std::string_view(text).substr(1);  // ".250"
  }
  return result;
}

std::string_view truncate_utf8(std::string_view value, std::size_t max_bytes) {
  if (value.size() <= max_bytes) return value;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut);
}

std::size_t count_code_points(std::string_view value) {
  std::size_t continuation = 0;
  for (const char c : value) continuation += (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  return value.size() - continuation;
}

}  // namespace iv::analysis
