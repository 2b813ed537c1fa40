// The most frequent values of a column, with the SpaceSaving algorithm
// (Metwally, Agrawal, El Abbadi 2005) over a fixed number of counters:
// exact while the column has at most `capacity` distinct values; after the
// first eviction every count is an upper bound that overestimates by at most
// (values seen) / capacity, and `count - error` is a guaranteed lower bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iv::analysis {

class TopValues {
 public:
  // `capacity` counters; values are stored truncated to `max_value_bytes`
  // (the hash identifies the full value).
  TopValues(std::size_t capacity, std::size_t max_value_bytes);

  // Counts one occurrence. Returns the counter now holding the value and
  // whether it already held it (a hit: this exact value was seen before), so
  // callers can keep per-counter facts about the value beside the table.
  struct Added {
    std::uint32_t counter;
    bool hit;
  };
  Added add(std::uint64_t hash, std::string_view value);
  std::size_t capacity() const { return capacity_; }

  struct Entry {
    std::string value;
    std::uint64_t count = 0;  // upper bound (exact while exact())
    std::uint64_t error = 0;  // count - error is a lower bound
  };
  // The counters, most frequent first (by count, then by value).
  std::vector<Entry> entries() const;

  bool exact() const { return !evicted_; }
  // Distinct values seen, while exact().
  std::size_t size() const { return counters_.size(); }
  // Calls visit(hash) for every value held.
  template <typename Visit>
  void for_each_hash(Visit visit) const {
    for (const std::uint64_t hash : hashes_) visit(hash);
  }
  // True when add(hash, ...) would evict a counter (the table is full and
  // does not hold `hash`): the last moment the counts are all exact.
  bool would_evict(std::uint64_t hash) const { return counters_.size() == capacity_ && find(hash) == kNone; }
  std::size_t approximate_bytes() const;

 private:
  struct Counter {
    std::uint64_t error = 0;
    std::string value;
  };

  std::uint32_t find(std::uint64_t hash) const;  // counter index or kNone
  void insert_index(std::uint64_t hash, std::uint32_t counter);
  void erase_index(std::uint64_t hash);
  void grow_index();
  void build_buckets();
  void increment(std::uint32_t counter);
  void unlink_counter(std::uint32_t counter);
  void link_counter(std::uint32_t counter, std::uint32_t bucket);
  std::uint32_t new_bucket(std::uint64_t count, std::uint32_t after);
  void free_bucket(std::uint32_t bucket);
  void store_value(Counter& counter, std::string_view value) const;

  static constexpr std::uint32_t kNone = 0xffffffffu;

  std::size_t capacity_;
  std::size_t max_value_bytes_;
  std::vector<Counter> counters_;
  std::vector<std::uint64_t> counts_;  // per counter
  std::vector<std::uint64_t> hashes_;  // per counter, dense: probing verifies against it
  // Open addressing, linear probing, hash -> counter index. A slot keeps the
  // hash's low 32 bits (its home and a tag), so probing touches the counters
  // only on a tag match; 8-byte slots keep the index within a few KiB.
  struct Slot {
    std::uint32_t low_hash = 0;
    std::uint32_t counter = kNone;
  };
  std::vector<Slot> index_;
  // After the first eviction: the Stream-Summary structure of SpaceSaving,
  // a list of buckets in increasing count order, each with the list of
  // counters at that count. Incrementing moves a counter to the next bucket
  // and the minimum is the first bucket's: both O(1).
  struct Bucket {
    std::uint64_t count = 0;
    std::uint32_t first = kNone;  // a counter
    std::uint32_t previous = kNone, next = kNone;
  };
  struct Membership {
    std::uint32_t bucket = kNone;
    std::uint32_t previous = kNone, next = kNone;  // counters in the same bucket
  };
  std::vector<Bucket> buckets_;
  std::vector<std::uint32_t> free_buckets_;
  std::vector<Membership> membership_;  // per counter
  std::uint32_t smallest_bucket_ = kNone;
  bool evicted_ = false;
};

}  // namespace iv::analysis
