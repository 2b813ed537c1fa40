#include "web/wall_clock.h"

#include <array>
#include <cstdint>

#include "web/number_text.h"

namespace iv::web {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The last two decimal digits of `v`, zero-padded.
void append_2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10 % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

void WallClock::append_iso_timestamp(std::string& out, TimePoint now) {
  const int ms = refresh(now);
  out.append(iso_seconds_);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + ms / 100));
  append_2(out, ms % 100);
  out.push_back('Z');
}

void WallClock::format_second(std::time_t second) {
  second_ = second;
  std::tm utc{};
  gmtime_r(&second, &utc);
  const int year = utc.tm_year + 1900;
  date_line_.assign("Date: ");
  date_line_.append(kDays[static_cast<std::size_t>(utc.tm_wday)]).append(", ");
  append_2(date_line_, utc.tm_mday);
  date_line_.append(" ").append(kMonths[static_cast<std::size_t>(utc.tm_mon)]).append(" ");
  append_decimal(date_line_, static_cast<std::uint64_t>(year));
  date_line_.push_back(' ');
  append_2(date_line_, utc.tm_hour);
  date_line_.push_back(':');
  append_2(date_line_, utc.tm_min);
  date_line_.push_back(':');
  append_2(date_line_, utc.tm_sec);
  date_line_.append(" GMT\r\n");

  iso_seconds_.clear();
  append_decimal(iso_seconds_, static_cast<std::uint64_t>(year));
  iso_seconds_.push_back('-');
  append_2(iso_seconds_, utc.tm_mon + 1);
  iso_seconds_.push_back('-');
  append_2(iso_seconds_, utc.tm_mday);
  iso_seconds_.push_back('T');
  append_2(iso_seconds_, utc.tm_hour);
  iso_seconds_.push_back(':');
  append_2(iso_seconds_, utc.tm_min);
  iso_seconds_.push_back(':');
  append_2(iso_seconds_, utc.tm_sec);
}

}  // namespace iv::web
