// The sketches' accuracy claims, checked against exact answers.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/distinct_counter.h"
#include "analysis/duplicate_rows.h"
#include "analysis/hashing.h"
#include "analysis/hyperloglog.h"
#include "analysis/quantile_sketch.h"
#include "analysis/top_values.h"

namespace iv::analysis {
namespace {

std::uint64_t hash_of(std::uint64_t i) {
  return hash_bytes("value-" + std::to_string(i));
}

TEST(HyperLogLog, EstimatesWithinFourStandardErrors) {
  for (const std::uint64_t cardinality : {10ull, 1000ull, 20000ull, 100000ull, 1000000ull}) {
    HyperLogLog sketch;
    for (std::uint64_t i = 0; i < cardinality; ++i) sketch.add(hash_of(i));
    const double error = std::abs(sketch.estimate() - static_cast<double>(cardinality)) / cardinality;
    EXPECT_LT(error, 4 * HyperLogLog::kStandardError) << cardinality;
  }
}

TEST(HyperLogLog, RepeatsDoNotCountAndMergeIsUnion) {
  HyperLogLog a, b;
  for (int round = 0; round < 5; ++round) {
    for (std::uint64_t i = 0; i < 50000; ++i) a.add(hash_of(i));
  }
  for (std::uint64_t i = 25000; i < 75000; ++i) b.add(hash_of(i));
  EXPECT_NEAR(a.estimate(), 50000, 50000 * 4 * HyperLogLog::kStandardError);
  a.merge(b);
  EXPECT_NEAR(a.estimate(), 75000, 75000 * 4 * HyperLogLog::kStandardError);
}

TEST(DistinctCounter, ExactUpToTheLimitThenEstimated) {
  DistinctCounter counter(1000);
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t i = 0; i < 1000; ++i) counter.add(hash_of(i));
  }
  EXPECT_TRUE(counter.exact());
  EXPECT_EQ(counter.count(), 1000u);
  for (std::uint64_t i = 1000; i < 200000; ++i) counter.add(hash_of(i));
  EXPECT_FALSE(counter.exact());
  EXPECT_NEAR(static_cast<double>(counter.count()), 200000, 200000 * 0.03);
  EXPECT_LT(counter.approximate_bytes(), 20000u);
}

// The normalized rank error of `value` as the q-quantile of sorted `data`:
// distance from q to the nearest rank `value` occupies.
double rank_error(const std::vector<double>& sorted, double q, double value) {
  const auto n = static_cast<double>(sorted.size());
  const double below =
      static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin());
  const double through =
      static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), value) - sorted.begin());
  if (q * n < below) return (below - q * n) / n;
  if (q * n > through) return (q * n - through) / n;
  return 0;
}

void expect_quantiles_within_error(const std::vector<double>& input, const QuantileSketch& sketch) {
  std::vector<double> sorted = input;
  std::sort(sorted.begin(), sorted.end());
  const auto view = sketch.sorted_view();
  const double allowed =
      sketch.exact() ? 1.0 / static_cast<double>(sorted.size()) : QuantileSketch::kRankError;
  for (double q = 0.01; q < 1.0; q += 0.01) {
    EXPECT_LE(rank_error(sorted, q, view.quantile(q)), allowed) << "q=" << q;
  }
  EXPECT_EQ(view.quantile(0), sorted.front());
  EXPECT_EQ(view.quantile(1), sorted.back());
}

TEST(QuantileSketch, ExactForFewValues) {
  QuantileSketch sketch;
  std::vector<double> values;
  for (int i = 100; i > 0; --i) {
    values.push_back(i * 1.5);
    sketch.add(i * 1.5);
  }
  EXPECT_TRUE(sketch.exact());
  const auto view = sketch.sorted_view();
  EXPECT_DOUBLE_EQ(view.quantile(0.5), 75.0);   // the 50th smallest of 1.5..150
  EXPECT_DOUBLE_EQ(view.quantile(0.25), 37.5);  // the 25th
  EXPECT_DOUBLE_EQ(view.count_below(75.0), 49);
  EXPECT_DOUBLE_EQ(view.count_at_or_below(75.0), 50);
}

TEST(QuantileSketch, RankErrorHoldsForManyDistributionsAndOrders) {
  std::mt19937_64 random(42);
  std::normal_distribution<double> normal(50, 10);
  std::exponential_distribution<double> exponential(0.01);
  const std::size_t n = 1000000;
  std::vector<std::vector<double>> inputs(5);
  for (std::size_t i = 0; i < n; ++i) {
    inputs[0].push_back(normal(random));
    inputs[1].push_back(exponential(random));
    inputs[2].push_back(static_cast<double>(i));             // sorted
    inputs[3].push_back(static_cast<double>(n - i));         // reversed
    inputs[4].push_back(static_cast<double>(random() % 7));  // heavy repeats
  }
  for (const auto& input : inputs) {
    QuantileSketch sketch;
    for (const double value : input) sketch.add(value);
    EXPECT_FALSE(sketch.exact());
    EXPECT_EQ(sketch.count(), n);
    expect_quantiles_within_error(input, sketch);
    EXPECT_LT(sketch.approximate_bytes(), 64u * 1024);  // ~3k doubles plus vector slack
  }
}

