#include "analysis/quantile_sketch.h"

#include <algorithm>
#include <cmath>

namespace iv::analysis {
namespace {

// The smallest capacity a level gets, so deep levels still compact in pairs.
constexpr std::uint32_t kMinLevelCapacity = 8;
// Each level below the top holds 2/3 of the one above it.
constexpr double kLevelShrink = 2.0 / 3.0;

}  // namespace

QuantileSketch::QuantileSketch(std::uint32_t k) : k_(k), levels_(1) {
  update_capacity();
}

std::uint32_t QuantileSketch::level_capacity(std::size_t level) const {
  const auto depth = static_cast<double>(levels_.size() - 1 - level);
  const auto capacity = static_cast<std::uint32_t>(std::ceil(k_ * std::pow(kLevelShrink, depth)));
  return std::max(capacity, kMinLevelCapacity);
}

void QuantileSketch::update_capacity() {
  capacity_total_ = 0;
  for (std::size_t level = 0; level < levels_.size(); ++level) {
    capacity_total_ += level_capacity(level);
  }
}

bool QuantileSketch::random_bit() {
  // xorshift64: cheap, and a fixed seed keeps profiles reproducible.
  random_state_ ^= random_state_ << 13;
  random_state_ ^= random_state_ >> 7;
  random_state_ ^= random_state_ << 17;
  return (random_state_ >> 32) & 1;
}

void QuantileSketch::compress() {
  // Compact the lowest level that is over its capacity; one compaction frees
  // at least half of that level, which is enough to continue.
  for (std::size_t level = 0; level < levels_.size(); ++level) {
    if (levels_[level].size() >= level_capacity(level)) {
      compact(level);
      break;
    }
  }
  retained_ = 0;
  for (const auto& values : levels_) retained_ += values.size();
}

void QuantileSketch::compact(std::size_t level) {
  if (level + 1 == levels_.size()) {
    levels_.emplace_back();
    update_capacity();
  }
  std::vector<double>& values = levels_[level];
  std::sort(values.begin(), values.end());
  // An odd value out stays behind, so weights stay powers of two.
  const bool odd = values.size() % 2 == 1;
  const double leftover = odd ? values.back() : 0.0;
  const std::size_t pairs_end = values.size() - (odd ? 1 : 0);
  std::vector<double>& above = levels_[level + 1];
  for (std::size_t i = random_bit() ? 1 : 0; i < pairs_end; i += 2) above.push_back(values[i]);
  values.clear();
  if (odd) values.push_back(leftover);
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  if (count_ == 0 || other.max_ > max_) max_ = other.max_;
  count_ += other.count_;
  while (levels_.size() < other.levels_.size()) levels_.emplace_back();
  update_capacity();
  for (std::size_t level = 0; level < other.levels_.size(); ++level) {
    levels_[level].insert(levels_[level].end(), other.levels_[level].begin(), other.levels_[level].end());
  }
  retained_ = 0;
  for (const auto& values : levels_) retained_ += values.size();
  while (retained_ >= capacity_total_) compress();
}

QuantileSketch::SortedView QuantileSketch::sorted_view() const {
  SortedView view;
  view.count_ = count_;
  view.min_ = min_;
  view.max_ = max_;
  std::vector<std::pair<double, std::uint64_t>> weighted;
  weighted.reserve(retained_);
  for (std::size_t level = 0; level < levels_.size(); ++level) {
    for (const double value : levels_[level]) weighted.emplace_back(value, std::uint64_t{1} << level);
  }
  std::sort(weighted.begin(), weighted.end());
  std::uint64_t running = 0;
  for (auto& [value, weight] : weighted) {
    running += weight;
    weight = running;
  }
  view.cumulative_ = std::move(weighted);
  return view;
}

QuantileSketch::SortedView QuantileSketch::SortedView::exact(
    std::vector<std::pair<double, std::uint64_t>> weighted) {
  SortedView view;
  std::sort(weighted.begin(), weighted.end());
  std::uint64_t running = 0;
  for (auto& [value, weight] : weighted) {
    running += weight;
    weight = running;
  }
  view.count_ = running;
  if (!weighted.empty()) {
    view.min_ = weighted.front().first;
    view.max_ = weighted.back().first;
  }
  view.cumulative_ = std::move(weighted);
  return view;
}

double QuantileSketch::SortedView::quantile(double q) const {
  if (cumulative_.empty()) return 0;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  const std::uint64_t total = cumulative_.back().second;
  const auto target = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), target,
                                   [](const auto& entry, std::uint64_t t) { return entry.second < t; });
  return it == cumulative_.end() ? max_ : it->first;
}

double QuantileSketch::SortedView::count_at_or_below(double value) const {
  if (cumulative_.empty() || value < min_) return 0;
  if (value >= max_) return static_cast<double>(count_);
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), value,
                                   [](double v, const auto& entry) { return v < entry.first; });
  if (it == cumulative_.begin()) return 0;
  // Retained weights sum to count_ (compaction keeps half the values at twice
  // the weight), up to the odd values carried along; scale to be safe.
  const double scale = static_cast<double>(count_) / static_cast<double>(cumulative_.back().second);
  return static_cast<double>(std::prev(it)->second) * scale;
}

double QuantileSketch::SortedView::count_below(double value) const {
  if (cumulative_.empty() || value <= min_) return 0;
  if (value > max_) return static_cast<double>(count_);
  const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), value,
                                   [](const auto& entry, double v) { return entry.first < v; });
  if (it == cumulative_.begin()) return 0;
  const double scale = static_cast<double>(count_) / static_cast<double>(cumulative_.back().second);
  return static_cast<double>(std::prev(it)->second) * scale;
}

std::size_t QuantileSketch::approximate_bytes() const {
  std::size_t bytes = sizeof(*this) + levels_.capacity() * sizeof(std::vector<double>);
  for (const auto& values : levels_) bytes += values.capacity() * sizeof(double);
  return bytes;
}

}  // namespace iv::analysis
