#include "analysis/csv_dialect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace iv::analysis {
namespace {

constexpr std::size_t kMaxSniffRecords = 200;
constexpr std::array<char, 4> kDelimiters = {',', ';', '\t', '|'};

using Row = std::vector<std::string_view>;

// Splits `text` into rows of raw fields (outer quotes stripped, doubled
// quotes left as they are: good enough to classify the values).
std::vector<Row> split_rows(std::string_view text, char delimiter, char quote) {
  std::vector<Row> rows;
  Row row;
  std::size_t i = 0;
  while (i < text.size() && rows.size() < kMaxSniffRecords) {
    std::string_view field;
    if (text[i] == quote) {
      std::size_t start = ++i;
      while (i < text.size()) {
        if (text[i] == quote) {
          if (i + 1 < text.size() && text[i + 1] == quote) {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      field = text.substr(start, std::min(i, text.size()) - start);
      if (i < text.size()) ++i;  // closing quote
      while (i < text.size() && text[i] != delimiter && text[i] != '\n') ++i;
    } else {
      std::size_t start = i;
      while (i < text.size() && text[i] != delimiter && text[i] != '\n') ++i;
      field = text.substr(start, i - start);
      if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
    }
    row.push_back(field);
    if (i >= text.size()) break;
    if (text[i] == '\n') {
      if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
      row = {};
    }
    ++i;
  }
  if (!row.empty() && !(row.size() == 1 && row[0].empty()) && rows.size() < kMaxSniffRecords)
    rows.push_back(std::move(row));
  return rows;
}

struct Consistency {
  double share = 0;         // rows with the most common field count
  std::size_t columns = 0;  // that count
};

Consistency consistency(const std::vector<Row>& rows) {
  if (rows.empty()) return {};
  std::map<std::size_t, std::size_t> counts;
  for (const Row& row : rows) ++counts[row.size()];
  auto best =
      std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.second < b.second; });
  return {static_cast<double>(best->second) / static_cast<double>(rows.size()), best->first};
}

bool is_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  std::size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if ((c == '.' || c == ',') && !dot) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits) {
      return is_number(s.substr(i + 1)) && s.substr(i + 1).find_first_of(".,") == std::string_view::npos;
    } else {
      return false;
    }
  }
  return digits;
}

bool is_date(std::string_view s) {
  std::size_t digits = 0, separators = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '-' || c == '/' || c == '.' || c == ':' || c == ' ' || c == 'T') {
      ++separators;
    } else {
      return false;
    }
  }
  return digits >= 4 && separators >= 2;
}

bool is_boolean(std::string_view s) {
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "true" || lower == "false" || lower == "yes" || lower == "no";
}

bool is_typed(std::string_view s) {
  return is_number(s) || is_date(s) || is_boolean(s);
}

bool has_header(const std::vector<Row>& rows) {
  if (rows.empty()) return false;
  const Row& first = rows[0];
  for (std::string_view name : first) {
    if (is_number(name) || is_date(name)) return false;
  }
  if (rows.size() == 1) return true;
  // Some column typed below a text name.
  for (std::size_t column = 0; column < first.size(); ++column) {
    if (first[column].empty() || is_boolean(first[column])) continue;
    std::size_t filled = 0, typed = 0;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      if (column >= rows[r].size() || rows[r][column].empty()) continue;
      ++filled;
      typed += is_typed(rows[r][column]);
    }
    if (filled > 0 && typed * 2 >= filled) return true;
  }
  // All text: unique names that do not recur as values.
  std::set<std::string_view> names;
  for (std::string_view name : first) {
    if (name.empty()) continue;
    if (!names.insert(name).second) return false;
  }
  for (std::size_t r = 1; r < rows.size(); ++r) {
    for (std::size_t column = 0; column < first.size() && column < rows[r].size(); ++column) {
      if (!first[column].empty() && rows[r][column] == first[column]) return false;
    }
  }
  return !names.empty();
}

// Share of commas that sit between two digits.
double decimal_comma_share(std::string_view text) {
  std::size_t commas = 0, decimal = 0;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] != ',') continue;
    ++commas;
    decimal += std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
               std::isdigit(static_cast<unsigned char>(text[i + 1]));
  }
  return commas == 0 ? 0.0 : static_cast<double>(decimal) / static_cast<double>(commas);
}

char sniff_quote(const std::vector<Row>& rows_with_double_quote, std::string_view text, char delimiter) {
  (void)rows_with_double_quote;
  std::size_t single = 0, dbl = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool field_start = i == 0 || text[i - 1] == delimiter || text[i - 1] == '\n';
    if (!field_start) continue;
    single += text[i] == '\'';
    dbl += text[i] == '"';
  }
  return single > 2 * dbl + 1 ? '\'' : '"';
}

}  // namespace

CsvDialect sniff_dialect(std::string_view text, bool complete) {
  if (!complete) {
    std::size_t last_newline = text.rfind('\n');
    if (last_newline != std::string_view::npos) text = text.substr(0, last_newline + 1);
  }
  CsvDialect dialect;
  std::array<Consistency, kDelimiters.size()> scores{};
  double best_share = 0;
  for (std::size_t i = 0; i < kDelimiters.size(); ++i) {
    scores[i] = consistency(split_rows(text, kDelimiters[i], '"'));
    if (scores[i].columns >= 2) best_share = std::max(best_share, scores[i].share);
  }
  // Among the (nearly) most consistent splits, the one with more columns.
  std::size_t chosen = kDelimiters.size();
  for (std::size_t i = 0; i < kDelimiters.size(); ++i) {
    if (scores[i].columns < 2 || scores[i].share < best_share - 0.02) continue;
    if (chosen == kDelimiters.size() || scores[i].columns > scores[chosen].columns) chosen = i;
  }
  constexpr std::size_t kComma = 0, kSemicolon = 1;
  if (chosen == kComma && scores[kSemicolon].columns >= 2 && scores[kSemicolon].share >= best_share - 0.02 &&
      decimal_comma_share(text) > 0.5)
    chosen = kSemicolon;
  if (chosen < kDelimiters.size()) dialect.delimiter = kDelimiters[chosen];
  auto rows = split_rows(text, dialect.delimiter, '"');
  dialect.quote = sniff_quote(rows, text, dialect.delimiter);
  if (dialect.quote != '"') rows = split_rows(text, dialect.delimiter, dialect.quote);
  dialect.header = has_header(rows);
  return dialect;
}

std::string describe_dialect(const CsvDialect& dialect) {
  std::string delimiter = dialect.delimiter == '\t' ? "tab" : std::string("'") + dialect.delimiter + "'";
  return "delimiter " + delimiter + ", quote '" + dialect.quote + "', " +
         (dialect.header ? "header row" : "no header row");
}

}  // namespace iv::analysis
