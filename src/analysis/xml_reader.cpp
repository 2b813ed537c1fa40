#include "analysis/xml_reader.h"

// The billion-laughs protection API is declared only for builds with DTD
// support, which Debian's libexpat is.
#ifndef XML_DTD
#define XML_DTD 1
#endif
#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include <expat.h>

#include "analysis/coco_summary.h"

namespace iv::analysis {
namespace {

// How much of the file the first look may parse to find the record element.
constexpr std::size_t kDetectBytes = 1 << 20;
constexpr std::size_t kDetectElements = 2000;

ReadError too_deep_error(const ReadLimits& limits) {
  return ReadError{"too_deep", "The XML nests deeper than " + std::to_string(limits.max_depth) +
                                   " levels, more than a dataset needs."};
}

ReadError entity_error() {
  return ReadError{
      "entity_expansion",
      "The XML declares entities in its DOCTYPE; we refuse such files because entities can expand "
      "to gigabytes or read files from the server."};
}

// Shared by both passes: what stops the parser and why.
struct ParseControl {
  XML_Parser parser = nullptr;
  const ReadLimits* limits = nullptr;
  std::optional<ReadError> error;
  bool enough = false;  // the first look has seen enough

  void stop(ReadError reason) {
    if (!error) error = std::move(reason);
    XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL on_entity_decl(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                            const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<ParseControl*>(data)->stop(entity_error());
}

int XMLCALL refuse_external_entity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*,
                                   const XML_Char*) {
  return XML_STATUS_ERROR;
}

// The safety settings every parser gets.
XML_Parser make_parser(ParseControl& control) {
  XML_Parser parser = XML_ParserCreate("UTF-8");  // the text is UTF-8 by now, whatever it declares
  control.parser = parser;
  XML_SetUserData(parser, &control);
  XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
  XML_SetExternalEntityRefHandler(parser, refuse_external_entity);
  XML_SetEntityDeclHandler(parser, on_entity_decl);
  XML_SetBillionLaughsAttackProtectionMaximumAmplification(parser, 50.0f);
  XML_SetBillionLaughsAttackProtectionActivationThreshold(parser, 4 << 20);
  return parser;
}

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};
using ParserPtr = std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserDeleter>;

// Feeds the text to the parser in chunks until the end, an error, or
// `max_bytes`.
std::expected<void, ReadError> feed(TextSource& text, XML_Parser parser, ParseControl& control,
                                    std::uint64_t max_bytes) {
  std::string buffer(kReadChunkBytes, '\0');
  std::uint64_t fed = 0;
  for (;;) {
    auto n = text.read(buffer.data(), buffer.size());
    if (!n) return std::unexpected(n.error());
    bool last = *n == 0;
    if (XML_Parse(parser, buffer.data(), static_cast<int>(*n), last) == XML_STATUS_ERROR) {
      if (control.error) return std::unexpected(*control.error);
      if (control.enough) return {};
      XML_Error code = XML_GetErrorCode(parser);
      if (code == XML_ERROR_AMPLIFICATION_LIMIT_BREACH) return std::unexpected(entity_error());
      return std::unexpected(ReadError{"malformed", "The XML is malformed at line " +
                                                        std::to_string(XML_GetCurrentLineNumber(parser)) +
                                                        ": " + XML_ErrorString(code) + "."});
    }
    if (control.error) return std::unexpected(*control.error);
    fed += *n;
    if (last || fed >= max_bytes) return {};
  }
}

// ---- First look: which element is the record? ----

struct Detection : ParseControl {
  std::uint32_t depth = 0;
  std::string root;
  std::map<std::string, std::uint64_t> children;  // of the root
  std::uint64_t child_elements = 0;
  std::map<std::string, std::uint64_t> grandchildren;  // under the root's first child
  std::string first_child;
  std::uint64_t elements = 0;
};

void XMLCALL detect_start(void* data, const XML_Char* name, const XML_Char**) {
  auto* d = static_cast<Detection*>(data);
  ++d->depth;
  if (d->depth > d->limits->max_depth) return d->stop(too_deep_error(*d->limits));
  if (d->depth == 1) {
    d->root = name;
  } else if (d->depth == 2) {
    ++d->children[name];
    if (d->child_elements++ == 0) d->first_child = name;
  } else if (d->depth == 3 && d->child_elements == 1) {
    ++d->grandchildren[name];
  }
  if (++d->elements >= kDetectElements) {
    d->enough = true;
    XML_StopParser(d->parser, XML_FALSE);
  }
}

void XMLCALL detect_end(void* data, const XML_Char*) {
  --static_cast<Detection*>(data)->depth;
}

struct RecordChoice {
  std::string name;
  std::uint32_t depth = 1;
  bool voc = false;
};

std::pair<std::string, std::uint64_t> most_frequent(const std::map<std::string, std::uint64_t>& counts) {
  std::pair<std::string, std::uint64_t> best;
  for (const auto& [name, count] : counts) {
    if (count > best.second) best = {name, count};
  }
  return best;
}

RecordChoice choose_record(const Detection& d) {
  if (d.root == "annotation") return {"object", 2, true};
  auto [child, child_count] = most_frequent(d.children);
  if (child == "annotation") return {"object", 3, true};
  if (child_count >= 2) return {child, 2, false};
  auto [grandchild, grandchild_count] = most_frequent(d.grandchildren);
  if (d.child_elements == 1 && grandchild_count >= 2) return {grandchild, 3, false};
  return {d.root, 1, false};
}

// ---- Second pass: records ----

struct Entry {
  std::size_t name_begin, name_size, value_begin, value_size;
};

struct RecordBuilder : ParseControl {
  RecordChoice choice;
  RecordSink* sink = nullptr;
  std::uint32_t depth = 0;
  bool in_record = false;
  std::string path;  // of the current element, relative to the record
  std::vector<std::size_t> path_marks;
  std::vector<bool> had_children;
  std::string text;           // character data of the current element
  std::string names, values;  // arenas for the record being built
  std::vector<Entry> entries;
  std::vector<Field> fields;
  std::unordered_set<std::string_view> seen;
  std::uint64_t records_with_repeats = 0, truncated = 0;

