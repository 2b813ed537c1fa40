#include "content/loader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <yaml-cpp/yaml.h>

#include "content/markdown.h"

namespace iv::content {
namespace {

namespace json = boost::json;

// ---- fixed vocabularies (templates and filters depend on the exact words) ----

constexpr std::array<std::string_view, 6> kIcons = {"annotation", "curation",   "document",
                                                    "model",      "moderation", "transformation"};
constexpr std::array<std::string_view, 4> kImpactCategories = {"rural-employment", "women-in-tech",
                                                               "skills-training", "community"};
constexpr std::array<std::string_view, 9> kIndustries = {
    "Automotive",  "Healthcare",         "Retail & E-commerce", "Financial Services", "Insurance",
    "Agriculture", "Media & Technology", "Logistics",           "Public Sector"};

// ---- limits: generous, to catch accidents (a pasted article in a title), not style ----

constexpr std::size_t kMaxFileBytes = std::size_t{1024} * 1024;
constexpr std::size_t kMaxTitle = 160;
constexpr std::size_t kMaxSummary = 400;
constexpr std::size_t kMaxShortText = 120;  // feature titles, figure values, client, location
constexpr std::size_t kMaxText = 400;       // feature texts, use cases, figure labels
constexpr std::size_t kMaxMarkdownField = 20000;
constexpr std::size_t kMaxListItems = 12;
constexpr int kMaxOrder = 9999;
constexpr int kMaxJsonNodes = 20000;  // aliases can make a small file expand hugely
constexpr int kMaxJsonDepth = 32;

std::string backticked(std::string_view text) {
  return "`" + std::string(text) + "`";
}

template <std::size_t N>
std::string join(const std::array<std::string_view, N>& words) {
  std::string joined;
  for (std::string_view word : words) joined += (joined.empty() ? "" : ", ") + std::string(word);
  return joined;
}

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const std::size_t start = text.find_first_not_of(kBlanks);
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(kBlanks) - start + 1);
}

bool is_slug(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.back() == '-' ||
      text.find("--") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// YYYY-MM-DD naming a real calendar day.
bool is_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto number = [&](std::size_t start, std::size_t length) -> std::optional<int> {
    int value = 0;
    const char* first = text.data() + start;
    auto [end, ec] = std::from_chars(first, first + length, value);
    if (ec != std::errc{} || end != first + length || *first == '-' || *first == '+') return std::nullopt;
    return value;
  };
  auto year = number(0, 4);
  auto month = number(5, 2);
  auto day = number(8, 2);
  if (!year || !month || !day) return false;
  return std::chrono::year_month_day{std::chrono::year{*year},
                                     std::chrono::month{static_cast<unsigned>(*month)},
                                     std::chrono::day{static_cast<unsigned>(*day)}}
      .ok();
}

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// ---- error reporting ---------------------------------------------------------

// A value from the front matter and where to point at it: an empty value has
// no position of its own (yaml-cpp gives the next token's), so its key's is used.
struct Field {
  YAML::Node node;
  YAML::Mark mark;
};

// Collects the errors of one file, turning YAML positions into file lines.
class FileReport {
 public:
  FileReport(std::vector<LoadError>& errors, std::string file) : errors_(errors), file_(std::move(file)) {}

  void error(int line, std::string message) {
    errors_.push_back({file_, line, std::move(message)});
    ++count_;
  }
  // Front matter starts on line 2 of the file; yaml-cpp counts lines from 0.
  void error(const YAML::Mark& mark, std::string message) {
    error(mark.line >= 0 ? mark.line + kFrontMatterFirstLine : 1, std::move(message));
  }
  void error(const YAML::Node& node, std::string message) { error(node.Mark(), std::move(message)); }
  void error(const Field& field, std::string message) { error(field.mark, std::move(message)); }

  bool clean() const { return count_ == 0; }
  const std::string& file() const { return file_; }

