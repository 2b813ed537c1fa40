// JSON readers: a document holding an array of records (at the top level,
// or as the biggest array of objects inside a top-level object such as
// {"data": [...]}), COCO annotation files, and NDJSON / JSON Lines.
//
// Records are flattened: nested objects become dotted paths
// ("address.city"); an array becomes one text field "[N items]"; numbers
// keep their raw text with kind number; true/false are kind boolean; null
// is kind null. A top-level array element that is not an object becomes a
// record with one field named "value".
#pragma once

#include <expected>
#include <filesystem>

#include "analysis/encoding.h"
#include "analysis/reader.h"

namespace iv::analysis {

// Streams the records of a JSON document. A top-level object is read twice:
// once to find its biggest array of objects (or to recognise COCO: "images",
// "annotations", "categories"), then to stream that array; an object without
// such an array is one record. COCO files yield the annotations as records
// (image_id, category, bbox_width, bbox_height, area, iscrowd) and
// summary.annotations. Errors: "too_deep", "record_too_large", "malformed",
// "too_many_columns".
std::expected<void, ReadError> read_json(const std::filesystem::path& path, Encoding encoding,
                                         const ReadLimits& limits, RecordSink& sink, ReadSummary& summary);

// One JSON value per line; blank lines are skipped; a line that does not
// parse is skipped and counted ("bad_lines" warning, once). A file in which
// no line parses is "malformed".
std::expected<void, ReadError> read_ndjson(const std::filesystem::path& path, Encoding encoding,
                                           const ReadLimits& limits, RecordSink& sink, ReadSummary& summary);

}  // namespace iv::analysis
