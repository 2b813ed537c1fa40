#include "analysis/analyze.h"

#include <chrono>

namespace iv::analysis {

std::expected<Analysis, ReadError> analyze_file(const std::filesystem::path& path, std::string_view file_name,
                                                const AnalyzeSettings& settings) {
  const auto started = std::chrono::steady_clock::now();
  Profiler profiler(settings.profile);
  auto summary = read_dataset(path, file_name, profiler, settings.read);
  if (!summary) return std::unexpected(std::move(summary.error()));
  Analysis analysis = profiler.finish();
  analysis.format = std::string(format_name(summary->format));
  analysis.encoding = std::move(summary->encoding);
  analysis.dialect = std::move(summary->dialect);
  analysis.bytes = summary->bytes;
  // What the reader recognized (COCO, Pascal VOC) describes the dataset
  // better than a label column the profiler may also have found.
  if (summary->annotations) analysis.annotations = std::move(summary->annotations);
  analysis.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return analysis;
}

}  // namespace iv::analysis