  static constexpr int kFrontMatterFirstLine = 2;

 private:
  std::vector<LoadError>& errors_;
  std::string file_;
  int count_ = 0;
};

// ---- front matter -------------------------------------------------------------

struct Document {
  std::string front_matter;
  std::string body;
  int body_line = 0;  // line of the file where the body starts
};

bool is_delimiter(std::string_view line) {
  return trim(line) == "---" && line.starts_with("---");
}

std::optional<Document> split_front_matter(std::string_view text, FileReport& report) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // byte-order mark
  std::size_t line_start = 0;
  int line_number = 1;
  std::optional<std::size_t> yaml_start;
  while (line_start <= text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line = text.substr(line_start, line_end - line_start);
    const std::size_t next = line_end + 1;
    if (!yaml_start) {
      if (!is_delimiter(line)) {
        report.error(1, "the file must start with a line `---` opening the front matter");
        return std::nullopt;
      }
      yaml_start = next;
    } else if (is_delimiter(line)) {
      Document document;
      document.front_matter = std::string(text.substr(*yaml_start, line_start - *yaml_start));
      if (next < text.size()) document.body = std::string(text.substr(next));
      document.body_line = line_number + 1;
      return document;
    }
    line_start = next;
    ++line_number;
  }
  report.error(1, "the front matter opened on line 1 is never closed by a line `---`");
  return std::nullopt;
}

// ---- typed access to a YAML mapping --------------------------------------------

const char* type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "empty";
    default:
      return "text";
  }
}

// The keys of one mapping. Every key read through it is known; the rest are
// reported by reject_unknown(). `where` prefixes messages ("features[2]: ").
class Fields {
 public:
  Fields(const YAML::Node& map, FileReport& report, std::string where)
      : map_(map), report_(report), where_(std::move(where)) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        report_.error(it->first, prefix() + "keys must be plain words");
        continue;
      }
      const std::string key = it->first.Scalar();
      if (find(key) != nullptr) {
        report_.error(it->first, prefix() + "duplicate key " + backticked(key));
        continue;
      }
      entries_.push_back({key, it->first, it->second, false});
    }
  }

  // The value of `key`; when absent, nullopt and (if required) an error.
  std::optional<Field> take(std::string_view key, bool required = true) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
    Entry* entry = find(key);
    if (entry == nullptr) {
      if (required) report_.error(map_, prefix() + "missing required key " + backticked(key));
      return std::nullopt;
    }
    entry->taken = true;
    return Field{entry->value, entry->value.IsNull() ? entry->key_node.Mark() : entry->value.Mark()};
  }

  void reject_unknown() {
    std::string allowed;
    for (const std::string& key : known_) allowed += (allowed.empty() ? "" : ", ") + key;
    for (const Entry& entry : entries_) {
      if (!entry.taken) {
        report_.error(entry.key_node,
                      prefix() + "unknown key " + backticked(entry.key) + " (allowed: " + allowed + ")");
      }
    }
  }

  // Takes the keys not taken yet, in document order (a page's free-form data).
  std::vector<std::pair<std::string, YAML::Node>> take_remaining() {
    std::vector<std::pair<std::string, YAML::Node>> rest;
    for (Entry& entry : entries_) {
      if (!entry.taken) rest.emplace_back(entry.key, entry.value);
      entry.taken = true;
    }
    return rest;
  }

  FileReport& report() { return report_; }
  std::string prefix() const { return where_.empty() ? "" : where_ + ": "; }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool taken;
  };

  Entry* find(std::string_view key) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
    return it == entries_.end() ? nullptr : &*it;
  }

  YAML::Node map_;
  FileReport& report_;
  std::string where_;
  std::vector<Entry> entries_;
  std::vector<std::string> known_;
};

