// Token-bucket rate limits keyed by client address or e-mail blind index.
// In-process by default (bounded memory: least recently used keys are
// dropped); Redis-backed when scaled out (later issue).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace iv::security {

struct RateRule {
  std::string name;                       // "form-ip", "form-email": part of the key and the metric label
  double capacity = 5;                    // burst
  double refill_per_second = 5.0 / 3600;  // sustained rate
};

struct RateDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // when not allowed: time until one token is back (>= 1 s)
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes one token from the bucket (rule.name, key) if available.
  virtual RateDecision take(const RateRule& rule, std::string_view key,
                            std::chrono::steady_clock::time_point now) = 0;
};

}  // namespace iv::security
