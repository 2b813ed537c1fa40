#include "analysis/top_values.h"

#include <algorithm>

#include "analysis/value_types.h"

namespace iv::analysis {

TopValues::TopValues(std::size_t capacity, std::size_t max_value_bytes)
    : capacity_(std::max<std::size_t>(capacity, 1)), max_value_bytes_(max_value_bytes) {
  index_.assign(16, Slot{});
}

std::uint32_t TopValues::find(std::uint64_t hash) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = index_[i];
    if (slot.counter == kNone) return kNone;
    if (slot.low_hash == static_cast<std::uint32_t>(hash) && hashes_[slot.counter] == hash) {
      return slot.counter;
    }
  }
}

void TopValues::insert_index(std::uint64_t hash, std::uint32_t counter) {
  const std::size_t mask = index_.size() - 1;
  std::size_t i = hash & mask;
  while (index_[i].counter != kNone) i = (i + 1) & mask;
  index_[i] = Slot{static_cast<std::uint32_t>(hash), counter};
}

void TopValues::grow_index() {
  std::vector<Slot> old(index_.size() * 2);
  old.swap(index_);
  for (const Slot& slot : old) {
    if (slot.counter != kNone) insert_index(hashes_[slot.counter], slot.counter);
  }
}

void TopValues::erase_index(std::uint64_t hash) {
  // Backward-shift deletion keeps linear probing correct without tombstones.
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = hash & mask;
  const auto low_hash = static_cast<std::uint32_t>(hash);
  while (index_[hole].counter == kNone || index_[hole].low_hash != low_hash ||
         hashes_[index_[hole].counter] != hash) {
    hole = (hole + 1) & mask;
  }
  for (std::size_t next = (hole + 1) & mask; index_[next].counter != kNone; next = (next + 1) & mask) {
    const std::size_t home = index_[next].low_hash & mask;
    // Move `next` into the hole unless its home lies cyclically in (hole, next].
    const bool home_between = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (!home_between) {
      index_[hole] = index_[next];
      hole = next;
    }
  }
  index_[hole] = Slot{};
}

void TopValues::store_value(Counter& counter, std::string_view value) const {
  // assign() reuses the string's buffer: no allocation once warmed up.
  counter.value.assign(truncate_utf8(value, max_value_bytes_));
}

std::uint32_t TopValues::new_bucket(std::uint64_t count, std::uint32_t after) {
  std::uint32_t bucket;
  if (!free_buckets_.empty()) {
    bucket = free_buckets_.back();
    free_buckets_.pop_back();
  } else {
    bucket = static_cast<std::uint32_t>(buckets_.size());
    buckets_.emplace_back();
  }
  Bucket& created = buckets_[bucket];
  created = Bucket{count, kNone, after, kNone};
  if (after == kNone) {
    created.next = smallest_bucket_;
    if (smallest_bucket_ != kNone) buckets_[smallest_bucket_].previous = bucket;
    smallest_bucket_ = bucket;
  } else {
    created.next = buckets_[after].next;
    if (created.next != kNone) buckets_[created.next].previous = bucket;
    buckets_[after].next = bucket;
  }
  return bucket;
}

void TopValues::free_bucket(std::uint32_t bucket) {
  const Bucket& gone = buckets_[bucket];
  if (gone.previous != kNone) {
    buckets_[gone.previous].next = gone.next;
  } else {
    smallest_bucket_ = gone.next;
  }
  if (gone.next != kNone) buckets_[gone.next].previous = gone.previous;
  free_buckets_.push_back(bucket);
}

void TopValues::unlink_counter(std::uint32_t counter) {
  Membership& member = membership_[counter];
  if (member.previous != kNone) {
    membership_[member.previous].next = member.next;
  } else {
    buckets_[member.bucket].first = member.next;
  }
  if (member.next != kNone) membership_[member.next].previous = member.previous;
  member = Membership{};
}

void TopValues::link_counter(std::uint32_t counter, std::uint32_t bucket) {
  Membership& member = membership_[counter];
  member.bucket = bucket;
  member.previous = kNone;
  member.next = buckets_[bucket].first;
  if (member.next != kNone) membership_[member.next].previous = counter;
  buckets_[bucket].first = counter;
}

void TopValues::build_buckets() {
  std::vector<std::uint32_t> order(counters_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [this](std::uint32_t a, std::uint32_t b) { return counts_[a] < counts_[b]; });
  membership_.assign(counters_.size(), Membership{});
  std::uint32_t last = kNone;
  for (const std::uint32_t counter : order) {
    if (last == kNone || buckets_[last].count != counts_[counter]) last = new_bucket(counts_[counter], last);
    link_counter(counter, last);
  }
}

// counts_[counter] + 1, keeping the buckets in order.
void TopValues::increment(std::uint32_t counter) {
  const std::uint64_t count = ++counts_[counter];
  if (membership_.empty()) return;  // no buckets before the first eviction
  const std::uint32_t bucket = membership_[counter].bucket;
  const std::uint32_t next = buckets_[bucket].next;
  const bool alone = buckets_[bucket].first == counter && membership_[counter].next == kNone;
  if (next != kNone && buckets_[next].count == count) {
    unlink_counter(counter);
    link_counter(counter, next);
    if (alone) free_bucket(bucket);
  } else if (alone) {
    buckets_[bucket].count = count;  // still below the next bucket
  } else {
    unlink_counter(counter);
    link_counter(counter, new_bucket(count, bucket));
  }
}

TopValues::Added TopValues::add(std::uint64_t hash, std::string_view value) {
  const std::uint32_t found = find(hash);
  if (found != kNone) {
    increment(found);
    return {found, true};
  }
  if (counters_.size() < capacity_) {
    // The index grows with the table (load <= 1/2): few-valued columns stay small.
    if ((counters_.size() + 1) * 2 > index_.size() + 2) grow_index();
    const auto index = static_cast<std::uint32_t>(counters_.size());
    Counter& counter = counters_.emplace_back();
    counts_.push_back(1);
    hashes_.push_back(hash);
    store_value(counter, value);
    insert_index(hash, index);
    return {index, false};
  }
  // Full: the new value takes over a counter with the smallest count and
  // inherits that count as its error.
  if (!evicted_) build_buckets();
  evicted_ = true;
  const std::uint32_t victim = buckets_[smallest_bucket_].first;
  Counter& counter = counters_[victim];
  erase_index(hashes_[victim]);
  hashes_[victim] = hash;
  counter.error = counts_[victim];
  store_value(counter, value);
  insert_index(hash, victim);
  increment(victim);
  return {victim, false};
}

std::vector<TopValues::Entry> TopValues::entries() const {
  std::vector<Entry> result;
  result.reserve(counters_.size());
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    result.push_back(Entry{counters_[i].value, counts_[i], counters_[i].error});
  }
  std::sort(result.begin(), result.end(), [](const Entry& a, const Entry& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  return result;
}

std::size_t TopValues::approximate_bytes() const {
  std::size_t bytes =
      sizeof(*this) + counters_.capacity() * sizeof(Counter) + counts_.capacity() * sizeof(std::uint64_t) +
      index_.capacity() * sizeof(Slot) + buckets_.capacity() * sizeof(Bucket) +
      free_buckets_.capacity() * sizeof(std::uint32_t) + membership_.capacity() * sizeof(Membership);
  for (const Counter& counter : counters_) {
    if (counter.value.capacity() > 15) bytes += counter.value.capacity() + 1;
  }
  return bytes;
}

}  // namespace iv::analysis
