// The streaming profiler: a RecordSink that keeps, per column, a fixed-size
// state (counters, sketches, a bounded top-k and a bounded exact-distinct set)
// so memory grows with the number of columns, never with the number of rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "analysis/analysis.h"
#include "analysis/record.h"

namespace iv::analysis {

struct ProfileSettings {
  std::size_t exact_distinct_limit = 10000;  // beyond: HyperLogLog
  std::size_t top_values = 10;
  std::size_t histogram_bins = 20;
  std::size_t preview_rows = 20;
  std::size_t max_value_bytes = 200;  // truncation of shown values
  // Columns beyond this (JSON records whose keys are data) are not profiled;
  // a "too_many_columns" warning says so.
  std::size_t max_columns = 2000;
};

class Profiler final : public RecordSink {
 public:
  explicit Profiler(ProfileSettings settings = {});
  ~Profiler() override;
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  void begin_table(std::string_view name) override;
  void header(std::span<const std::string> names) override;
  void record(std::span<const Field> fields) override;
  void warning(std::string_view code, std::string_view message) override;

  // Ends the last table and returns the tables' profiles (format, encoding,
  // dialect, bytes and annotations are the caller's to fill).
  Analysis finish();

  // The profiler's own estimate of the memory it holds (per-column state,
  // duplicate-row sample, preview): bounded by the number of columns.
  std::size_t approximate_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace iv::analysis
