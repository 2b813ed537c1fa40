#include "analysis/json_reader.h"

#include <charconv>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "analysis/coco_summary.h"
#include "analysis/json_stream.h"

namespace iv::analysis {
namespace {

namespace od = simdjson::ondemand;
static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

constexpr std::size_t kMaxCategories = 100'000;

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// simdjson may read up to SIMDJSON_PADDING bytes past a value. They belong
// to our buffer but hold the next values; blank them while a value is
// parsed and put them back afterwards.
class PaddingGuard {
 public:
  explicit PaddingGuard(std::string_view json) : end_(const_cast<char*>(json.data() + json.size())) {
    std::memcpy(saved_, end_, kJsonPadding);
    std::memset(end_, ' ', kJsonPadding);
  }
  ~PaddingGuard() { std::memcpy(end_, saved_, kJsonPadding); }
  PaddingGuard(const PaddingGuard&) = delete;
  PaddingGuard& operator=(const PaddingGuard&) = delete;

 private:
  char* end_;
  char saved_[kJsonPadding];
};

ReadError parse_error(simdjson::error_code error) {
  return ReadError{"malformed",
                   std::string("The JSON could not be parsed: ") + simdjson::error_message(error) + "."};
}

ReadError too_deep(const ReadLimits& limits) {
  return ReadError{"too_deep", "The JSON nests deeper than " + std::to_string(limits.max_depth) +
                                   " levels, more than a dataset needs."};
}

// Parses one JSON value and pushes it to the sink as one flattened record.
class RecordFlattener {
 public:
  RecordFlattener(const ReadLimits& limits, RecordSink& sink) : limits_(limits), sink_(sink) {}

  // `json` must be followed by kJsonPadding bytes of our buffer. `depth` is
  // the nesting depth of the value's container. A value that does not
  // parse is an error with code "malformed" (the caller decides whether to
  // skip it); "too_deep" and "too_many_columns" likewise.
  std::expected<void, ReadError> emit(std::string_view json, std::uint32_t depth) {
    PaddingGuard guard(json);
    entries_.clear();
    names_.clear();
    texts_.clear();
    path_.clear();
    od::document doc;
    if (auto error = parser_.iterate(json.data(), json.size(), json.size() + kJsonPadding).get(doc))
      return std::unexpected(parse_error(error));
    od::json_type type;
    if (auto error = doc.type().get(type)) return std::unexpected(parse_error(error));
    if (type == od::json_type::object) {
      od::object object;
      if (auto error = doc.get_object().get(object)) return std::unexpected(parse_error(error));
      if (auto flat = flatten_object(object, depth + 1); !flat) return flat;
    } else {
      path_ = "value";
      od::value value;
      if (type == od::json_type::array) {
        std::size_t count = 0;
        if (auto error = doc.count_elements().get(count)) return std::unexpected(parse_error(error));
        add_summary(count);
      } else if (auto scalar = flatten_root_scalar(doc, type); !scalar) {
        return scalar;
      }
    }
    if (entries_.size() > limits_.max_columns) {
      return std::unexpected(ReadError{"too_many_columns", "A record has more than " +
                                                               std::to_string(limits_.max_columns) +
                                                               " fields, more than we profile."});
    }
    fields_.clear();
    for (const Entry& entry : entries_) {
      std::string_view value =
          entry.in_texts ? std::string_view(texts_).substr(entry.text_begin, entry.text_size) : entry.value;
      if (value.size() > limits_.max_field_bytes) {
        std::size_t size = limits_.max_field_bytes;
        while (size > 0 && (static_cast<unsigned char>(value[size]) & 0xC0) == 0x80) --size;
        value = value.substr(0, size);
        ++truncated_;
      }
      fields_.push_back(
          Field{std::string_view(names_).substr(entry.name_begin, entry.name_size), value, entry.kind});
    }
    sink_.record(fields_);
    return {};
  }

  std::uint64_t truncated() const { return truncated_; }

 private:
  struct Entry {
    std::size_t name_begin = 0, name_size = 0;
    std::string_view value;
    std::size_t text_begin = 0, text_size = 0;
    bool in_texts = false;
    ValueKind kind = ValueKind::text;
  };

