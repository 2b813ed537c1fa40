// Port from the pipeline to the profiling engine, so the pipeline can be
// tested with a fake and the real engine runs under a time budget.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace iv::datasets {

class DatasetAnalyzer {
 public:
  virtual ~DatasetAnalyzer() = default;
  // The analysis document (DESIGN.md "The analysis document") of the file at
  // `path`, or a sentence for the visitor saying why it could not be read.
  // `file_name` is the visitor's (sanitized) name, used as a format hint.
  virtual std::expected<std::string, std::string> analyze(const std::filesystem::path& path,
                                                          std::string_view file_name) = 0;
};

struct EngineAnalyzerSettings {
  std::chrono::seconds time_budget{300};  // ANALYSIS_TIMEOUT_S
  // Test hook (kill -9 test): sleep this long before analyzing.
  std::chrono::milliseconds test_delay{0};
};

// Runs iv::analysis::analyze_file on its own thread and gives up after the
// time budget. The engine has no way to be interrupted, so a run that is
// given up on finishes in the background and its result is dropped; the
// engine's memory is bounded by the columns, so that costs one core for a
// while, never the process.
class EngineAnalyzer final : public DatasetAnalyzer {
 public:
  explicit EngineAnalyzer(EngineAnalyzerSettings settings) : settings_(settings) {}
  std::expected<std::string, std::string> analyze(const std::filesystem::path& path,
                                                  std::string_view file_name) override;

 private:
  EngineAnalyzerSettings settings_;
};

}  // namespace iv::datasets
