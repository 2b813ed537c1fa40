// In-process RateLimiter: token buckets in 16 independently locked shards, so
// concurrent requests for different keys rarely wait on each other. Memory is
// bounded: each shard keeps at most max_keys / 16 buckets and drops the least
// recently used one to make room (a dropped key starts again with a full
// bucket, the price of the bound).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "security/rate_limiter.h"

namespace iv::security {

struct MemoryRateLimiterSettings {
  std::size_t max_keys = 1'000'000;  // across all shards and rules
};

class MemoryRateLimiter final : public RateLimiter {
 public:
  explicit MemoryRateLimiter(MemoryRateLimiterSettings settings = {});

  // Thread-safe. A new key starts with a full bucket (rule.capacity tokens);
  // tokens come back continuously at rule.refill_per_second up to capacity.
  // Throws std::invalid_argument for a rule with capacity < 1 or a refill
  // rate that is not positive (a configuration mistake).
  RateDecision take(const RateRule& rule, std::string_view key,
                    std::chrono::steady_clock::time_point now) override;

  std::size_t size() const;  // buckets held, for metrics and tests

  static constexpr std::size_t kShardCount = 16;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Bucket {
    std::string key;  // rule name + '\0' + caller's key
    double tokens = 0;
    TimePoint refilled_at;
  };
  using Recency = std::list<Bucket>;  // most recently used first
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Shard {
    mutable std::mutex mutex;
    Recency recency;
    // Keys are views of Bucket::key; list nodes never move.
    std::unordered_map<std::string_view, Recency::iterator, KeyHash, std::equal_to<>> by_key;
  };

  Bucket& find_or_add(Shard& shard, const RateRule& rule, std::string key, TimePoint now);  // requires lock

  std::size_t max_keys_per_shard_;
  std::array<Shard, kShardCount> shards_;
};

}  // namespace iv::security
