#include <algorithm>
#include <chrono>
#include <cmath>

#include "jobs/worker_pool.h"

namespace iv::jobs {

std::chrono::milliseconds RetryPolicy::delay_for(int attempt, double unit_random) const {
  // Past 2^62 the doubling only matters as "more than any cap"; stopping the
  // exponent there keeps the arithmetic finite for absurd attempt numbers.
  const int doublings = std::clamp(attempt - 1, 0, 62);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::ldexp(1.0, doublings));
  // Full jitter spreads the retries of many jobs that failed together (an
  // outage) over the whole window instead of sending them back in a burst.
  const double jittered = std::clamp(unit_random, 0.0, 1.0) * ceiling;
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(jittered)));
  return std::max(delay, min_delay);
}

}  // namespace iv::jobs
