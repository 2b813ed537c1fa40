// How a delimiter-separated text file is written: its delimiter, quote
// character and whether the first row names the columns. Guessed from the
// first ~64 KiB of the (UTF-8) text.
#pragma once

#include <string>
#include <string_view>

namespace iv::analysis {

struct CsvDialect {
  char delimiter = ',';
  char quote = '"';
  bool header = true;
};

// Sniffs the dialect of `text`, the decoded start of the file. `complete`
// says whether `text` is the whole file (otherwise its last, possibly cut,
// line is ignored).
//
// Delimiter: among , ; TAB | the one that splits the rows into the same
// number (> 1) of fields most consistently; on a tie the one giving more
// columns wins, except that ';' beats ',' when the commas sit between digits
// (decimal commas, as in European exports). A single column is ','.
// Quote: '"' unless fields are consistently wrapped in '\'' instead.
// Header: the first row is a header when none of its values is a number or
// a date and either some column is typed (numbers, dates, booleans) below
// a text name, or its names are unique and none of them recurs in its column
// below; a file with a single row has a header (and no records).
CsvDialect sniff_dialect(std::string_view text, bool complete);

// For the report: "delimiter ',', quote '\"', header row".
std::string describe_dialect(const CsvDialect& dialect);

}  // namespace iv::analysis
