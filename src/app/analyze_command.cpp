#include "app/analyze_command.h"

#include <cmath>
#include <string>

#include "analysis/analyze.h"

namespace iv::app {
namespace {

std::string number_text(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", *value);
  return buffer;
}

void print_table(const analysis::TableProfile& table, std::FILE* out) {
  if (!table.name.empty()) std::fprintf(out, "\nsheet %s\n", table.name.c_str());
  std::fprintf(out, "rows %llu, columns %zu, duplicate rows ~%llu, completeness %.1f%%\n",
               static_cast<unsigned long long>(table.rows), table.columns.size(),
               static_cast<unsigned long long>(table.duplicate_rows), table.completeness * 100);
  std::fprintf(out, "%-28s %-12s %10s %10s %10s %12s %12s %12s %12s\n", "column", "type", "count", "nulls",
               "distinct", "min", "max", "mean", "p50");
  for (const auto& column : table.columns) {
    const std::string min = column.min ? number_text(column.min) : column.min_text.value_or("-");
    const std::string max = column.max ? number_text(column.max) : column.max_text.value_or("-");
    std::fprintf(out, "%-28.28s %-12s %10llu %10llu %9s%llu %12.12s %12.12s %12s %12s\n", column.name.c_str(),
                 column.type.c_str(), static_cast<unsigned long long>(column.count),
                 static_cast<unsigned long long>(column.nulls), column.distinct_exact ? "" : "~",
                 static_cast<unsigned long long>(column.distinct), min.c_str(), max.c_str(),
                 number_text(column.mean).c_str(), number_text(column.p50).c_str());
  }
  for (const auto& warning : table.warnings) {
    std::fprintf(out, "warning %s%s%s: %s\n", warning.code.c_str(), warning.column.empty() ? "" : " in ",
                 warning.column.c_str(), warning.message.c_str());
  }
}

}  // namespace

int run_analyze(const std::filesystem::path& file, bool json, std::FILE* out, std::FILE* err) {
  const auto analysis = analysis::analyze_file(file, file.filename().string());
  if (!analysis) {
    std::fprintf(err, "%s: %s (%s)\n", file.string().c_str(), analysis.error().message.c_str(),
                 analysis.error().code.c_str());
    return 2;
  }
  if (json) {
    const std::string document = analysis::to_json(*analysis);
    std::fwrite(document.data(), 1, document.size(), out);
    std::fputc('\n', out);
    return 0;
  }
  std::fprintf(out, "%s: %s, %s%s%s, %llu bytes in %.2f s\n", file.string().c_str(), analysis->format.c_str(),
               analysis->encoding.c_str(), analysis->dialect.empty() ? "" : ", ", analysis->dialect.c_str(),
               static_cast<unsigned long long>(analysis->bytes), analysis->seconds);
  for (const auto& table : analysis->tables) print_table(table, out);
  return 0;
}

}  // namespace iv::app