  // Pascal VOC
  AnnotationAccumulator voc{"pascal_voc"};
  std::uint64_t objects_in_image = 0;
  bool in_annotation = false;
  std::string filename;

  void add(std::string_view name, std::string_view value) {
    if (value.size() > limits->max_field_bytes) {
      std::size_t size = limits->max_field_bytes;
      while (size > 0 && (static_cast<unsigned char>(value[size]) & 0xC0) == 0x80) --size;
      value = value.substr(0, size);
      ++truncated;
    }
    entries.push_back({names.size(), name.size(), values.size(), value.size()});
    names += name;
    values += value;
    if (names.size() + values.size() > limits->max_record_bytes) {
      stop(ReadError{"record_too_large", "A single XML record is longer than the limit of " +
                                             describe_size(limits->max_record_bytes) + "."});
    }
  }

  void add_attributes(const XML_Char** attributes) {
    std::size_t mark = path.size();
    for (int i = 0; attributes[i] != nullptr; i += 2) {
      path.resize(mark);
      if (mark > 0) path += '.';
      path += '@';
      path += attributes[i];
      add(path, attributes[i + 1]);
    }
    path.resize(mark);
  }

  void finish_record() {
    fields.clear();
    seen.clear();
    bool repeats = false;
    for (const Entry& entry : entries) {
      std::string_view name(names.data() + entry.name_begin, entry.name_size);
      if (!seen.insert(name).second) {
        repeats = true;
        continue;
      }
      fields.push_back(Field{name, std::string_view(values.data() + entry.value_begin, entry.value_size)});
    }
    if (choice.voc && !filename.empty() && !seen.contains("filename")) {
      fields.push_back(Field{"filename", filename});
    }
    records_with_repeats += repeats;
    if (fields.size() > limits->max_columns) {
      return stop(ReadError{"too_many_columns", "An XML record has more than " +
                                                    std::to_string(limits->max_columns) + " fields."});
    }
    if (choice.voc) count_voc_object();
    sink->record(fields);
    entries.clear();
    names.clear();
    values.clear();
  }

