// Counts distinct values by their 64-bit hashes: exactly (an open-addressing
// set of hashes) up to a limit, then with HyperLogLog. Memory: at most
// 2 * next_pow2(limit) * 8 bytes while exact, 16 KiB after.
//
// "Exact" means exact up to 64-bit hash collisions: with 10^4 values the
// chance of one collision is about 3e-12.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "analysis/hyperloglog.h"

namespace iv::analysis {

class DistinctCounter {
 public:
  explicit DistinctCounter(std::size_t exact_limit);

  void add(std::uint64_t hash) {
    if (sketch_) {
      sketch_->add(hash);
    } else {
      add_exact(hash);
    }
  }

  bool exact() const { return sketch_ == nullptr; }
  // Exact count, or the rounded HyperLogLog estimate.
  std::uint64_t count() const;
  std::size_t approximate_bytes() const;

 private:
  void add_exact(std::uint64_t hash);
  void grow();
  void switch_to_sketch();

  std::size_t exact_limit_;
  std::vector<std::uint64_t> slots_;  // 0 = empty; a hash of 0 is stored as 1
  std::size_t size_ = 0;
  std::unique_ptr<HyperLogLog> sketch_;
};

}  // namespace iv::analysis
