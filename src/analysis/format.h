// Which dataset format a file holds, decided from its first bytes and its name.
#pragma once

#include <string_view>

namespace iv::analysis {

enum class Format { csv, tsv, json, ndjson, xml, xlsx, unknown };

// "csv", "tsv", "json", "ndjson", "xml", "xlsx", "unknown".
std::string_view format_name(Format format);

// Decides from `head` (the first bytes of the file, up to 64 KiB) and the
// original file name. Content wins: a ZIP with an xl/ part is xlsx whatever
// the name says; text that parses as a JSON array/object is json; one JSON
// value per line is ndjson; '<' after optional BOM/whitespace is xml; a
// delimiter-separated text is csv or tsv. Binary content that is none of
// these (an executable, NUL-filled data) is unknown.
Format detect_format(std::string_view head, std::string_view file_name);

}  // namespace iv::analysis