// Checks one scalar as non-empty text within `max_chars`; nullopt after reporting.
std::optional<std::string> text_value(const Field& field, std::string_view name, std::size_t max_chars,
                                      Fields& fields) {
  if (!field.node.IsScalar()) {
    fields.report().error(field,
                          fields.prefix() + backticked(name) + " must be text, not " + type_name(field.node));
    return std::nullopt;
  }
  const std::string value(trim(field.node.Scalar()));
  if (value.empty()) {
    fields.report().error(field, fields.prefix() + backticked(name) + " must not be empty");
    return std::nullopt;
  }
  if (const std::size_t length = code_points(value); length > max_chars) {
    fields.report().error(field, fields.prefix() + backticked(name) + " is " + std::to_string(length) +
                                     " characters long; the limit is " + std::to_string(max_chars));
    return std::nullopt;
  }
  return value;
}

std::string text(Fields& fields, std::string_view key, std::size_t max_chars) {
  auto node = fields.take(key);
  if (!node) return {};
  return text_value(*node, key, max_chars, fields).value_or("");
}

template <std::size_t N>
std::string word_from(Fields& fields, std::string_view key, const std::array<std::string_view, N>& words) {
  auto node = fields.take(key);
  if (!node) return {};
  auto value = text_value(*node, key, kMaxShortText, fields);
  if (value && !one_of(words, *value)) {
    fields.report().error(*node, fields.prefix() + backticked(key) + " is " + backticked(*value) +
                                     "; it must be one of: " + join(words));
    return {};
  }
  return value.value_or("");
}

std::string date(Fields& fields, std::string_view key) {
  auto node = fields.take(key);
  if (!node) return {};
  auto value = text_value(*node, key, kMaxShortText, fields);
  if (value && !is_iso_date(*value)) {
    fields.report().error(*node, fields.prefix() + backticked(key) + " is " + backticked(*value) +
                                     "; it must be a real date written YYYY-MM-DD");
    return {};
  }
  return value.value_or("");
}

int integer(Fields& fields, std::string_view key, int min, int max) {
  auto node = fields.take(key);
  if (!node) return 0;
  auto value = text_value(*node, key, kMaxShortText, fields);
  if (!value) return 0;
  int number = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (ec != std::errc{} || end != value->data() + value->size() || number < min || number > max) {
    fields.report().error(*node, fields.prefix() + backticked(key) + " must be a whole number from " +
                                     std::to_string(min) + " to " + std::to_string(max));
    return 0;
  }
  return number;
}

std::string markdown(Fields& fields, std::string_view key) {
  auto value = text(fields, key, kMaxMarkdownField);
  return value.empty() ? std::string() : markdown_to_html(value);
}

// A list of `min_items`..`max_items` elements, each read by `read_item`.
template <class T, class ReadItem>
std::vector<T> list(Fields& fields, std::string_view key, std::size_t min_items, std::size_t max_items,
                    ReadItem read_item) {
  auto node = fields.take(key);
  if (!node) return {};
  const YAML::Node& sequence = node->node;
  if (!sequence.IsSequence()) {
    fields.report().error(*node,
                          fields.prefix() + backticked(key) + " must be a list, not " + type_name(sequence));
    return {};
  }
  if (sequence.size() < min_items || sequence.size() > max_items) {
    fields.report().error(*node, fields.prefix() + backticked(key) + " has " +
                                     std::to_string(sequence.size()) + " items; it must have " +
                                     std::to_string(min_items) + " to " + std::to_string(max_items));
  }
  std::vector<T> items;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const std::string where = std::string(key) + "[" + std::to_string(i + 1) + "]";
    const YAML::Node item = sequence[i];
    if (auto value = read_item(Field{item, item.IsNull() ? node->mark : item.Mark()}, where)) {
      items.push_back(std::move(*value));
    }
  }
  return items;
}

std::vector<std::string> text_list(Fields& fields, std::string_view key, std::size_t min_items,
                                   std::size_t max_items, std::size_t max_chars) {
  return list<std::string>(fields, key, min_items, max_items,
                           [&](const Field& item, const std::string& where) {
                             return text_value(item, where, max_chars, fields);
                           });
}

