// The XLSX reader (libzip + expat): every worksheet in workbook order is a
// table (begin_table(sheet name)) whose first row is the header. Cells
// become text fields: shared and inline strings, numbers as written, booleans
// as "true"/"false", errors as written ("#DIV/0!"), numbers with a date
// format as ISO dates or date-times; empty cells between filled ones arrive
// as null fields.
//
// Zip-bomb guards: a part whose declared size is over
// ReadLimits::max_xlsx_uncompressed (in total over the parts read) or whose
// compression ratio is over max_xlsx_ratio is refused before inflating, and
// the bytes actually inflated are counted too, since declared sizes can lie
// ("zip_bomb"). Shared strings are kept in memory, at most 64 MiB
// ("too_many_shared_strings").
#pragma once

#include <expected>
#include <filesystem>

#include "analysis/reader.h"

namespace iv::analysis {

std::expected<void, ReadError> read_xlsx(const std::filesystem::path& path, const ReadLimits& limits,
                                         RecordSink& sink, ReadSummary& summary);

}  // namespace iv::analysis