  void add(std::string_view value, ValueKind kind) {
    Entry entry;
    entry.name_begin = names_.size();
    entry.name_size = path_.size();
    names_ += path_;
    entry.value = value;
    entry.kind = kind;
    entries_.push_back(entry);
  }

  void add_text(std::string_view text) {
    Entry entry;
    entry.name_begin = names_.size();
    entry.name_size = path_.size();
    names_ += path_;
    entry.text_begin = texts_.size();
    entry.text_size = text.size();
    texts_ += text;
    entry.in_texts = true;
    entries_.push_back(entry);
  }

  void add_summary(std::size_t count) {
    add_text("[" + std::to_string(count) + (count == 1 ? " item]" : " items]"));
  }

  std::expected<void, ReadError> flatten_object(od::object& object, std::uint32_t depth) {
    if (depth > limits_.max_depth) return std::unexpected(too_deep(limits_));
    std::size_t mark = path_.size();
    bool any = false;
    for (auto member : object) {
      std::string_view key;
      if (auto error = member.unescaped_key().get(key)) return std::unexpected(parse_error(error));
      od::value value;
      if (auto error = member.value().get(value)) return std::unexpected(parse_error(error));
      any = true;
      path_.resize(mark);
      if (mark > 0) path_.push_back('.');
      path_ += key;
      if (auto flat = flatten_value(value, depth); !flat) return flat;
      if (entries_.size() > limits_.max_columns) break;
    }
    path_.resize(mark);
    if (!any && mark > 0) add_text("{}");
    return {};
  }

  std::expected<void, ReadError> flatten_value(od::value& value, std::uint32_t depth) {
    od::json_type type;
    if (auto error = value.type().get(type)) return std::unexpected(parse_error(error));
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (auto error = value.get_object().get(object)) return std::unexpected(parse_error(error));
        return flatten_object(object, depth + 1);
      }
      case od::json_type::array: {
        std::size_t count = 0;
        if (auto error = value.count_elements().get(count)) return std::unexpected(parse_error(error));
        add_summary(count);
        return {};
      }
      case od::json_type::number: {
        std::string_view raw = trim_right(value.raw_json_token());
        double number;  // validates the token
        if (auto error = value.get_double().get(number)) {
          if (error != simdjson::NUMBER_OUT_OF_RANGE) return std::unexpected(parse_error(error));
        }
        add(raw, ValueKind::number);
        return {};
      }
      case od::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text)) return std::unexpected(parse_error(error));
        add(text, ValueKind::text);
        return {};
      }
      case od::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag)) return std::unexpected(parse_error(error));
        add(flag ? "true" : "false", ValueKind::boolean);
        return {};
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto error = value.is_null().get(is_null); error || !is_null)
          return std::unexpected(parse_error(simdjson::N_ATOM_ERROR));
        add("", ValueKind::null);
        return {};
      }
    }
    return {};
  }

  std::expected<void, ReadError> flatten_root_scalar(od::document& doc, od::json_type type) {
    switch (type) {
      case od::json_type::number: {
        std::string_view raw;
        if (auto error = doc.raw_json_token().get(raw)) return std::unexpected(parse_error(error));
        add(trim_right(raw), ValueKind::number);
        return {};
      }
      case od::json_type::string: {
        std::string_view text;
        if (auto error = doc.get_string().get(text)) return std::unexpected(parse_error(error));
        add(text, ValueKind::text);
        return {};
      }
      case od::json_type::boolean: {
        bool flag = false;
        if (auto error = doc.get_bool().get(flag)) return std::unexpected(parse_error(error));
        add(flag ? "true" : "false", ValueKind::boolean);
        return {};
      }
      default:
        add("", ValueKind::null);
        return {};
    }
  }

  const ReadLimits& limits_;
  RecordSink& sink_;
  od::parser parser_;
  std::string path_, names_, texts_;
  std::vector<Entry> entries_;
  std::vector<Field> fields_;
  std::uint64_t truncated_ = 0;
};

using ElementHandler = std::function<std::expected<void, ReadError>(std::string_view element)>;

