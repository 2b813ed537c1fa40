// The XML reader (expat). It finds the element that repeats as a record
// (the most frequent child of the root, or of the root's single child, as
// in <root><items><item/>...</items></root>) on a bounded first look at the
// file, then streams the whole file, one record per such element: attributes
// become "@name" fields, child text "name", nested children dotted paths
// ("address.city", "address.@type"). A repeated child keeps its first value.
//
// Safety: a DOCTYPE that declares entities is refused ("entity_expansion"),
// external entities are never loaded, parameter entities never parsed, and
// expat's billion-laughs protection is on as a second line of defence.
//
// Pascal VOC (root <annotation>, or many <annotation> under the root) reads
// each <object> as a record and fills summary.annotations (kind
// "pascal_voc").
#pragma once

#include <expected>
#include <filesystem>

#include "analysis/encoding.h"
#include "analysis/reader.h"

namespace iv::analysis {

std::expected<void, ReadError> read_xml(const std::filesystem::path& path, Encoding encoding,
                                        const ReadLimits& limits, RecordSink& sink, ReadSummary& summary);

}  // namespace iv::analysis
