// Reads a dataset file of any supported format and pushes its records into a
// RecordSink, streaming: memory is bounded by the limits below, never by the
// file's size or number of rows.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/annotations.h"
#include "analysis/format.h"
#include "analysis/record.h"

namespace iv::analysis {

struct ReadLimits {
  std::uint64_t max_field_bytes = 1 << 20;           // a longer field is truncated, with a warning
  std::uint64_t max_record_bytes = 16 << 20;         // a longer record (or line) is refused
  std::uint32_t max_columns = 2000;                  // more columns is refused
  std::uint32_t max_depth = 64;                      // JSON / XML nesting
  std::uint64_t max_xlsx_uncompressed = 1ull << 31;  // zip-bomb guard: sum over the parts we read
  std::uint32_t max_xlsx_ratio = 200;                // and per part: uncompressed / compressed
  std::uint32_t max_sheets = 32;
};

// How the reader understood the file: shown to the visitor in the report.
struct ReadSummary {
  Format format = Format::unknown;
  std::string encoding;  // "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "latin-1"
  std::string dialect;   // CSV: e.g. "delimiter ';', quote '\"', header row"; XML: "record element <item>"
  std::uint64_t bytes = 0;
  std::optional<AnnotationSummary> annotations;  // COCO / Pascal VOC, found by the reader
};

// A refusal: the file cannot be read as a dataset. `code` is stable
// snake_case ("unsupported_format", "empty_file", "too_deep", "zip_bomb",
// "entity_expansion", "record_too_large", "malformed", "io_error", ...);
// `message` is a sentence for the visitor.
struct ReadError {
  std::string code;
  std::string message;
};

// Detects the format (see detect_format) and reads the file. `file_name` is
// the visitor's original name (only its extension is used, as a hint).
std::expected<ReadSummary, ReadError> read_dataset(const std::filesystem::path& path,
                                                   std::string_view file_name, RecordSink& sink,
                                                   const ReadLimits& limits = {});

}  // namespace iv::analysis
