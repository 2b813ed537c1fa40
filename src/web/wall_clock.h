// The current time as the server writes it: the Date header line and the
// access-log timestamp. Both are formatted once per second and reused by
// every response of that second.
#pragma once

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

namespace iv::web {

// Not thread-safe: each I/O thread owns one.
class WallClock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // "Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n" (the IMF-fixdate of RFC 9110,
  // in UTC) for the second of `now`. The view is valid until the next call.
  std::string_view date_line(TimePoint now = std::chrono::system_clock::now()) {
    refresh(now);
    return date_line_;
  }

  // Appends "2026-11-22T02:40:00.123Z" (UTC, milliseconds) for `now`.
  void append_iso_timestamp(std::string& out, TimePoint now = std::chrono::system_clock::now());

 private:
  // Reformats the cached texts when `now` falls in another second than the
  // previous call; returns the milliseconds within the second.
  int refresh(TimePoint now) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t second = static_cast<std::time_t>(ms / 1000);
    if (second != second_) format_second(second);
    return static_cast<int>(ms % 1000);
  }
  void format_second(std::time_t second);

  std::time_t second_ = -1;
  std::string date_line_;
  std::string iso_seconds_;  // "2026-11-22T02:40:00"
};

}  // namespace iv::web
