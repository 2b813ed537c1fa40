#include "security/memory_replay_guard.h"

namespace iv::security {

MemoryReplayGuard::MemoryReplayGuard(MemoryReplayGuardSettings settings, Clock clock)
    : settings_(settings), clock_(std::move(clock)) {}

bool MemoryReplayGuard::first_use(std::string_view key, TimePoint expires) {
  const TimePoint now = clock_();
  std::lock_guard lock(mutex_);
  sweep(now);
  if (expiry_by_key_.contains(key)) return false;
  if (expires <= now) return true;
  if (expiry_by_key_.size() >= settings_.max_entries) return false;
  const auto entry = expiry_by_key_.emplace(std::string(key), expires).first;
  by_expiry_.emplace(expires, &entry->first);
  return true;
}

std::size_t MemoryReplayGuard::size() const {
  std::lock_guard lock(mutex_);
  return expiry_by_key_.size();
}

void MemoryReplayGuard::sweep(TimePoint now) {
  // Each entry is pushed and popped once, so the sweep costs O(log n)
  // amortised per insert instead of a scan of the whole map.
  while (!by_expiry_.empty() && by_expiry_.top().first <= now) {
    // Erase through an iterator: the key reference lives inside the node.
    expiry_by_key_.erase(expiry_by_key_.find(*by_expiry_.top().second));
    by_expiry_.pop();
  }
}

}  // namespace iv::security
