// Timestamps in API answers: RFC 3339 in UTC with whole seconds.
#pragma once

#include <chrono>
#include <string>

namespace iv::web {

// "2026-11-22T03:40:00Z"
std::string rfc3339_utc(std::chrono::system_clock::time_point time);

}  // namespace iv::web
