// The CSV/TSV reader: a hand-written scanner over 256 KiB chunks of UTF-8
// text. Fields are views into the chunk buffer; only quoted fields with
// doubled quotes are rewritten, in place. Memory: one buffer that grows up
// to ReadLimits::max_record_bytes when a single record is that long.
#pragma once

#include <expected>

#include "analysis/csv_dialect.h"
#include "analysis/encoding.h"
#include "analysis/reader.h"

namespace iv::analysis {

// Reads every record of `text` into `sink` (begin_table(""), header(), one
// record() per row). Warnings: "ragged_rows", "field_truncated",
// "unterminated_quote" (each once, with a count). Errors:
// "record_too_large", "too_many_columns", "io_error".
std::expected<void, ReadError> read_csv(TextSource& text, const CsvDialect& dialect, const ReadLimits& limits,
                                        RecordSink& sink);

}  // namespace iv::analysis