// A list of mappings with exactly two text keys, e.g. figures {value, label}.
template <class T>
std::vector<T> pair_list(Fields& fields, std::string_view key, std::size_t min_items, std::size_t max_items,
                         std::string_view first_key, std::size_t first_max, std::string T::*first,
                         std::string_view second_key, std::size_t second_max, std::string T::*second) {
  return list<T>(fields, key, min_items, max_items,
                 [&](const Field& item, const std::string& where) -> std::optional<T> {
                   if (!item.node.IsMap()) {
                     fields.report().error(
                         item, fields.prefix() + where + " must be a mapping with " + backticked(first_key) +
                                   " and " + backticked(second_key) + ", not " + type_name(item.node));
                     return std::nullopt;
                   }
                   Fields item_fields(item.node, fields.report(), fields.prefix() + where);
                   T value;
                   value.*first = text(item_fields, first_key, first_max);
                   value.*second = text(item_fields, second_key, second_max);
                   item_fields.reject_unknown();
                   return value;
                 });
}

std::vector<Figure> figures(Fields& fields, std::string_view key, std::size_t min_items,
                            std::size_t max_items) {
  return pair_list(fields, key, min_items, max_items, "value", kMaxShortText, &Figure::value, "label",
                   kMaxText, &Figure::label);
}

// Reports repeated entries in a list that should name each thing once.
void reject_duplicates(Fields& fields, std::string_view key, const std::vector<std::string>& values) {
  std::set<std::string> seen;
  for (const std::string& value : values) {
    if (seen.insert(value).second) continue;
    if (auto field = fields.take(key, false)) {
      fields.report().error(*field, backticked(key) + " lists " + backticked(value) + " twice");
    }
  }
}

// ---- the four kinds of file -----------------------------------------------------

// A case study's reference to a service, checked once all services are known.
struct ServiceReference {
  std::string file;
  int line;
  std::string slug;
};

std::string slug(Fields& fields, const std::string& file_stem) {
  auto node = fields.take("slug");
  if (!node) return {};
  auto value = text_value(*node, "slug", kMaxShortText, fields);
  if (!value) return {};
  if (!is_slug(*value)) {
    fields.report().error(*node,
                          "`slug` " + backticked(*value) +
                              " must be lower-case letters and digits in words joined by single hyphens");
  } else if (*value != file_stem) {
    fields.report().error(
        *node, "`slug` " + backticked(*value) + " must equal the file name " + backticked(file_stem + ".md"));
  }
  return *value;
}

std::string body(const Document& document, bool required, FileReport& report) {
  if (trim(document.body).empty()) {
    if (required) report.error(document.body_line, "the Markdown body after the front matter is empty");
    return {};
  }
  return markdown_to_html(document.body);
}

Service read_service(Fields& fields, const std::string& stem, const Document& document) {
  Service service;
  service.slug = slug(fields, stem);
  service.title = text(fields, "title", kMaxTitle);
  service.summary = text(fields, "summary", kMaxSummary);
  service.icon = word_from(fields, "icon", kIcons);
  service.order = integer(fields, "order", 0, kMaxOrder);
  service.features = pair_list(fields, "features", 1, kMaxListItems, "title", kMaxShortText, &Feature::title,
                               "text", kMaxText, &Feature::text);
  service.use_cases = text_list(fields, "use_cases", 1, kMaxListItems, kMaxText);
  service.industries = list<std::string>(
      fields, "industries", 1, kIndustries.size(), [&](const Field& item, const std::string& where) {
        auto value = text_value(item, where, kMaxShortText, fields);
        if (value && !one_of(kIndustries, *value)) {
          fields.report().error(item, backticked(where) + " is " + backticked(*value) +
                                          "; it must be one of: " + join(kIndustries));
          return std::optional<std::string>();
        }
        return value;
      });
  reject_duplicates(fields, "industries", service.industries);
  service.figures = figures(fields, "figures", 1, 6);
  service.body_html = body(document, true, fields.report());
  return service;
}