// Streams the elements of the array at the stream's position ('[' next).
// `depth` is the array's own nesting depth.
std::expected<void, ReadError> for_each_element(JsonStream& stream, std::uint32_t depth,
                                                const ElementHandler& handle) {
  stream.consume();  // '['
  auto next = stream.peek();
  if (!next) return std::unexpected(next.error());
  if (*next == ']') {
    stream.consume();
    return {};
  }
  for (;;) {
    auto element = stream.read_value(depth);
    if (!element) return std::unexpected(element.error());
    if (auto handled = handle(*element); !handled) return handled;
    auto separator = stream.peek();
    if (!separator) return std::unexpected(separator.error());
    stream.consume();
    if (*separator == ']') return {};
    if (*separator != ',')
      return std::unexpected(json_malformed("expected ',' or ']' in an array", stream.offset()));
  }
}

// Counts records that fail to parse instead of failing the whole file.
struct BadRecords {
  std::uint64_t count = 0;
  std::string first_message;

  std::expected<void, ReadError> absorb(std::expected<void, ReadError> result) {
    if (result || result.error().code != "malformed") return result;
    if (count++ == 0) first_message = result.error().message;
    return {};
  }
};

void report_bad(const BadRecords& bad, std::string_view what, RecordSink& sink) {
  if (bad.count == 0) return;
  sink.warning("bad_records", std::to_string(bad.count) + " " + std::string(what) +
                                  (bad.count == 1 ? " was" : " were") + " skipped because " +
                                  (bad.count == 1 ? "it is" : "they are") +
                                  " not valid JSON (first: " + bad.first_message + ")");
}

void report_truncated(std::uint64_t truncated, const ReadLimits& limits, RecordSink& sink) {
  if (truncated == 0) return;
  sink.warning("field_truncated", std::to_string(truncated) + " values longer than " +
                                      std::to_string(limits.max_field_bytes) +
                                      " bytes were truncated for profiling.");
}

// What the first pass learned about one member of a top-level object.
struct Member {
  std::string key;
  bool is_array = false;
  std::uint64_t elements = 0;
  bool objects = false;  // the first element is an object
};

// A COCO annotation: parsed out of one element of "annotations".
class CocoAnnotations {
 public:
  CocoAnnotations(AnnotationAccumulator& summary, const std::unordered_map<std::int64_t, std::string>& names,
                  RecordSink& sink)
      : summary_(summary), names_(names), sink_(sink) {}

  std::expected<void, ReadError> emit(std::string_view json) {
    PaddingGuard guard(json);
    od::document doc;
    if (auto error = parser_.iterate(json.data(), json.size(), json.size() + kJsonPadding).get(doc))
      return std::unexpected(parse_error(error));
    od::object object;
    if (auto error = doc.get_object().get(object)) return std::unexpected(parse_error(error));
    std::string_view image_raw, category_raw, width_raw, height_raw, area_raw, crowd_raw;
    std::optional<std::int64_t> image_id, category_id;
    std::optional<double> width, height, area;
    for (auto member : object) {
      std::string_view key;
      if (auto error = member.unescaped_key().get(key)) return std::unexpected(parse_error(error));
      od::value value;
      if (auto error = member.value().get(value)) return std::unexpected(parse_error(error));
      if (key == "image_id") {
        image_raw = trim_right(value.raw_json_token());
        std::int64_t id;
        if (!value.get_int64().get(id)) image_id = id;
      } else if (key == "category_id") {
        category_raw = trim_right(value.raw_json_token());
        std::int64_t id;
        if (!value.get_int64().get(id)) category_id = id;
      } else if (key == "area") {
        area_raw = trim_right(value.raw_json_token());
        double number;
        if (!value.get_double().get(number)) area = number;
      } else if (key == "iscrowd") {
        crowd_raw = trim_right(value.raw_json_token());
      } else if (key == "bbox") {
        od::array box;
        if (value.get_array().get(box)) continue;
        std::size_t index = 0;
        for (auto item : box) {
          od::value coordinate;
          if (item.get(coordinate)) break;
          if (index == 2 || index == 3) {
            std::string_view raw = trim_right(coordinate.raw_json_token());
            double number;
            if (!coordinate.get_double().get(number)) {
              (index == 2 ? width : height) = number;
              (index == 2 ? width_raw : height_raw) = raw;
            }
          }
          ++index;
        }
      }
    }
    category_name_.clear();
    if (category_id) {
      auto it = names_.find(*category_id);
      category_name_ = it != names_.end() ? it->second : "category " + std::to_string(*category_id);
    }
    summary_.add(category_name_, width, height, area);
    if (image_id) summary_.count_for_image(*image_id);
    fields_.clear();
    auto number = [&](std::string_view name, std::string_view raw) {
      fields_.push_back(Field{name, raw, raw.empty() ? ValueKind::null : ValueKind::number});
    };
    number("image_id", image_raw);
    fields_.push_back(Field{"category", category_name_, category_id ? ValueKind::text : ValueKind::null});
    number("bbox_width", width_raw);
    number("bbox_height", height_raw);
    number("area", area_raw);
    number("iscrowd", crowd_raw);
    sink_.record(fields_);
    return {};
  }

