// In-process cache of rendered responses (pages and API answers), keyed by
// path plus canonical query. A generation is built off to the side and
// swapped in whole, so readers never see a half-refreshed site (the seeds'
// incremental static regeneration: stale content is served until the new
// rendering is ready).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "web/entity.h"

namespace iv::web {

// Lets the map be searched with a string_view without building a string.
struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct CachedResponse {
  std::shared_ptr<const Entity> entity;
  std::string_view route;  // route pattern, for metrics and logs (owned by the Router)
};

class ResponseCache {
 public:
  using Map = std::unordered_map<std::string, CachedResponse, TransparentStringHash, std::equal_to<>>;

  // `max_entries` bounds memory: stores beyond it are dropped (the response is
  // still served, just not cached).
  explicit ResponseCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // Empty entity when absent.
  CachedResponse find(std::string_view key) const;
  void store(std::string key, CachedResponse response);
  // Atomically replaces every entry with `generation`.
  void replace(Map generation);
  std::size_t size() const;

 private:
  std::size_t max_entries_;
  mutable std::shared_mutex mutex_;
  Map entries_;
};

}  // namespace iv::web
