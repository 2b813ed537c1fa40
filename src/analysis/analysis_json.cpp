// to_json writes the document by hand (the analysis layer stays free of JSON
// libraries on the output side); from_json reads it back with simdjson.
#include <charconv>
#include <cmath>
#include <cstdio>

#include <simdjson.h>

#include "analysis/analysis.h"

namespace iv::analysis {
namespace {

class JsonWriter {
 public:
  std::string take() { return std::move(out_); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  void key(std::string_view name) {
    separate();
    write_string(name);
    out_ += ':';
    after_key_ = true;
  }

  void string(std::string_view value) {
    separate();
    write_string(value);
  }
  void number(double value) {
    separate();
    if (!std::isfinite(value)) {
      out_ += "null";  // JSON has no NaN or infinity
      return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out_.append(buffer, result.ptr);
  }
  void number(std::uint64_t value) {
    separate();
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out_.append(buffer, result.ptr);
  }
  void boolean(bool value) {
    separate();
    out_ += value ? "true" : "false";
  }
  void null() {
    separate();
    out_ += "null";
  }
  void optional_number(const std::optional<double>& value) {
    if (value) {
      number(*value);
    } else {
      null();
    }
  }
  void optional_string(const std::optional<std::string>& value) {
    if (value) {
      string(*value);
    } else {
      null();
    }
  }

  template <typename T>
  void field(std::string_view name, const T& value) {
    key(name);
    if constexpr (std::is_same_v<T, bool>) {
      boolean(value);
    } else if constexpr (std::is_same_v<T, double>) {
      number(value);
    } else if constexpr (std::is_integral_v<T>) {
      number(static_cast<std::uint64_t>(value));
    } else if constexpr (std::is_same_v<T, std::optional<double>>) {
      optional_number(value);
    } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
      optional_string(value);
    } else {
      string(value);
    }
  }

 private:
  void open(char bracket) {
    separate();
    out_ += bracket;
    first_ = true;
  }
  void close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }

  // Escapes quotes, backslashes and control characters; replaces invalid
  // UTF-8 with U+FFFD so the output is always valid JSON.
  void write_string(std::string_view text) {
    out_ += '"';
    std::size_t i = 0;
    while (i < text.size()) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        write_ascii(static_cast<char>(c));
        ++i;
        continue;
      }
      const std::size_t length = valid_sequence_length(text, i);
      if (length == 0) {
        out_ += "\xEF\xBF\xBD";
        ++i;
      } else {
        out_.append(text, i, length);
        i += length;
      }
    }
    out_ += '"';
  }

  void write_ascii(char c) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        return;
      case '\\':
        out_ += "\\\\";
        return;
      case '\n':
        out_ += "\\n";
        return;
      case '\r':
        out_ += "\\r";
        return;
      case '\t':
        out_ += "\\t";
        return;
      case '\b':
        out_ += "\\b";
        return;
      case '\f':
        out_ += "\\f";
        return;
      default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out_ += escaped;
      return;
    }
    out_ += c;
  }

  // Length of the well-formed UTF-8 sequence at text[i] (lead byte >= 0x80), or 0.
  static std::size_t valid_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the second byte's range
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return 0;
    }
    if (i + length > text.size()) return 0;
    if (byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return 0;
    }
    return length;
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