 private:
  AnnotationAccumulator& summary_;
  const std::unordered_map<std::int64_t, std::string>& names_;
  RecordSink& sink_;
  od::parser parser_;
  std::string category_name_;
  std::vector<Field> fields_;
};

// Parses a "categories" element into id -> name.
void read_category(od::parser& parser, std::string_view json,
                   std::unordered_map<std::int64_t, std::string>& names) {
  if (names.size() >= kMaxCategories) return;
  PaddingGuard guard(json);
  od::document doc;
  if (parser.iterate(json.data(), json.size(), json.size() + kJsonPadding).get(doc)) return;
  od::object object;
  if (doc.get_object().get(object)) return;
  std::optional<std::int64_t> id;
  std::string name;
  for (auto member : object) {
    std::string_view key;
    if (member.unescaped_key().get(key)) return;
    od::value value;
    if (member.value().get(value)) return;
    if (key == "id") {
      std::int64_t number;
      if (!value.get_int64().get(number)) id = number;
    } else if (key == "name") {
      std::string_view text;
      if (!value.get_string().get(text)) name = text;
    }
  }
  if (id) names[*id] = name;
}

std::expected<TextSource, ReadError> open_text(const std::filesystem::path& path, Encoding encoding) {
  return TextSource::open(path, encoding);
}

// First pass over a top-level object: its members, COCO categories and the
// number of images.
std::expected<std::vector<Member>, ReadError> survey_object(
    JsonStream& stream, std::unordered_map<std::int64_t, std::string>& categories) {
  std::vector<Member> members;
  od::parser parser;
  stream.consume();  // '{'
  auto next = stream.peek();
  if (!next) return std::unexpected(next.error());
  if (*next == '}') return members;
  for (;;) {
    Member member;
    auto key = stream.read_string();
    if (!key) return std::unexpected(key.error());
    member.key = std::move(*key);
    auto colon = stream.peek();
    if (!colon) return std::unexpected(colon.error());
    if (*colon != ':') return std::unexpected(json_malformed("expected ':' after a key", stream.offset()));
    stream.consume();
    auto value = stream.peek();
    if (!value) return std::unexpected(value.error());
    if (*value == '[') {
      member.is_array = true;
      bool categories_member = member.key == "categories";
      auto counted =
          for_each_element(stream, 2, [&](std::string_view element) -> std::expected<void, ReadError> {
            if (member.elements++ == 0) member.objects = element.front() == '{';
            if (categories_member) read_category(parser, element, categories);
            return {};
          });
      if (!counted) return std::unexpected(counted.error());
    } else if (auto skipped = stream.skip_value(1); !skipped) {
      return std::unexpected(skipped.error());
    }
    members.push_back(std::move(member));
    auto separator = stream.peek();
    if (!separator) return std::unexpected(separator.error());
    stream.consume();
    if (*separator == '}') return members;
    if (*separator != ',')
      return std::unexpected(json_malformed("expected ',' or '}' in an object", stream.offset()));
  }
}

