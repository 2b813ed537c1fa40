#include "web/response_cache.h"

namespace iv::web {

CachedResponse ResponseCache::find(std::string_view key) const {
  std::shared_lock lock(mutex_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? CachedResponse{} : it->second;
}

void ResponseCache::store(std::string key, CachedResponse response) {
  std::unique_lock lock(mutex_);
  if (entries_.size() >= max_entries_ && !entries_.contains(key)) return;
  entries_.insert_or_assign(std::move(key), std::move(response));
}

void ResponseCache::replace(Map generation) {
  std::unique_lock lock(mutex_);
  entries_.swap(generation);
  // The old generation is destroyed here, after the swap; entities still in
  // use by in-flight responses stay alive through their shared_ptrs.
}

std::size_t ResponseCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace iv::web
