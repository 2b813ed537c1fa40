// In-process ReplayGuard: remembers spent ALTCHA solutions (or any single-use
// key) until they expire. Bounded so a flood cannot exhaust memory: past
// `max_entries` live keys it refuses new ones (fails closed) until some expire.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "security/altcha.h"

namespace iv::security {

struct MemoryReplayGuardSettings {
  std::size_t max_entries = 1'000'000;
};

class MemoryReplayGuard final : public ReplayGuard {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `clock` tells which entries have expired (injectable for tests).
  explicit MemoryReplayGuard(
      MemoryReplayGuardSettings settings = {}, Clock clock = [] { return std::chrono::system_clock::now(); });

  // Thread-safe. False when `key` is already recorded and not yet expired, and
  // also when the guard is full. A key whose `expires` has already passed is
  // not recorded (the caller refuses expired proofs by itself).
  bool first_use(std::string_view key, std::chrono::system_clock::time_point expires) override;

  std::size_t size() const;  // live entries, for metrics and tests

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  // Soonest expiry on top. The key pointer refers into expiry_by_key_'s node,
  // which stays put until that entry is erased.
  using Expiry = std::pair<TimePoint, const std::string*>;
  struct SoonerOnTop {
    bool operator()(const Expiry& a, const Expiry& b) const { return a.first > b.first; }
  };

  struct KeyHash {  // lets lookups take a string_view without a copy
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };

  void sweep(TimePoint now);  // requires mutex_

  MemoryReplayGuardSettings settings_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, TimePoint, KeyHash, std::equal_to<>> expiry_by_key_;
  std::priority_queue<Expiry, std::vector<Expiry>, SoonerOnTop> by_expiry_;
};

}  // namespace iv::security