  void count_voc_object() {
    std::string_view label;
    std::optional<double> xmin, xmax, ymin, ymax;
    for (const Field& field : fields) {
      auto number = [](std::string_view digits) -> std::optional<double> {
        double value = 0;
        auto [end, failure] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (failure != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
        return value;
      };
      if (field.name == "name") label = field.value;
      if (field.name == "bndbox.xmin") xmin = number(field.value);
      if (field.name == "bndbox.xmax") xmax = number(field.value);
      if (field.name == "bndbox.ymin") ymin = number(field.value);
      if (field.name == "bndbox.ymax") ymax = number(field.value);
    }
    std::optional<double> width, height;
    if (xmin && xmax) width = *xmax - *xmin;
    if (ymin && ymax) height = *ymax - *ymin;
    voc.add(label, width, height, std::nullopt);
    ++objects_in_image;
  }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

void XMLCALL record_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* b = static_cast<RecordBuilder*>(data);
  ++b->depth;
  if (b->depth > b->limits->max_depth) return b->stop(too_deep_error(*b->limits));
  std::string_view element(name);
  if (b->choice.voc && element == "annotation" && b->depth == b->choice.depth - 1) {
    b->in_annotation = true;
    b->objects_in_image = 0;
    b->filename.clear();
  }
  if (b->in_record) {
    b->had_children.back() = true;
    b->path_marks.push_back(b->path.size());
    if (!b->path.empty()) b->path += '.';
    b->path += element;
    b->had_children.push_back(false);
    b->text.clear();
    b->add_attributes(attributes);
    return;
  }
  if (b->depth == b->choice.depth && element == b->choice.name) {
    b->in_record = true;
    b->path.clear();
    b->path_marks.clear();
    b->had_children.assign(1, false);
    b->text.clear();
    b->add_attributes(attributes);
    return;
  }
  b->text.clear();
}

void XMLCALL record_end(void* data, const XML_Char* name) {
  auto* b = static_cast<RecordBuilder*>(data);
  std::string_view element(name);
  if (b->in_record) {
    bool leaf = !b->had_children.back();
    std::string_view value = trim(b->text);
    if (b->depth == b->choice.depth) {
      // A record without child elements: its own text is its value.
      if (leaf && !value.empty()) b->add(b->choice.name, value);
      b->in_record = false;
      b->finish_record();
    } else {
      if (leaf || !value.empty()) b->add(b->path, value);
      b->had_children.pop_back();
      b->path.resize(b->path_marks.back());
      b->path_marks.pop_back();
    }
    b->text.clear();
  } else if (b->choice.voc) {
    if (element == "filename" && b->in_annotation) b->filename = trim(b->text);
    if (element == "annotation" && b->in_annotation && b->depth == b->choice.depth - 1) {
      b->voc.add_image(b->objects_in_image);
      b->in_annotation = false;
    }
    b->text.clear();
  }
  --b->depth;
}

void XMLCALL record_text(void* data, const XML_Char* chars, int length) {
  auto* b = static_cast<RecordBuilder*>(data);
  if (!b->in_record && !(b->choice.voc && b->in_annotation)) return;
  if (b->text.size() + static_cast<std::size_t>(length) > b->limits->max_record_bytes) {
    return b->stop(ReadError{"record_too_large", "A single XML value is longer than the limit of " +
                                                     describe_size(b->limits->max_record_bytes) + "."});
  }
  b->text.append(chars, static_cast<std::size_t>(length));
}

}  // namespace

std::expected<void, ReadError> read_xml(const std::filesystem::path& path, Encoding encoding,
                                        const ReadLimits& limits, RecordSink& sink, ReadSummary& summary) {
  Detection detection;
  detection.limits = &limits;
  {
    auto text = TextSource::open(path, encoding);
    if (!text) return std::unexpected(text.error());
    ParserPtr parser(make_parser(detection));
    XML_SetElementHandler(parser.get(), detect_start, detect_end);
    if (auto looked = feed(*text, parser.get(), detection, kDetectBytes); !looked) return looked;
  }
  if (detection.root.empty()) {
    return std::unexpected(ReadError{"malformed", "The XML has no root element in its first megabyte."});
  }
  RecordBuilder builder;
  builder.limits = &limits;
  builder.sink = &sink;
  builder.choice = choose_record(detection);
  summary.dialect = builder.choice.voc ? "Pascal VOC, record element <object>"
                                       : "record element <" + builder.choice.name + ">";

  auto text = TextSource::open(path, encoding);
  if (!text) return std::unexpected(text.error());
  ParserPtr parser(make_parser(builder));
  XML_SetElementHandler(parser.get(), record_start, record_end);
  XML_SetCharacterDataHandler(parser.get(), record_text);
  sink.begin_table("");
  if (auto read = feed(*text, parser.get(), builder, UINT64_MAX); !read) return read;

  if (builder.choice.voc) {
    if (builder.in_annotation) builder.voc.add_image(builder.objects_in_image);
    summary.annotations = builder.voc.finish();
  }
  if (builder.records_with_repeats > 0) {
    sink.warning("repeated_elements",
                 std::to_string(builder.records_with_repeats) +
                     " records repeat a child element; only the first of each was kept.");
  }
  if (builder.truncated > 0) {
    sink.warning("field_truncated", std::to_string(builder.truncated) + " values longer than " +
                                        std::to_string(limits.max_field_bytes) +
                                        " bytes were truncated for profiling.");
  }
  if (text->replacements() > 0) sink.warning("encoding_errors", replacement_warning(text->replacements()));
  return {};
}

}  // namespace iv::analysis
