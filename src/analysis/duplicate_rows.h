// Estimates how many rows repeat an earlier row, from 64-bit row
// fingerprints, in bounded memory: an exact multiset of fingerprints while it
// fits, then a hash-based sample of it (only fingerprints below a threshold
// are kept, the threshold halving when the sample is full). Every copy of a
// row has the same fingerprint, so a row is either sampled with all its
// copies or not at all: the duplicates found in the sample, scaled by the
// sampling rate, estimate the total without bias, and a file without
// duplicates always reports 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace iv::analysis {

class DuplicateRows {
 public:
  static constexpr std::size_t kMaxSample = std::size_t{1} << 16;

  void add(std::uint64_t fingerprint);

  // Rows minus distinct rows: exact while exact(), else an estimate with
  // relative error about 1/sqrt(duplicates in the sample).
  std::uint64_t duplicates() const;
  bool exact() const { return threshold_ == ~std::uint64_t{0}; }
  std::size_t approximate_bytes() const;

 private:
  struct Slot {
    std::uint64_t fingerprint = 0;  // 0 = empty (fingerprint 0 is stored as 1)
    std::uint64_t copies = 0;
  };
  void insert(std::uint64_t fingerprint, std::uint64_t copies);
  void halve_sample();

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::uint64_t sampled_rows_ = 0;
  std::uint64_t threshold_ = ~std::uint64_t{0};
};

}  // namespace iv::analysis