// Second pass: moves the stream to the value of member number `index`.
std::expected<void, ReadError> seek_member(JsonStream& stream, std::size_t index) {
  auto open = stream.peek();
  if (!open) return std::unexpected(open.error());
  stream.consume();  // '{'
  for (std::size_t i = 0;; ++i) {
    auto key = stream.read_string();
    if (!key) return std::unexpected(key.error());
    auto colon = stream.peek();
    if (!colon) return std::unexpected(colon.error());
    if (*colon != ':') return std::unexpected(json_malformed("expected ':' after a key", stream.offset()));
    stream.consume();
    if (i == index) {
      auto value = stream.peek();
      if (!value) return std::unexpected(value.error());
      return {};
    }
    if (auto skipped = stream.skip_value(1); !skipped) return skipped;
    auto separator = stream.peek();
    if (!separator) return std::unexpected(separator.error());
    if (*separator != ',')
      return std::unexpected(json_malformed("expected ',' in an object", stream.offset()));
    stream.consume();
  }
}

std::expected<void, ReadError> read_object_document(const std::filesystem::path& path, Encoding encoding,
                                                    const ReadLimits& limits, RecordSink& sink,
                                                    ReadSummary& summary) {
  std::unordered_map<std::int64_t, std::string> categories;
  std::vector<Member> members;
  {
    auto text = open_text(path, encoding);
    if (!text) return std::unexpected(text.error());
    JsonStream stream(*text, limits);
    if (auto first = stream.peek(); !first) return std::unexpected(first.error());
    auto surveyed = survey_object(stream, categories);
    if (!surveyed) return std::unexpected(surveyed.error());
    members = std::move(*surveyed);
  }
  auto find = [&](std::string_view key) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].key == key && members[i].is_array) return i;
    }
    return std::nullopt;
  };
  auto annotations = find("annotations");
  auto images = find("images");
  bool coco = annotations && images && find("categories") &&
              (members[*annotations].objects || members[*annotations].elements == 0);
  std::optional<std::size_t> target;
  if (coco) {
    target = annotations;
  } else {
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].is_array && members[i].objects &&
          (!target || members[i].elements > members[*target].elements))
        target = i;
    }
  }

  auto text = open_text(path, encoding);
  if (!text) return std::unexpected(text.error());
  JsonStream stream(*text, limits);
  sink.begin_table("");
  RecordFlattener flattener(limits, sink);
  BadRecords bad;
  if (!target) {
    // No array of records: the object itself is the one record.
    summary.dialect = "one record";
    auto whole = stream.read_value(0);
    if (!whole) return std::unexpected(whole.error());
    if (auto emitted = flattener.emit(*whole, 0); !emitted) return emitted;
  } else if (coco) {
    summary.dialect = "COCO annotations";
    AnnotationAccumulator accumulator("coco");
    accumulator.set_image_total(members[*images].elements);
    CocoAnnotations coco_records(accumulator, categories, sink);
    if (auto moved = seek_member(stream, *target); !moved) return moved;
    auto streamed = for_each_element(
        stream, 2, [&](std::string_view element) { return bad.absorb(coco_records.emit(element)); });
    if (!streamed) return streamed;
    summary.annotations = accumulator.finish();
    if (!accumulator.per_image_complete()) {
      sink.warning("annotations_per_image_partial",
                   "There are too many images to count annotations for each of them; the per-image figures "
                   "cover the first ten million.");
    }
    report_bad(bad, "annotations", sink);
  } else {
    summary.dialect = "records in \"" + members[*target].key + "\"";
    if (auto moved = seek_member(stream, *target); !moved) return moved;
    auto streamed = for_each_element(
        stream, 2, [&](std::string_view element) { return bad.absorb(flattener.emit(element, 2)); });
    if (!streamed) return streamed;
    report_bad(bad, "records", sink);
  }
  report_truncated(flattener.truncated(), limits, sink);
  if (text->replacements() > 0) sink.warning("encoding_errors", replacement_warning(text->replacements()));
  return {};
}

}  // namespace