CaseStudy read_case_study(Fields& fields, const std::string& stem, const Document& document,
                          std::vector<ServiceReference>& references) {
  CaseStudy study;
  study.slug = slug(fields, stem);
  study.title = text(fields, "title", kMaxTitle);
  study.client = text(fields, "client", kMaxShortText);
  study.industry = word_from(fields, "industry", kIndustries);
  study.summary = text(fields, "summary", kMaxSummary);
  study.services =
      list<std::string>(fields, "services", 1, 6, [&](const Field& item, const std::string& where) {
        auto value = text_value(item, where, kMaxShortText, fields);
        if (value)
          references.push_back(
              {fields.report().file(), fields.report().kFrontMatterFirstLine + item.mark.line, *value});
        return value;
      });
  reject_duplicates(fields, "services", study.services);
  study.published = date(fields, "published");
  study.challenge_html = markdown(fields, "challenge");
  study.solution_html = markdown(fields, "solution");
  study.results = figures(fields, "results", 1, 6);
  study.body_html = body(document, true, fields.report());
  return study;
}

ImpactStory read_impact_story(Fields& fields, const std::string& stem, const Document& document) {
  ImpactStory story;
  story.slug = slug(fields, stem);
  story.title = text(fields, "title", kMaxTitle);
  story.category = word_from(fields, "category", kImpactCategories);
  story.summary = text(fields, "summary", kMaxSummary);
  story.location = text(fields, "location", kMaxShortText);
  story.published = date(fields, "published");
  story.figures = figures(fields, "figures", 1, 6);
  story.body_html = body(document, true, fields.report());
  return story;
}

// YAML to JSON for a page's free-form keys: scalars stay strings, because the
// templates print them and "2008" must not become 2008.0.
std::optional<json::value> to_json(const YAML::Node& node, FileReport& report, int& budget, int depth) {
  if (--budget < 0) {
    report.error(node, "the front matter is too large once its aliases are expanded");
    return std::nullopt;
  }
  if (depth > kMaxJsonDepth) {
    report.error(node, "the front matter nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return std::nullopt;
  }
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return json::value(node.Scalar());
    case YAML::NodeType::Sequence: {
      json::array array;
      for (const YAML::Node& item : node) {
        auto value = to_json(item, report, budget, depth + 1);
        if (!value) return std::nullopt;
        array.push_back(std::move(*value));
      }
      return json::value(std::move(array));
    }
    case YAML::NodeType::Map: {
      json::object object;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          report.error(it->first, "keys must be plain words");
          return std::nullopt;
        }
        auto value = to_json(it->second, report, budget, depth + 1);
        if (!value) return std::nullopt;
        object[it->first.Scalar()] = std::move(*value);
      }
      return json::value(std::move(object));
    }
    default:
      return json::value(nullptr);
  }
}

Page read_page(Fields& fields, const std::string& stem, const Document& document) {
  Page page;
  page.slug = slug(fields, stem);
  page.title = text(fields, "title", kMaxTitle);
  page.summary = text(fields, "summary", kMaxSummary);
  page.body_html = body(document, false, fields.report());
  json::object data;
  int budget = kMaxJsonNodes;
  for (auto& [key, value] : fields.take_remaining()) {
    if (auto converted = to_json(value, fields.report(), budget, 1)) data[key] = std::move(*converted);
  }
  page.data_json = json::serialize(data);
  return page;
}

// ---- files and directories -------------------------------------------------------

