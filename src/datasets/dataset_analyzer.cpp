#include "datasets/dataset_analyzer.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "analysis/analyze.h"

namespace iv::datasets {
namespace {

// Shared between the caller and the analysis thread, which may outlive the call.
struct Outcome {
  std::mutex mutex;
  std::condition_variable ready;
  std::optional<std::expected<std::string, std::string>> result;
};

}  // namespace

std::expected<std::string, std::string> EngineAnalyzer::analyze(const std::filesystem::path& path,
                                                                std::string_view file_name) {
  auto outcome = std::make_shared<Outcome>();
  std::thread([outcome, path, name = std::string(file_name), delay = settings_.test_delay] {
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::expected<std::string, std::string> result = std::unexpected(std::string());
    try {
      auto analysis = analysis::analyze_file(path, name);
      if (analysis) {
        result = analysis::to_json(*analysis);
      } else {
        result = std::unexpected(analysis.error().message);
      }
    } catch (const std::exception& e) {
      result = std::unexpected("The file could not be analysed (" + std::string(e.what()) + ").");
    }
    std::lock_guard lock(outcome->mutex);
    outcome->result = std::move(result);
    outcome->ready.notify_all();
  }).detach();

  std::unique_lock lock(outcome->mutex);
  if (!outcome->ready.wait_for(lock, settings_.time_budget + settings_.test_delay,
                               [&] { return outcome->result.has_value(); })) {
    return std::unexpected("The analysis did not finish within " +
                           std::to_string(settings_.time_budget.count()) +
                           " seconds; the file is too large or too complex to profile here.");
  }
  return std::move(*outcome->result);
}

}  // namespace iv::datasets
