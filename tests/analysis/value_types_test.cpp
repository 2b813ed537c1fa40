#include "analysis/value_types.h"

#include <gtest/gtest.h>

namespace iv::analysis {
namespace {

ValueType type_of(std::string_view value) {
  return classify_value(value).type;
}

TEST(ValueTypes, Numbers) {
  EXPECT_EQ(type_of("0"), ValueType::integer);
  EXPECT_EQ(type_of("-42"), ValueType::integer);
  EXPECT_EQ(type_of("+7"), ValueType::integer);
  EXPECT_EQ(classify_value("+7").number, 7);
  EXPECT_EQ(type_of("3.25"), ValueType::decimal);
  EXPECT_EQ(classify_value("-3.25").number, -3.25);
  EXPECT_EQ(type_of(".5"), ValueType::decimal);
  EXPECT_EQ(type_of("1e6"), ValueType::decimal);
  EXPECT_EQ(classify_value("1e6").number, 1e6);
  EXPECT_EQ(type_of("1,234"), ValueType::text);
  EXPECT_EQ(type_of("nan"), ValueType::text);
  EXPECT_EQ(type_of("inf"), ValueType::text);
  EXPECT_EQ(type_of("-"), ValueType::text);
  EXPECT_EQ(type_of("1e999"), ValueType::text);
  EXPECT_EQ(type_of("12abc"), ValueType::text);
  EXPECT_EQ(classify_json_number("12").type, ValueType::integer);
  EXPECT_EQ(classify_json_number("12.0").type, ValueType::decimal);
  EXPECT_EQ(classify_json_number("1E3").type, ValueType::decimal);
}

TEST(ValueTypes, Booleans) {
  EXPECT_EQ(type_of("true"), ValueType::boolean);
  EXPECT_EQ(type_of("FALSE"), ValueType::boolean);
  EXPECT_EQ(type_of("Yes"), ValueType::boolean);
  EXPECT_EQ(classify_value("no").number, 0);
  EXPECT_EQ(type_of("truth"), ValueType::text);
}

TEST(ValueTypes, DatesInCommonFormatsWithTheirFormat) {
  const auto iso = classify_value("2024-03-01");
  EXPECT_EQ(iso.type, ValueType::date);
  EXPECT_EQ(iso.date_format.order, DateOrder::year_month_day);
  EXPECT_EQ(iso.date_format.name(), "yyyy-mm-dd");
  EXPECT_EQ(format_date(iso.seconds), "2024-03-01");

  const auto day_first = classify_value("25/12/2023");
  EXPECT_EQ(day_first.date_format.order, DateOrder::day_month_year);
  EXPECT_EQ(format_date(day_first.seconds), "2023-12-25");

  const auto month_first = classify_value("12/25/2023");
  EXPECT_EQ(month_first.date_format.order, DateOrder::month_day_year);
  EXPECT_EQ(format_date(month_first.seconds), "2023-12-25");

  const auto ambiguous = classify_value("03/04/2023");
  EXPECT_EQ(ambiguous.date_format.order, DateOrder::day_or_month);
  EXPECT_EQ(format_date(ambiguous.seconds), "2023-04-03");
  EXPECT_EQ(format_date(ambiguous.seconds_month_first), "2023-03-04");

  EXPECT_EQ(classify_value("2023/12/31").date_format.name(), "yyyy/mm/dd");
  EXPECT_EQ(classify_value("31.12.2023").date_format.name(), "dd.mm.yyyy");
  EXPECT_EQ(format_date(classify_value("1969-12-31").seconds), "1969-12-31");
}

TEST(ValueTypes, InvalidDatesAreText) {
  EXPECT_EQ(type_of("2023-02-29"), ValueType::text);
  EXPECT_EQ(type_of("2024-02-29"), ValueType::date);
  EXPECT_EQ(type_of("2024-13-01"), ValueType::text);
  EXPECT_EQ(type_of("13/13/2024"), ValueType::text);
  EXPECT_EQ(type_of("2024-03-01x"), ValueType::text);
  EXPECT_EQ(type_of("2024-03/01"), ValueType::text);
}

TEST(ValueTypes, Datetimes) {
  const auto plain = classify_value("2024-03-01T10:20:30");
  EXPECT_EQ(plain.type, ValueType::datetime);
  EXPECT_EQ(format_datetime(plain.seconds), "2024-03-01T10:20:30");
  EXPECT_EQ(format_datetime(classify_value("2024-03-01 10:20").seconds), "2024-03-01T10:20:00");
  EXPECT_EQ(format_datetime(classify_value("2024-03-01T10:20:30.250Z").seconds), "2024-03-01T10:20:30.250");
  // Offsets are applied: 05:30 in India is midnight UTC.
  EXPECT_EQ(format_datetime(classify_value("2024-03-01T05:30:00+05:30").seconds), "2024-03-01T00:00:00");
  EXPECT_EQ(classify_value("01/02/2024 09:15").type, ValueType::datetime);
  EXPECT_EQ(type_of("2024-03-01T25:00:00"), ValueType::text);
  EXPECT_EQ(type_of("2024-03-01T10:20:30+"), ValueType::text);
}

TEST(ValueTypes, Utf8Helpers) {
  EXPECT_EQ(count_code_points("na\xC3\xAFve"), 5u);              // naïve
  EXPECT_EQ(count_code_points("\xE0\xA4\xA8\xE0\xA4\xAE"), 2u);  // two Devanagari letters
  EXPECT_EQ(truncate_utf8("ab\xE0\xA4\xA8", 4), "ab");
  EXPECT_EQ(truncate_utf8("ab\xE0\xA4\xA8", 5), "ab\xE0\xA4\xA8");
  EXPECT_EQ(truncate_utf8("abc", 2), "ab");
  EXPECT_EQ(trim_ascii_space(" \t x y \r\n"), "x y");
}

}  // namespace
}  // namespace iv::analysis