TEST(QuantileSketch, MergedSketchesKeepTheError) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(-1000, 1000);
  QuantileSketch a, b;
  std::vector<double> all;
  for (int i = 0; i < 300000; ++i) {
    const double value = uniform(random);
    all.push_back(value);
    (i % 3 == 0 ? a : b).add(value);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.size());
  expect_quantiles_within_error(all, a);
}

TEST(TopValues, ExactWhileFewDistinct) {
  TopValues top(16, 200);
  for (int i = 0; i < 10; ++i) {
    for (int repeat = 0; repeat <= i; ++repeat) {
      const std::string value = "v" + std::to_string(i);
      top.add(hash_bytes(value), value);
    }
  }
  EXPECT_TRUE(top.exact());
  const auto entries = top.entries();
  ASSERT_EQ(entries.size(), 10u);
  EXPECT_EQ(entries[0].value, "v9");
  EXPECT_EQ(entries[0].count, 10u);
  EXPECT_EQ(entries[9].value, "v0");
  EXPECT_EQ(entries[9].count, 1u);
}

TEST(TopValues, FindsHeavyHittersAmongManyUniqueValuesWithBoundedCounts) {
  TopValues top(64, 200);
  std::mt19937_64 random(3);
  std::uint64_t heavy_a = 0, heavy_b = 0;
  for (std::uint64_t i = 0; i < 200000; ++i) {
    std::string value;
    const auto dice = random() % 10;
    if (dice == 0) {
      value = "heavy-a";
      ++heavy_a;
    } else if (dice == 1) {
      value = "heavy-b";
      ++heavy_b;
    } else {
      value = "unique-" + std::to_string(i);
    }
    top.add(hash_bytes(value), value);
  }
  EXPECT_FALSE(top.exact());
  const auto entries = top.entries();
  ASSERT_GE(entries.size(), 2u);
  std::uint64_t found = 0;
  for (const auto& entry : entries) {
    if (entry.value == "heavy-a" || entry.value == "heavy-b") {
      const std::uint64_t truth = entry.value == "heavy-a" ? heavy_a : heavy_b;
      EXPECT_LE(entry.count - entry.error, truth);
      EXPECT_GE(entry.count, truth);
      ++found;
    }
  }
  EXPECT_EQ(found, 2u);
  EXPECT_TRUE(entries[0].value.starts_with("heavy"));
  EXPECT_TRUE(entries[1].value.starts_with("heavy"));
}

TEST(TopValues, SpaceSavingGuaranteesHoldOnASkewedStream) {
  const std::size_t capacity = 64;
  TopValues top(capacity, 200);
  std::mt19937_64 random(11);
  std::map<std::string, std::uint64_t> truth;
  const std::uint64_t n = 300000;
  for (std::uint64_t i = 0; i < n; ++i) {
    // Zipf-like: value k with probability ~ 1/k over 5000 values.
    const double u = std::uniform_real_distribution<double>(0, 1)(random);
    const auto k = static_cast<std::uint64_t>(std::exp(u * std::log(5000.0)));
    const std::string value = "v" + std::to_string(k);
    ++truth[value];
    top.add(hash_bytes(value), value);
  }
  const auto entries = top.entries();
  ASSERT_EQ(entries.size(), capacity);
  std::uint64_t total = 0;
  for (const auto& entry : entries) {
    total += entry.count;
    EXPECT_LE(entry.count - entry.error, truth[entry.value]) << entry.value;
    EXPECT_GE(entry.count, truth[entry.value]) << entry.value;
    EXPECT_LE(entry.error, n / capacity);
  }
  EXPECT_EQ(total, n);  // SpaceSaving's counters always sum to the stream length
  for (const auto& [value, count] : truth) {
    if (count <= n / capacity) continue;
    const bool monitored =
        std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.value == value; });
    EXPECT_TRUE(monitored) << value << " seen " << count << " times";
  }
  for (std::size_t i = 1; i < entries.size(); ++i) EXPECT_GE(entries[i - 1].count, entries[i].count);
}

TEST(TopValues, TruncatesStoredValuesOnCharacterBoundaries) {
  TopValues top(4, 5);
  const std::string value = "abcd\xC3\xA9xyz";  // 'é' straddles byte 5
  top.add(hash_bytes(value), value);
  EXPECT_EQ(top.entries()[0].value, "abcd");
}

TEST(DuplicateRows, ExactForSmallInputs) {
  DuplicateRows rows;
  for (std::uint64_t i = 0; i < 1000; ++i) rows.add(hash_of(i % 900));
  EXPECT_TRUE(rows.exact());
  EXPECT_EQ(rows.duplicates(), 100u);
}

TEST(DuplicateRows, NoFalseDuplicatesAndAccurateEstimatesWhenSampling) {
  DuplicateRows unique;
  for (std::uint64_t i = 0; i < 2000000; ++i) unique.add(hash_of(i));
  EXPECT_FALSE(unique.exact());
  EXPECT_EQ(unique.duplicates(), 0u);
  EXPECT_LT(unique.approximate_bytes(), 4u << 20);

  DuplicateRows some;
  for (std::uint64_t i = 0; i < 2000000; ++i) some.add(hash_of(i % 1800000));  // 200000 repeats
  EXPECT_NEAR(static_cast<double>(some.duplicates()), 200000, 200000 * 0.1);
}

}  // namespace
}  // namespace iv::analysis