std::expected<void, ReadError> read_json(const std::filesystem::path& path, Encoding encoding,
                                         const ReadLimits& limits, RecordSink& sink, ReadSummary& summary) {
  auto text = open_text(path, encoding);
  if (!text) return std::unexpected(text.error());
  JsonStream stream(*text, limits);
  auto first = stream.peek();
  if (!first) return std::unexpected(first.error());
  if (*first == '{') return read_object_document(path, encoding, limits, sink, summary);
  if (*first != '[') return std::unexpected(json_malformed("expected '[' or '{'", 0));
  summary.dialect = "array of records";
  sink.begin_table("");
  RecordFlattener flattener(limits, sink);
  BadRecords bad;
  std::uint64_t records = 0;
  auto streamed = for_each_element(stream, 1, [&](std::string_view element) {
    ++records;
    return bad.absorb(flattener.emit(element, 1));
  });
  if (!streamed) return streamed;
  if (records > 0 && bad.count == records) return std::unexpected(ReadError{"malformed", bad.first_message});
  if (auto rest = stream.peek(); rest && *rest != '\0') {
    sink.warning("trailing_data",
                 "The file continues after the end of its JSON array; the rest was ignored.");
  }
  report_bad(bad, "records", sink);
  report_truncated(flattener.truncated(), limits, sink);
  if (text->replacements() > 0) sink.warning("encoding_errors", replacement_warning(text->replacements()));
  return {};
}

std::expected<void, ReadError> read_ndjson(const std::filesystem::path& path, Encoding encoding,
                                           const ReadLimits& limits, RecordSink& sink, ReadSummary& summary) {
  auto text = open_text(path, encoding);
  if (!text) return std::unexpected(text.error());
  summary.dialect = "one record per line";
  sink.begin_table("");
  RecordFlattener flattener(limits, sink);
  BadRecords bad;
  std::uint64_t records = 0;

  std::size_t capacity = std::max<std::size_t>(
      kReadChunkBytes, std::min<std::size_t>(4 * kReadChunkBytes, limits.max_record_bytes + kReadChunkBytes));
  auto buffer = std::make_unique_for_overwrite<char[]>(capacity + kJsonPadding);
  std::size_t length = 0, start = 0;
  bool eof = false;
  auto handle_line = [&](std::size_t begin, std::size_t end) -> std::expected<void, ReadError> {
    if (end - begin > limits.max_record_bytes) {
      return std::unexpected(ReadError{
          "record_too_large", "A line is longer than " + describe_size(limits.max_record_bytes) + "."});
    }
    std::string_view line(buffer.get() + begin, end - begin);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return {};
    ++records;
    auto emitted = flattener.emit(line, 0);
    if (!emitted && emitted.error().code == "too_deep") {
      emitted = std::unexpected(ReadError{"malformed", emitted.error().message});
    }
    return bad.absorb(std::move(emitted));
  };
  for (;;) {
    std::size_t scan_from = start;
    for (;;) {
      auto* newline = static_cast<char*>(std::memchr(buffer.get() + scan_from, '\n', length - scan_from));
      if (!newline) break;
      std::size_t end = static_cast<std::size_t>(newline - buffer.get());
      if (auto handled = handle_line(start, end); !handled) return handled;
      start = scan_from = end + 1;
    }
    if (eof) break;
    // Keep the unfinished line, read more.
    std::memmove(buffer.get(), buffer.get() + start, length - start);
    length -= start;
    start = 0;
    if (length > limits.max_record_bytes) {
      return std::unexpected(ReadError{
          "record_too_large", "A line is longer than " + describe_size(limits.max_record_bytes) + "."});
    }
    if (capacity - length < kReadChunkBytes / 4) {
      std::size_t grown = std::min<std::size_t>(capacity * 2, limits.max_record_bytes + kReadChunkBytes);
      if (grown <= capacity) grown = capacity + kReadChunkBytes;
      auto bigger = std::make_unique_for_overwrite<char[]>(grown + kJsonPadding);
      std::memcpy(bigger.get(), buffer.get(), length);
      buffer = std::move(bigger);
      capacity = grown;
    }
    auto n = text->read(buffer.get() + length, capacity - length);
    if (!n) return std::unexpected(n.error());
    length += *n;
    if (*n == 0) {
      eof = true;
      if (length > start) {
        if (auto handled = handle_line(start, length); !handled) return handled;
      }
      break;
    }
  }
  if (records > 0 && bad.count == records) {
    return std::unexpected(
        ReadError{"malformed", "No line of the file is valid JSON (" + bad.first_message + ")"});
  }
  report_bad(bad, "lines", sink);
  report_truncated(flattener.truncated(), limits, sink);
  if (text->replacements() > 0) sink.warning("encoding_errors", replacement_warning(text->replacements()));
  return {};
}

}  // namespace iv::analysis