void write_column(JsonWriter& json, const ColumnProfile& column) {
  json.begin_object();
  json.field("name", column.name);
  json.field("type", column.type);
  json.field("type_share", column.type_share);
  json.field("count", column.count);
  json.field("nulls", column.nulls);
  json.field("empties", column.empties);
  json.field("distinct", column.distinct);
  json.field("distinct_exact", column.distinct_exact);
  json.field("min", column.min);
  json.field("max", column.max);
  json.field("mean", column.mean);
  json.field("stddev", column.stddev);
  json.field("min_text", column.min_text);
  json.field("max_text", column.max_text);
  json.key("quantiles");
  if (column.p25 || column.p50 || column.p75) {
    json.begin_object();
    json.field("p25", column.p25);
    json.field("p50", column.p50);
    json.field("p75", column.p75);
    json.end_object();
  } else {
    json.null();
  }
  json.field("quantile_rank_error", column.quantile_rank_error);
  json.key("top");
  json.begin_array();
  for (const ValueCount& top : column.top) {
    json.begin_object();
    json.field("value", top.value);
    json.field("count", top.count);
    json.end_object();
  }
  json.end_array();
  json.field("top_exact", column.top_exact);
  json.key("histogram");
  json.begin_array();
  for (const HistogramBin& bin : column.histogram) {
    json.begin_object();
    json.field("lower", bin.lower);
    json.field("upper", bin.upper);
    json.field("count", bin.count);
    json.end_object();
  }
  json.end_array();
  json.key("length");
  if (column.length_min || column.length_max || column.length_mean) {
    json.begin_object();
    json.field("min", column.length_min);
    json.field("max", column.length_max);
    json.field("mean", column.length_mean);
    json.end_object();
  } else {
    json.null();
  }
  json.key("examples");
  json.begin_array();
  for (const std::string& example : column.examples) json.string(example);
  json.end_array();
  json.key("pii");
  json.begin_array();
  for (const PiiFinding& finding : column.pii) {
    json.begin_object();
    json.field("kind", finding.kind);
    json.field("share", finding.share);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

// The fields a table has; the document repeats tables[0]'s at top level.
void write_table_fields(JsonWriter& json, const TableProfile& table) {
  json.field("rows", table.rows);
  json.key("columns");
  json.begin_array();
  for (const ColumnProfile& column : table.columns) write_column(json, column);
  json.end_array();
  json.field("duplicate_rows", table.duplicate_rows);
  json.field("completeness", table.completeness);
  json.key("warnings");
  json.begin_array();
  for (const Warning& warning : table.warnings) {
    json.begin_object();
    json.field("code", warning.code);
    json.field("column", warning.column);
    json.field("message", warning.message);
    json.end_object();
  }
  json.end_array();
  json.key("preview_header");
  json.begin_array();
  for (const std::string& name : table.preview_header) json.string(name);
  json.end_array();
  json.key("preview");
  json.begin_array();
  for (const auto& row : table.preview) {
    json.begin_array();
    for (const std::string& value : row) json.string(value);
    json.end_array();
  }
  json.end_array();
}

void write_summary(JsonWriter& json, std::string_view name, const Summary& summary) {
  json.key(name);
  json.begin_object();
  json.field("count", summary.count);
  json.field("min", summary.min);
  json.field("max", summary.max);
  json.field("mean", summary.mean);
  json.field("stddev", summary.stddev);
  json.end_object();
}

void write_annotations(JsonWriter& json, const AnnotationSummary& annotations) {
  json.begin_object();
  json.field("kind", annotations.kind);
  json.field("label_column", annotations.label_column);
  json.field("images", annotations.images);
  json.field("annotations", annotations.annotations);
  json.key("classes");
  json.begin_array();
  for (const ClassCount& entry : annotations.classes) {
    json.begin_object();
    json.field("name", entry.name);
    json.field("count", entry.count);
    json.end_object();
  }
  json.end_array();
  write_summary(json, "annotations_per_image", annotations.annotations_per_image);
  write_summary(json, "box_width", annotations.box_width);
  write_summary(json, "box_height", annotations.box_height);
  write_summary(json, "box_area", annotations.box_area);
  json.field("imbalance_ratio", annotations.imbalance_ratio);
  json.end_object();
}

// ---- reading ----

using simdjson::dom::element;
using simdjson::dom::object;

std::string read_string(const object& parent, std::string_view key) {
  std::string_view value;
  if (parent[key].get(value) != simdjson::SUCCESS) return {};
  return std::string(value);
}

std::optional<double> read_optional_number(const element& value) {
  switch (value.type()) {
    case simdjson::dom::element_type::DOUBLE:
      return double(value.get_double());
    case simdjson::dom::element_type::INT64:
      return static_cast<double>(int64_t(value.get_int64()));
    case simdjson::dom::element_type::UINT64:
      return static_cast<double>(uint64_t(value.get_uint64()));
    default:
      return std::nullopt;
  }
}

std::optional<double> read_optional_number(const object& parent, std::string_view key) {
  element value;
  if (parent[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return read_optional_number(value);
}

double read_number(const object& parent, std::string_view key) {
  return read_optional_number(parent, key).value_or(0);
}

std::uint64_t read_count(const object& parent, std::string_view key) {
  element value;
  if (parent[key].get(value) != simdjson::SUCCESS) return 0;
  std::uint64_t count = 0;
  if (value.get(count) == simdjson::SUCCESS) return count;
  const auto number = read_optional_number(value);
  return number && *number > 0 ? static_cast<std::uint64_t>(*number) : 0;
}

bool read_bool(const object& parent, std::string_view key, bool fallback) {
  bool value = fallback;
  if (parent[key].get(value) != simdjson::SUCCESS) return fallback;
  return value;
}

std::optional<std::string> read_optional_string(const object& parent, std::string_view key) {
  std::string_view value;
  if (parent[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

template <typename Each>
void for_each_object(const object& parent, std::string_view key, Each each) {
  simdjson::dom::array items;
  if (parent[key].get(items) != simdjson::SUCCESS) return;
  for (element item : items) {
    object entry;
    if (item.get(entry) == simdjson::SUCCESS) each(entry);
  }
}

std::vector<std::string> read_strings(const simdjson::dom::array& items) {
  std::vector<std::string> result;
  for (element item : items) {
    std::string_view value;
    result.emplace_back(item.get(value) == simdjson::SUCCESS ? value : std::string_view());
  }
  return result;
}

std::vector<std::string> read_strings(const object& parent, std::string_view key) {
  simdjson::dom::array items;
  if (parent[key].get(items) != simdjson::SUCCESS) return {};
  return read_strings(items);
}

ColumnProfile read_column(const object& json) {
  ColumnProfile column;
  column.name = read_string(json, "name");
  column.type = read_string(json, "type");
  column.type_share = read_number(json, "type_share");
  column.count = read_count(json, "count");
  column.nulls = read_count(json, "nulls");
  column.empties = read_count(json, "empties");
  column.distinct = read_count(json, "distinct");
  column.distinct_exact = read_bool(json, "distinct_exact", true);
  column.min = read_optional_number(json, "min");
  column.max = read_optional_number(json, "max");
  column.mean = read_optional_number(json, "mean");
  column.stddev = read_optional_number(json, "stddev");
  column.min_text = read_optional_string(json, "min_text");
  column.max_text = read_optional_string(json, "max_text");
  object quantiles;
  if (json["quantiles"].get(quantiles) == simdjson::SUCCESS) {
    column.p25 = read_optional_number(quantiles, "p25");
    column.p50 = read_optional_number(quantiles, "p50");
    column.p75 = read_optional_number(quantiles, "p75");
  }
  column.quantile_rank_error = read_number(json, "quantile_rank_error");
  for_each_object(json, "top", [&](const object& entry) {
    column.top.push_back(ValueCount{read_string(entry, "value"), read_count(entry, "count")});
  });
  column.top_exact = read_bool(json, "top_exact", true);
  for_each_object(json, "histogram", [&](const object& entry) {
    column.histogram.push_back(
        HistogramBin{read_number(entry, "lower"), read_number(entry, "upper"), read_count(entry, "count")});
  });
  object length;
  if (json["length"].get(length) == simdjson::SUCCESS) {
    column.length_min = read_optional_number(length, "min");
    column.length_max = read_optional_number(length, "max");
    column.length_mean = read_optional_number(length, "mean");
  }
  column.examples = read_strings(json, "examples");
  for_each_object(json, "pii", [&](const object& entry) {
    column.pii.push_back(PiiFinding{read_string(entry, "kind"), read_number(entry, "share")});
  });
  return column;
}

TableProfile read_table(const object& json) {
  TableProfile table;
  table.name = read_string(json, "name");
  table.rows = read_count(json, "rows");
  for_each_object(json, "columns", [&](const object& entry) { table.columns.push_back(read_column(entry)); });
  table.duplicate_rows = read_count(json, "duplicate_rows");
  table.completeness = read_number(json, "completeness");
  for_each_object(json, "warnings", [&](const object& entry) {
    table.warnings.push_back(
        Warning{read_string(entry, "code"), read_string(entry, "column"), read_string(entry, "message")});
  });
  table.preview_header = read_strings(json, "preview_header");
  simdjson::dom::array rows;
  if (json["preview"].get(rows) == simdjson::SUCCESS) {
    for (element row : rows) {
      simdjson::dom::array values;
      table.preview.push_back(row.get(values) == simdjson::SUCCESS ? read_strings(values)
                                                                   : std::vector<std::string>{});
    }
  }
  return table;
}

Summary read_summary(const object& parent, std::string_view key) {
  Summary summary;
  object json;
  if (parent[key].get(json) != simdjson::SUCCESS) return summary;
  summary.count = read_count(json, "count");
  summary.min = read_number(json, "min");
  summary.max = read_number(json, "max");
  summary.mean = read_number(json, "mean");
  summary.stddev = read_number(json, "stddev");
  return summary;
}

AnnotationSummary read_annotations(const object& json) {
  AnnotationSummary annotations;
  annotations.kind = read_string(json, "kind");
  annotations.label_column = read_string(json, "label_column");
  annotations.images = read_count(json, "images");
  annotations.annotations = read_count(json, "annotations");
  for_each_object(json, "classes", [&](const object& entry) {
    annotations.classes.push_back(ClassCount{read_string(entry, "name"), read_count(entry, "count")});
  });
  annotations.annotations_per_image = read_summary(json, "annotations_per_image");
  annotations.box_width = read_summary(json, "box_width");
  annotations.box_height = read_summary(json, "box_height");
  annotations.box_area = read_summary(json, "box_area");
  annotations.imbalance_ratio = read_number(json, "imbalance_ratio");
  return annotations;
}

}  // namespace

std::string to_json(const Analysis& analysis) {
  JsonWriter json;
  json.begin_object();
  json.field("format", analysis.format);
  json.field("encoding", analysis.encoding);
  json.field("dialect", analysis.dialect);
  json.field("bytes", analysis.bytes);
  json.field("seconds", analysis.seconds);
  static const TableProfile kNoTable;
  write_table_fields(json, analysis.tables.empty() ? kNoTable : analysis.tables.front());
  if (analysis.annotations) {
    json.key("annotations");
    write_annotations(json, *analysis.annotations);
  }
  json.key("tables");
  json.begin_array();
  for (const TableProfile& table : analysis.tables) {
    json.begin_object();
    json.field("name", table.name);
    write_table_fields(json, table);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return json.take();
}

std::expected<Analysis, std::string> from_json(std::string_view text) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(text);
  element root;
  if (const auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return std::unexpected(std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  object document;
  if (root.get(document) != simdjson::SUCCESS) return std::unexpected(std::string("not a JSON object"));
  Analysis analysis;
  analysis.format = read_string(document, "format");
  analysis.encoding = read_string(document, "encoding");
  analysis.dialect = read_string(document, "dialect");
  analysis.bytes = read_count(document, "bytes");
  analysis.seconds = read_number(document, "seconds");
  simdjson::dom::array tables;
  if (document["tables"].get(tables) == simdjson::SUCCESS) {
    for (element item : tables) {
      object table;
      if (item.get(table) != simdjson::SUCCESS)
        return std::unexpected(std::string("a table is not an object"));
      analysis.tables.push_back(read_table(table));
    }
  } else {
    analysis.tables.push_back(read_table(document));
  }
  object annotations;
  if (document["annotations"].get(annotations) == simdjson::SUCCESS) {
    analysis.annotations = read_annotations(annotations);
  }
  return analysis;
}

}  // namespace iv::analysis
