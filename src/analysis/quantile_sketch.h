// A KLL quantile sketch (Karnin, Lang, Liberty 2016) over doubles: mergeable,
// memory O(k) (about 3k values, ~6 KiB for k = 256) whatever the number of
// values, and exact until the first compaction (fewer than about k values).
//
// Rank error: for k = 256 we state kRankError = 1 % of the normalized rank.
// Measured: over 40 streams of 10^6 values, the worst error among the 1 %..99 %
// quantiles was 0.44 % (median stream) and 0.57 % (worst stream); KLL's
// theory gives about 1.05 % at 99 % confidence for a single query at this k.
// sketch_test checks the bound on several distributions and stream orders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace iv::analysis {

class QuantileSketch {
 public:
  static constexpr std::uint32_t kDefaultK = 256;
  static constexpr double kRankError = 0.01;

  explicit QuantileSketch(std::uint32_t k = kDefaultK);

  void add(double value) {
    if (count_ == 0 || value < min_) min_ = value;
    if (count_ == 0 || value > max_) max_ = value;
    ++count_;
    levels_[0].push_back(value);
    if (++retained_ >= capacity_total_) compress();
  }

  // Adds every value `other` summarizes (both sketches must use the same k).
  void merge(const QuantileSketch& other);

  std::uint64_t count() const { return count_; }
  // True while no value was discarded: answers are exact.
  bool exact() const { return levels_.size() == 1; }
  double min() const { return min_; }
  double max() const { return max_; }

  // The retained values sorted, each with the number of input values at or
  // below it (its cumulative weight). Build once, ask many questions.
  class SortedView {
   public:
    // The value whose rank is q * count (nearest rank); q in [0, 1].
    double quantile(double q) const;
    // Estimated number of input values <= value.
    double count_at_or_below(double value) const;
    // Estimated number of input values < value.
    double count_below(double value) const;

    // An exact view of values with multiplicities (no sketch involved).
    static SortedView exact(std::vector<std::pair<double, std::uint64_t>> weighted);

   private:
    friend class QuantileSketch;
    std::vector<std::pair<double, std::uint64_t>> cumulative_;
    std::uint64_t count_ = 0;
    double min_ = 0, max_ = 0;
  };
  SortedView sorted_view() const;

  std::size_t approximate_bytes() const;

 private:
  std::uint32_t level_capacity(std::size_t level) const;
  void compress();
  void compact(std::size_t level);
  void update_capacity();
  bool random_bit();

  std::uint32_t k_;
  std::vector<std::vector<double>> levels_;  // level h holds values of weight 2^h
  std::uint64_t count_ = 0;
  std::size_t retained_ = 0;
  std::size_t capacity_total_ = 0;
  double min_ = 0, max_ = 0;
  std::uint64_t random_state_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace iv::analysis
