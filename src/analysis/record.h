// The contract between dataset readers (CSV, JSON, XML, XLSX, ...) and the
// profiler: a reader turns bytes into records of named fields and pushes them
// into a RecordSink, one record at a time, so memory never depends on the
// number of rows.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace iv::analysis {

// What the reader knows about a value's type. CSV and XML only produce `text`
// (and `null` for an empty field is the profiler's decision, not the
// reader's); JSON tells numbers, booleans and nulls apart.
enum class ValueKind : std::uint8_t { null, text, number, boolean };

// One field of a record. `name` and `value` are views that stay valid only
// for the duration of the RecordSink::record() call that carries them.
// `value` is UTF-8 (readers transcode UTF-16 and Latin-1, and replace invalid
// sequences with U+FFFD, reporting a warning). Nested JSON objects arrive
// flattened to dotted paths ("address.city"); a JSON array arrives as one
// field whose value is a short summary (e.g. "[3 items]") with kind text.
struct Field {
  std::string_view name;
  std::string_view value;
  ValueKind kind = ValueKind::text;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;

  // A new table starts. Every input has at least one table; an XLSX workbook
  // has one per sheet. `name` is the sheet name, or empty for single-table
  // formats. Called before the table's first record.
  virtual void begin_table(std::string_view name) = 0;

  // The header's column names in order, when the format has one (CSV, TSV,
  // XLSX). Records of such a table then carry their fields in the same order,
  // with the same names; a record with more fields than the header names
  // extras "column_N" (1-based); a record with fewer is ragged.
  virtual void header(std::span<const std::string> names) = 0;

  // One record. A column missing from a record counts as null for it.
  virtual void record(std::span<const Field> fields) = 0;

  // Something the reader noticed that does not stop it (ragged row, invalid
  // UTF-8 replaced, skipped element, ...). `code` is a stable snake_case id;
  // `message` is for the visitor and never quotes personal data verbatim.
  virtual void warning(std::string_view code, std::string_view message) = 0;
};

}  // namespace iv::analysis
