// The running state of one column: fixed-size counters and sketches fed one
// value at a time, turned into a ColumnProfile at the end of the table.
//
// Memory per column is capped whatever the number of rows: the exact
// distinct set (up to ProfileSettings::exact_distinct_limit hashes) is
// replaced by a 16 KiB HyperLogLog, the top-k table has kTopCounters
// counters with values cut to max_value_bytes (plus what we learned about
// each counter's value), the quantile sketch keeps about 800 doubles, and the
// lexicographic min/max keep at most 1 KiB each. Worst case about 400 KiB
// per column; a few KiB for a column of few distinct values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/distinct_counter.h"
#include "analysis/pii.h"
#include "analysis/profiler.h"
#include "analysis/quantile_sketch.h"
#include "analysis/record.h"
#include "analysis/top_values.h"
#include "analysis/value_types.h"

namespace iv::analysis {

// Counters of the SpaceSaving top-k table: also the most classes a
// labelled table can report exactly.
inline constexpr std::size_t kTopCounters = 1024;

// The finished profile plus what the warnings and the labelled-table check
// need to know about the column.
struct FinishedColumn {
  ColumnProfile profile;
  std::uint64_t rows = 0;
  std::uint64_t whitespace_values = 0;  // values with leading or trailing whitespace
  std::string second_type;              // the most common other type, if any
  double second_type_share = 0;
  // Date formats in use (after resolving dd/mm vs mm/dd), with counts.
  std::vector<std::pair<std::string, std::uint64_t>> date_formats;
  // Values beyond Tukey's far fences (p25 - 3 IQR, p75 + 3 IQR), estimated
  // from the quantile sketch (exact while it is exact).
  std::uint64_t outliers = 0;
  bool outliers_estimated = false;
  std::vector<TopValues::Entry> all_top;  // every counter, for class balance
  bool all_top_exact = true;
};

class ColumnState {
 public:
  ColumnState(std::string name, const ProfileSettings& settings);

  const std::string& name() const { return name_; }

  // One field of a record. Returns a hash standing for the value in the row
  // fingerprint (null and empty values have fixed hashes).
  std::uint64_t observe(std::string_view value, ValueKind kind);

  FinishedColumn finish(std::uint64_t rows) const;

  std::size_t approximate_bytes() const;

 private:
  std::size_t observe_text_stats(std::string_view value);  // returns the length
  void count_pii(std::uint8_t kinds);
  void observe_classified(const ClassifiedValue& value);
  void add_example(std::string_view value);
  void start_sketching();
  void leave_exact_top();
  QuantileSketch::SortedView number_distribution() const;
  ValueType dominant_type(double& share, std::string& second, double& second_share) const;
  void finish_numeric(ColumnProfile& profile, FinishedColumn& finished) const;
  void finish_dates(ColumnProfile& profile, FinishedColumn& finished) const;
  void finish_text(ColumnProfile& profile) const;
  void finish_top(ColumnProfile& profile, FinishedColumn& finished) const;
  void finish_pii(ColumnProfile& profile) const;
  void refine_text_type(ColumnProfile& profile) const;

  std::string name_;
  const ProfileSettings* settings_;

  std::uint64_t present_ = 0;     // fields seen, including nulls
  std::uint64_t json_nulls_ = 0;  // ValueKind::null
  std::uint64_t empties_ = 0;     // empty or whitespace-only
  std::uint64_t count_ = 0;       // the rest
  std::uint64_t whitespace_ = 0;
  std::array<std::uint64_t, kValueTypeCount> type_counts_{};

  // While the top-k table is exact it knows the distinct values; the
  // distinct counter is fed from the table's first eviction on.
  DistinctCounter distinct_;
  TopValues top_;

  // Numbers: Welford's running mean and sum of squared deviations.
  std::uint64_t number_count_ = 0;
  double number_min_ = 0, number_max_ = 0;
  double mean_ = 0, squared_deviations_ = 0;
  // While the top-k table is exact it holds every value with its count, so
  // quantiles come from it exactly and the sketch is not fed; just before
  // the table's first eviction its numbers are replayed into the sketch.
  QuantileSketch numbers_;
  bool sketching_ = false;

  // Dates and datetimes, in seconds. Unambiguous values go to [min, max];
  // day_or_month values to both readings' ranges, chosen at finish.
  std::array<std::uint64_t, kDateFormatCount> date_format_counts_{};
  double date_min_ = 0, date_max_ = 0;
  bool has_unambiguous_date_ = false;
  double day_first_min_ = 0, day_first_max_ = 0, month_first_min_ = 0, month_first_max_ = 0;
  bool has_ambiguous_date_ = false;

  // Text values (those that are no number, date or boolean): lexicographic
  // range (bytes) and lengths in code points.
  std::uint64_t text_count_ = 0;
  std::string text_min_, text_max_;
  std::size_t length_min_ = 0, length_max_ = 0;
  double length_sum_ = 0;

  std::array<std::uint64_t, kPiiKindCount> pii_counts_{};

  // What we learned about the value each top-k counter holds, so a value
  // seen again (most values in most columns) skips classification, number
  // parsing, PII detection and text scanning.
  struct KnownValue {
    ClassifiedValue classified;
    std::uint32_t length = 0;  // code points, for text values
    std::uint8_t pii = 0;      // detect_pii bits
  };
  std::vector<KnownValue> known_values_;
  std::vector<std::string> examples_;
};

}  // namespace iv::analysis
