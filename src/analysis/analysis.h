// The analysis document: what the profiler found in a dataset. Its JSON form
// (to_json) is the contract in ../shared/DESIGN.md ("The analysis document"),
// served by GET /api/v1/uploads/{id}/analysis and printed by
// `indivillage analyze FILE --json`; the results page renders from_json's
// output of the stored document.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/annotations.h"

namespace iv::analysis {

struct ValueCount {
  std::string value;  // truncated to 200 bytes (UTF-8 safe)
  std::uint64_t count = 0;
};

struct HistogramBin {
  double lower = 0, upper = 0;  // [lower, upper), the last bin includes upper
  std::uint64_t count = 0;
};

// A kind of personal data found in a column, and the share of the column's
// non-null values that match it.
struct PiiFinding {
  std::string kind;  // "email", "phone", "payment_card", "ip_address", "pan", "aadhaar"
  double share = 0;  // 0..1
};

struct ColumnProfile {
  std::string name;
  // "integer", "decimal", "boolean", "date", "datetime", "text",
  // "categorical", "identifier", "empty"
  std::string type;
  double type_share = 0;      // share of non-null values that fit `type`
  std::uint64_t count = 0;    // records in which the column was present and not null/empty
  std::uint64_t nulls = 0;    // missing, JSON null, or empty string
  std::uint64_t empties = 0;  // of which: empty or whitespace-only strings
  std::uint64_t distinct = 0;
  bool distinct_exact = true;  // false: HyperLogLog estimate
  // Numeric columns (integer/decimal): min/max/mean/stddev over the numbers;
  // date columns: min/max as ISO text in min_text/max_text; text columns:
  // min/max lexicographic in min_text/max_text.
  std::optional<double> min, max, mean, stddev;
  std::optional<std::string> min_text, max_text;
  std::optional<double> p25, p50, p75;  // numeric columns; sketch estimates
  double quantile_rank_error = 0;       // the sketch's stated rank error (0 = exact)
  std::vector<ValueCount> top;          // most frequent first, at most 10
  bool top_exact = true;
  std::vector<HistogramBin> histogram;                        // numeric columns
  std::optional<double> length_min, length_max, length_mean;  // text lengths in characters
  std::vector<std::string> examples;                          // up to 3 distinct values, truncated
  std::vector<PiiFinding> pii;
};

struct Warning {
  std::string code;     // stable snake_case: "mixed_types", "constant_column", "high_null_share",
                        // "outliers", "inconsistent_date_formats", "whitespace", "encoding_errors",
                        // "ragged_rows", "duplicate_rows", "personal_data", ...
  std::string column;   // empty for dataset-wide warnings
  std::string message;  // a sentence for the visitor
};

// One table of the dataset (an XLSX sheet; other formats have one).
struct TableProfile {
  std::string name;  // sheet name; empty otherwise
  std::uint64_t rows = 0;
  std::vector<ColumnProfile> columns;
  std::uint64_t duplicate_rows = 0;  // estimated
  double completeness = 0;           // non-null cells / all cells, 0..1
  std::vector<Warning> warnings;
  std::vector<std::string> preview_header;
  std::vector<std::vector<std::string>> preview;  // first rows, values truncated; escaped on output
};

struct Analysis {
  std::string format;  // "csv", "tsv", "json", "ndjson", "xml", "xlsx"
  std::string encoding;
  std::string dialect;
  std::uint64_t bytes = 0;
  double seconds = 0;                // wall time of the profile
  std::vector<TableProfile> tables;  // at least one; the JSON puts tables[0] at top level
  std::optional<AnnotationSummary> annotations;
};

// The JSON document: {"format", "encoding", "dialect", "bytes", "seconds",
// "rows", "columns", "warnings", "preview", "preview_header",
// "duplicate_rows", "completeness", "annotations"?, "tables": [...]} where the
// top-level table fields are those of tables[0] and "tables" lists every table.
std::string to_json(const Analysis& analysis);

// Parses a document written by to_json (for rendering stored results).
std::expected<Analysis, std::string> from_json(std::string_view json);

}  // namespace iv::analysis
