#include "analysis/distinct_counter.h"

#include <cmath>

namespace iv::analysis {

DistinctCounter::DistinctCounter(std::size_t exact_limit) : exact_limit_(exact_limit) {}

void DistinctCounter::add_exact(std::uint64_t hash) {
  if (hash == 0) hash = 1;
  if (slots_.empty()) slots_.assign(16, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == hash) return;
    if (slots_[i] == 0) {
      slots_[i] = hash;
      ++size_;
      break;
    }
  }
  if (size_ > exact_limit_) {
    switch_to_sketch();
  } else if (size_ * 2 > slots_.size()) {
    grow();
  }
}

void DistinctCounter::grow() {
  std::vector<std::uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const std::uint64_t hash : old) {
    if (hash == 0) continue;
    std::size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = hash;
  }
}

void DistinctCounter::switch_to_sketch() {
  sketch_ = std::make_unique<HyperLogLog>();
  for (const std::uint64_t hash : slots_) {
    if (hash != 0) sketch_->add(hash);
  }
  std::vector<std::uint64_t>().swap(slots_);
}

std::uint64_t DistinctCounter::count() const {
  if (!sketch_) return size_;
  return static_cast<std::uint64_t>(std::llround(sketch_->estimate()));
}

std::size_t DistinctCounter::approximate_bytes() const {
  return sizeof(*this) + slots_.capacity() * sizeof(std::uint64_t) + (sketch_ ? sizeof(HyperLogLog) : 0);
}

}  // namespace iv::analysis