std::optional<std::string> read_file(const std::filesystem::path& path, FileReport& report) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    report.error(0, "cannot read: " + error.message());
    return std::nullopt;
  }
  if (size > kMaxFileBytes) {
    report.error(0, "the file is larger than " + std::to_string(kMaxFileBytes / 1024) + " KiB");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    report.error(0, "cannot open the file");
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

int line_of_offset(std::string_view text, std::size_t offset) {
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Parses the front matter of one file and hands its root mapping to `read`.
// Returns nullopt when the file has any error.
template <class T, class Read>
std::optional<T> load_file(const std::filesystem::path& path, std::vector<LoadError>& errors, Read read) {
  FileReport report(errors, path.string());
  const std::string stem = path.stem().string();
  auto text = read_file(path, report);
  if (!text) return std::nullopt;
  if (const std::size_t valid = valid_utf8_prefix(*text); valid != text->size()) {
    report.error(line_of_offset(*text, valid), "the file is not valid UTF-8");
    return std::nullopt;
  }
  auto document = split_front_matter(*text, report);
  if (!document) return std::nullopt;
  YAML::Node root;
  try {
    root = YAML::Load(document->front_matter);
  } catch (const YAML::Exception& error) {
    report.error(error.mark, "invalid YAML: " + error.msg);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    report.error(1, "the front matter must be a YAML mapping of keys to values");
    return std::nullopt;
  }
  try {
    Fields fields(root, report, "");
    T value = read(fields, stem, *document);
    fields.reject_unknown();
    if (!report.clean()) return std::nullopt;
    return value;
  } catch (const YAML::Exception& error) {  // not expected after the checks; report rather than crash
    report.error(error.mark, "unexpected YAML structure: " + error.msg);
    return std::nullopt;
  }
}

// The .md files of one content folder, sorted by name.
std::vector<std::filesystem::path> markdown_files(const std::filesystem::path& folder,
                                                  std::vector<LoadError>& errors) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  std::filesystem::directory_iterator entries(folder, error);
  if (error) {
    errors.push_back({folder.string(), 0, "cannot read the folder: " + error.message()});
    return files;
  }
  for (const auto& entry : entries) {
    if (entry.path().extension() == ".md" && entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <class T, class Read>
std::vector<T> load_files(const std::vector<std::filesystem::path>& paths, std::vector<LoadError>& errors,
                          Read read) {
  std::vector<T> items;
  for (const auto& path : paths) {
    if (auto item = load_file<T>(path, errors, read)) items.push_back(std::move(*item));
  }
  return items;
}

}  // namespace

std::string to_string(const LoadError& error) {
  std::string text = error.file;
  if (error.line > 0) text += ":" + std::to_string(error.line);
  return text + ": " + error.message;
}

std::expected<ContentBundle, std::vector<LoadError>> load_content_dir(const std::filesystem::path& dir) {
  std::vector<LoadError> errors;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return std::unexpected(std::vector<LoadError>{{dir.string(), 0, "content directory not found"}});
  }
  ContentBundle bundle;
  const auto service_files = markdown_files(dir / "services", errors);
  bundle.services = load_files<Service>(service_files, errors, read_service);

  std::vector<ServiceReference> references;
  bundle.case_studies =
      load_files<CaseStudy>(markdown_files(dir / "case-studies", errors), errors,
                            [&](Fields& fields, const std::string& stem, const Document& document) {
                              return read_case_study(fields, stem, document, references);
                            });
  bundle.impact_stories =
      load_files<ImpactStory>(markdown_files(dir / "impact", errors), errors, read_impact_story);
  bundle.pages = load_files<Page>(markdown_files(dir / "pages", errors), errors, read_page);

  // Checked against the service files present, so one broken service file
  // does not also fail every case study that names it.
  std::set<std::string> service_slugs;
  for (const auto& path : service_files) service_slugs.insert(path.stem().string());
  for (const ServiceReference& reference : references) {
    if (!service_slugs.contains(reference.slug)) {
      errors.push_back(
          {reference.file, reference.line,
           "`services` names " + backticked(reference.slug) + ", which is not a file in services/"});
    }
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return bundle;
}

}  // namespace iv::content
