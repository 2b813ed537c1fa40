#include "analysis/format.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "analysis/csv_dialect.h"
#include "analysis/encoding.h"

namespace iv::analysis {
namespace {

std::string lower_extension(std::string_view file_name) {
  std::size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string extension(file_name.substr(dot + 1));
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

// Text has no NULs and hardly any other control characters.
bool looks_like_text(std::string_view text) {
  std::size_t controls = 0;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) return false;
    if (c < 0x20 && !is_space(ch)) ++controls;
  }
  return controls * 100 <= text.size();
}

// Where the JSON value starting at `text[start]` ends (one past it), or npos
// when it does not end within `text`.
std::size_t json_value_end(std::string_view text, std::size_t start) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

Format json_or_ndjson(std::string_view text, std::size_t start, std::string_view extension) {
  bool ndjson_name = extension == "ndjson" || extension == "jsonl";
  std::size_t end = json_value_end(text, start);
  if (end == std::string_view::npos) return ndjson_name ? Format::ndjson : Format::json;
  bool newline = false;
  std::size_t i = end;
  while (i < text.size() && is_space(text[i])) newline |= text[i++] == '\n';
  if (i >= text.size()) return ndjson_name ? Format::ndjson : Format::json;
  if (newline && (text[i] == '{' || text[i] == '[')) return Format::ndjson;
  // A second value on the same line ("{...}{...}") is still a stream of values.
  return (text[i] == '{') ? Format::ndjson : Format::json;
}

}  // namespace

std::string_view format_name(Format format) {
  switch (format) {
    case Format::csv:
      return "csv";
    case Format::tsv:
      return "tsv";
    case Format::json:
      return "json";
    case Format::ndjson:
      return "ndjson";
    case Format::xml:
      return "xml";
    case Format::xlsx:
      return "xlsx";
    case Format::unknown:
      return "unknown";
  }
  return "unknown";
}

Format detect_format(std::string_view head, std::string_view file_name) {
  if (head.empty()) return Format::unknown;
  std::string extension = lower_extension(file_name);
  if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06")) {
    // Part names sit in clear text in the local headers.
    if (head.find("xl/") != std::string_view::npos || extension == "xlsx") return Format::xlsx;
    return Format::unknown;
  }
  if (head.starts_with("%PDF")) return Format::unknown;

  Encoding encoding = detect_encoding(head);
  std::string text;
  TextDecoder decoder(encoding);
  decoder.decode(head.substr(bom_length(encoding, head)), false, text);
  if (!looks_like_text(text)) return Format::unknown;

  std::size_t start = 0;
  while (start < text.size() && is_space(text[start])) ++start;
  if (start == text.size()) return Format::unknown;
  switch (text[start]) {
    case '<':
      return Format::xml;
    case '[':
      return Format::json;
    case '{':
      return json_or_ndjson(text, start, extension);
    default:
      break;
  }
  CsvDialect dialect = sniff_dialect(text, head.size() < 64 * 1024);
  if (dialect.delimiter == '\t') return Format::tsv;
  if (extension == "tsv" && text.find('\t') != std::string::npos) return Format::tsv;
  return Format::csv;
}

}  // namespace iv::analysis
