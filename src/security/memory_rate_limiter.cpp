#include "security/memory_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace iv::security {
namespace {

// Longest Retry-After we announce; only reachable with absurdly slow rules.
constexpr double kMaxRetrySeconds = 24.0 * 3600;

void check_rule(const RateRule& rule) {
  if (!(rule.capacity >= 1) || !std::isfinite(rule.capacity)) {
    throw std::invalid_argument("rate rule '" + rule.name + "' needs a capacity of at least 1");
  }
  if (!(rule.refill_per_second > 0) || !std::isfinite(rule.refill_per_second)) {
    throw std::invalid_argument("rate rule '" + rule.name + "' needs a positive refill rate");
  }
}

}  // namespace

MemoryRateLimiter::MemoryRateLimiter(MemoryRateLimiterSettings settings)
    : max_keys_per_shard_(std::max<std::size_t>(1, settings.max_keys / kShardCount)) {}

RateDecision MemoryRateLimiter::take(const RateRule& rule, std::string_view key, TimePoint now) {
  check_rule(rule);
  std::string full_key = rule.name;
  full_key.push_back('\0');  // rule names never contain NUL, so keys cannot collide across rules
  full_key.append(key);
  Shard& shard = shards_[KeyHash{}(full_key) % kShardCount];

  std::lock_guard lock(shard.mutex);
  Bucket& bucket = find_or_add(shard, rule, std::move(full_key), now);
  if (now > bucket.refilled_at) {  // lazy refill; a clock that goes back adds nothing
    const double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
    bucket.tokens = std::min(rule.capacity, bucket.tokens + elapsed * rule.refill_per_second);
    bucket.refilled_at = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return {};
  }
  const double wait = std::min(kMaxRetrySeconds, (1 - bucket.tokens) / rule.refill_per_second);
  // A microsecond of slack keeps floating-point noise (6.0000000001) from
  // announcing a second more than needed.
  const auto whole_seconds = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait - 1e-6)));
  return {false, std::chrono::seconds(whole_seconds)};
}

std::size_t MemoryRateLimiter::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.by_key.size();
  }
  return total;
}

MemoryRateLimiter::Bucket& MemoryRateLimiter::find_or_add(Shard& shard, const RateRule& rule, std::string key,
                                                          TimePoint now) {
  if (const auto found = shard.by_key.find(std::string_view(key)); found != shard.by_key.end()) {
    shard.recency.splice(shard.recency.begin(), shard.recency, found->second);  // now most recent
    return shard.recency.front();
  }
  if (shard.by_key.size() >= max_keys_per_shard_) {
    shard.by_key.erase(std::string_view(shard.recency.back().key));
    shard.recency.pop_back();
  }
  shard.recency.push_front(Bucket{std::move(key), rule.capacity, now});
  shard.by_key.emplace(std::string_view(shard.recency.front().key), shard.recency.begin());
  return shard.recency.front();
}

}  // namespace iv::security
