#include "analysis/xlsx_reader.h"

#ifndef XML_DTD
#define XML_DTD 1
#endif
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <expat.h>
#include <zip.h>

#include "analysis/byte_source.h"

namespace iv::analysis {
namespace {

constexpr std::uint64_t kMaxSharedStringBytes = 64ull << 20;
// Small parts compress far better than 200:1 without being bombs (an XML
// sheet of repeated rows easily does); the ratio guard starts above this.
constexpr std::uint64_t kRatioCheckFrom = 1ull << 20;

ReadError zip_bomb(std::string_view why) {
  return ReadError{"zip_bomb", "This file expands far beyond its size when unpacked (" + std::string(why) +
                                   "); we refuse it as a possible zip bomb."};
}

ReadError not_a_workbook(std::string_view why) {
  return ReadError{"malformed", "This is not a readable Excel workbook (" + std::string(why) + ")."};
}

std::string_view local_name(const XML_Char* name) {
  std::string_view full(name);
  std::size_t colon = full.rfind(':');
  return colon == std::string_view::npos ? full : full.substr(colon + 1);
}

const XML_Char* attribute(const XML_Char** attributes, std::string_view wanted) {
  for (int i = 0; attributes[i] != nullptr; i += 2) {
    if (local_name(attributes[i]) == wanted) return attributes[i + 1];
  }
  return nullptr;
}

// State shared by the handlers of every part: the parser and why it stopped.
struct PartState {
  XML_Parser parser = nullptr;
  std::optional<ReadError> error;
  void stop(ReadError reason) {
    if (!error) error = std::move(reason);
    XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL on_entity_decl(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                            const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<PartState*>(data)->stop(
      ReadError{"entity_expansion", "The workbook declares XML entities; we refuse such files."});
}

int XMLCALL refuse_external_entity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*,
                                   const XML_Char*) {
  return XML_STATUS_ERROR;
}

// Reads parts of the archive within the zip-bomb budget.
class Archive {
 public:
  Archive(zip_t* zip, const ReadLimits& limits) : zip_(zip), limits_(limits) {}

  // Parses part `name` with the handlers; false when the part is missing.
  std::expected<bool, ReadError> parse(const std::string& name, PartState& state,
                                       XML_StartElementHandler start, XML_EndElementHandler end,
                                       XML_CharacterDataHandler text) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat(zip_, name.c_str(), 0, &stat) != 0) return false;
    if ((stat.valid & ZIP_STAT_SIZE) == 0) return std::unexpected(not_a_workbook("a part without a size"));
    declared_ += stat.size;
    if (declared_ > limits_.max_xlsx_uncompressed) return std::unexpected(zip_bomb("declared sizes"));
    if ((stat.valid & ZIP_STAT_COMP_SIZE) && stat.size > kRatioCheckFrom &&
        stat.size / std::max<zip_uint64_t>(stat.comp_size, 1) > limits_.max_xlsx_ratio)
      return std::unexpected(zip_bomb("compression ratio"));

    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen(zip_, name.c_str(), 0), zip_fclose);
    if (!file) return std::unexpected(not_a_workbook(zip_strerror(zip_)));
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
        XML_ParserCreate(nullptr), XML_ParserFree);
    state.parser = parser.get();
    XML_SetUserData(parser.get(), &state);
    XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetExternalEntityRefHandler(parser.get(), refuse_external_entity);
    XML_SetEntityDeclHandler(parser.get(), on_entity_decl);
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(parser.get(), 50.0f);
    XML_SetElementHandler(parser.get(), start, end);
    if (text) XML_SetCharacterDataHandler(parser.get(), text);

    std::string buffer(kReadChunkBytes, '\0');
    std::uint64_t part_bytes = 0;
    for (;;) {
      zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) return std::unexpected(not_a_workbook(zip_file_strerror(file.get())));
      // Declared sizes can lie: count what really comes out.
      part_bytes += static_cast<std::uint64_t>(n);
      inflated_ += static_cast<std::uint64_t>(n);
      if (part_bytes > stat.size || inflated_ > limits_.max_xlsx_uncompressed)
        return std::unexpected(zip_bomb("inflated bytes"));
      bool last = n == 0;
      if (XML_Parse(parser.get(), buffer.data(), static_cast<int>(n), last) == XML_STATUS_ERROR) {
        if (state.error) return std::unexpected(*state.error);
        return std::unexpected(not_a_workbook(name + " line " +
                                              std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
                                              XML_ErrorString(XML_GetErrorCode(parser.get()))));
      }
      if (state.error) return std::unexpected(*state.error);
      if (last) return true;
    }
  }

 private:
  zip_t* zip_;
  const ReadLimits& limits_;
  std::uint64_t declared_ = 0, inflated_ = 0;
};

// ---- xl/workbook.xml ----

struct Sheet {
  std::string name, relation_id, part;
};

struct WorkbookState : PartState {
  std::vector<Sheet> sheets;
  bool date1904 = false;
};

void XMLCALL workbook_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* state = static_cast<WorkbookState*>(static_cast<PartState*>(data));
  std::string_view element = local_name(name);
  if (element == "sheet") {
    const XML_Char* sheet_name = attribute(attributes, "name");
    const XML_Char* id = attribute(attributes, "id");
    state->sheets.push_back(Sheet{sheet_name ? sheet_name : "", id ? id : "", ""});
  } else if (element == "workbookPr") {
    const XML_Char* date1904 = attribute(attributes, "date1904");
    state->date1904 = date1904 && (std::string_view(date1904) == "1" || std::string_view(date1904) == "true");
  }
}

void XMLCALL ignore_end(void*, const XML_Char*) {}

// ---- xl/_rels/workbook.xml.rels ----

struct RelationsState : PartState {
  std::vector<std::pair<std::string, std::string>> targets;  // id -> part
  std::string shared_strings;
  std::string styles;
};

std::string part_path(std::string_view target) {
  if (target.starts_with('/')) return std::string(target.substr(1));
  std::string path = "xl/";
  while (target.starts_with("../")) target.remove_prefix(3), path.clear();
  return path + std::string(target);
}

void XMLCALL relations_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* state = static_cast<RelationsState*>(static_cast<PartState*>(data));
  if (local_name(name) != "Relationship") return;
  const XML_Char* id = attribute(attributes, "Id");
  const XML_Char* target = attribute(attributes, "Target");
  const XML_Char* type = attribute(attributes, "Type");
  if (!id || !target) return;
  std::string part = part_path(target);
  std::string_view kind = type ? std::string_view(type) : std::string_view();
  if (kind.ends_with("/sharedStrings")) state->shared_strings = part;
  if (kind.ends_with("/styles")) state->styles = part;
  state->targets.emplace_back(id, part);
}

// ---- xl/sharedStrings.xml ----

struct SharedStringsState : PartState {
  std::string pool;
  std::vector<std::uint64_t> starts;  // string i is pool[starts[i], starts[i+1])
  bool in_item = false, in_text = false;
  int phonetic = 0;  // inside <rPh>: reading aids, not content

  std::string_view get(std::size_t index) const {
    if (index + 1 >= starts.size()) return {};
    return std::string_view(pool).substr(starts[index], starts[index + 1] - starts[index]);
  }
};

void XMLCALL shared_start(void* data, const XML_Char* name, const XML_Char**) {
  auto* state = static_cast<SharedStringsState*>(static_cast<PartState*>(data));
  std::string_view element = local_name(name);
  if (element == "si") {
    state->in_item = true;
  } else if (element == "rPh") {
    ++state->phonetic;
  } else if (element == "t" && state->in_item && state->phonetic == 0) {
    state->in_text = true;
  }
}

void XMLCALL shared_end(void* data, const XML_Char* name) {
  auto* state = static_cast<SharedStringsState*>(static_cast<PartState*>(data));
  std::string_view element = local_name(name);
  if (element == "si") {
    state->in_item = false;
    state->starts.push_back(state->pool.size());
  } else if (element == "rPh") {
    --state->phonetic;
  } else if (element == "t") {
    state->in_text = false;
  }
}

void XMLCALL shared_text(void* data, const XML_Char* text, int length) {
  auto* state = static_cast<SharedStringsState*>(static_cast<PartState*>(data));
  if (!state->in_text) return;
  if (state->pool.size() + static_cast<std::size_t>(length) > kMaxSharedStringBytes) {
    return state->stop(
        ReadError{"too_many_shared_strings",
                  "The workbook's shared strings take more than 64 MiB; we cannot profile it."});
  }
  state->pool.append(text, static_cast<std::size_t>(length));
}

// ---- xl/styles.xml ----

enum class DateKind : std::uint8_t { none, date, datetime, time };

DateKind builtin_date_kind(int id) {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58))
    return DateKind::date;
  if (id == 22) return DateKind::datetime;
  if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47) || id == 32 || id == 33) return DateKind::time;
  return DateKind::none;
}

// A custom number format is a date when, outside quotes and brackets, it
// has day/year (date) or hour/second (time) codes.
DateKind custom_date_kind(std::string_view code) {
  bool date = false, time = false, month_or_minute = false, quoted = false, bracket = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(code[i])));
    if (quoted) {
      quoted = c != '"';
      continue;
    }
    if (bracket) {
      bracket = c != ']';
      continue;
    }
    if (c == '"')
      quoted = true;
    else if (c == '[')
      bracket = true;
    else if (c == '\\' || c == '_' || c == '*')
      ++i;
    else if (c == 'y' || c == 'd')
      date = true;
    else if (c == 'h' || c == 's')
      time = true;
    else if (c == 'm')
      month_or_minute = true;
    else if (c == ';')
      break;  // only the first section decides
  }
  if (date && time) return DateKind::datetime;
  if (date) return DateKind::date;
  if (time) return DateKind::time;
  (void)month_or_minute;
  return DateKind::none;
}

struct StylesState : PartState {
  std::vector<std::pair<int, DateKind>> custom;  // numFmtId -> kind
  std::vector<DateKind> cell_formats;            // by xf index in cellXfs
  bool in_cell_xfs = false;

  DateKind kind_of(int id) const {
    for (const auto& [custom_id, kind] : custom) {
      if (custom_id == id) return kind;
    }
    return builtin_date_kind(id);
  }
};

int to_int(const XML_Char* text, int fallback = -1) {
  if (!text) return fallback;
  int value = fallback;
  std::from_chars(text, text + std::strlen(text), value);
  return value;
}

void XMLCALL styles_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* state = static_cast<StylesState*>(static_cast<PartState*>(data));
  std::string_view element = local_name(name);
  if (element == "numFmt") {
    const XML_Char* code = attribute(attributes, "formatCode");
    state->custom.emplace_back(to_int(attribute(attributes, "numFmtId")),
                               code ? custom_date_kind(code) : DateKind::none);
  } else if (element == "cellXfs") {
    state->in_cell_xfs = true;
  } else if (element == "xf" && state->in_cell_xfs) {
    state->cell_formats.push_back(state->kind_of(to_int(attribute(attributes, "numFmtId"), 0)));
  }
}

void XMLCALL styles_end(void* data, const XML_Char* name) {
  auto* state = static_cast<StylesState*>(static_cast<PartState*>(data));
  if (local_name(name) == "cellXfs") state->in_cell_xfs = false;
}

// ---- dates ----

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void civil_from_days(std::int64_t days, int& year, unsigned& month, unsigned& day) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(y + (month <= 2));
}

// An Excel serial number as ISO text. The 1900 system counts a 29 February
// 1900 that never was (Lotus compatibility): serials from 61 on are one day
// ahead of the calendar, and 60 itself is shown as that phantom day's
// neighbour, 1900-02-28.
std::optional<std::string> serial_to_iso(double serial, DateKind kind, bool date1904) {
  if (!std::isfinite(serial) || serial < 0 || serial > 2958465) return std::nullopt;  // up to 9999-12-31
  double whole = std::floor(serial);
  auto seconds = static_cast<std::int64_t>(std::llround((serial - whole) * 86400.0));
  auto days = static_cast<std::int64_t>(whole);
  if (seconds >= 86400) {
    ++days;
    seconds -= 86400;
  }
  std::int64_t unix_days;
  if (date1904) {
    unix_days = days - 24107;  // 1904-01-01 is serial 0
  } else {
    if (days >= 61)
      --days;
    else if (days == 60)
      days = 59;
    unix_days = days - 25568;  // 1900-01-01 is serial 1
  }
  char out[32];
  int year;
  unsigned month, day;
  civil_from_days(unix_days, year, month, day);
  int h = static_cast<int>(seconds / 3600), m = static_cast<int>(seconds / 60 % 60),
      s = static_cast<int>(seconds % 60);
  switch (kind) {
    case DateKind::date:
      std::snprintf(out, sizeof out, "%04d-%02u-%02u", year, month, day);
      break;
    case DateKind::time:
      if (days == 0 || (date1904 && whole == 0)) {
        std::snprintf(out, sizeof out, "%02d:%02d:%02d", h, m, s);
        break;
      }
      [[fallthrough]];
    default:
      std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d", year, month, day, h, m, s);
      break;
  }
  return std::string(out);
}

// ---- worksheets ----

struct CellValue {
  std::uint32_t column;
  std::size_t begin, size;
  ValueKind kind;
};

struct SheetState : PartState {
  const ReadLimits* limits = nullptr;
  RecordSink* sink = nullptr;
  const SharedStringsState* shared = nullptr;
  const StylesState* styles = nullptr;
  bool date1904 = false;

  bool in_row = false, in_value = false, in_inline = false;
  std::uint32_t next_column = 0;
  std::uint32_t cell_column = 0;
  std::string cell_type;
  int cell_style = -1;
  std::string text;

  std::string arena;  // values of the current row
  std::vector<CellValue> cells;
  bool header_done = false;
  std::vector<std::string> names;
  std::vector<Field> fields;
  std::uint64_t rows = 0;
  std::size_t named_fields = 0;

  const std::string& name_of(std::size_t index) {
    while (names.size() <= index) {
      names.push_back("column_" + std::to_string(names.size() + 1));
      named_fields = 0;
    }
    return names[index];
  }

  void finish_cell();
  void finish_row();
};

// "BC12" -> 54 (0-based column); nullopt when there are no letters.
std::optional<std::uint32_t> column_of(const XML_Char* reference) {
  if (!reference) return std::nullopt;
  std::uint32_t column = 0;
  int letters = 0;
  for (const XML_Char* p = reference; *p; ++p) {
    char c = *p;
    if (c >= 'A' && c <= 'Z') {
      column = column * 26 + static_cast<std::uint32_t>(c - 'A' + 1);
    } else if (c >= 'a' && c <= 'z') {
      column = column * 26 + static_cast<std::uint32_t>(c - 'a' + 1);
    } else {
      break;
    }
    if (++letters > 4) return std::nullopt;
  }
  if (letters == 0) return std::nullopt;
  return column - 1;
}

void SheetState::finish_cell() {
  std::string_view raw = text;
  std::string converted;
  ValueKind kind = ValueKind::text;
  if (cell_type == "s") {
    std::size_t index = 0;
    auto [end, failure] = std::from_chars(raw.data(), raw.data() + raw.size(), index);
    converted = failure == std::errc() ? std::string(shared->get(index)) : std::string();
    raw = converted;
  } else if (cell_type == "b") {
    raw = raw == "1" ? "true" : "false";
    kind = ValueKind::boolean;
  } else if (cell_type.empty() || cell_type == "n") {
    if (raw.empty()) return;
    kind = ValueKind::number;
    DateKind date = DateKind::none;
    if (cell_style >= 0 && static_cast<std::size_t>(cell_style) < styles->cell_formats.size())
      date = styles->cell_formats[static_cast<std::size_t>(cell_style)];
    if (date != DateKind::none) {
      double serial = 0;
      auto [end, failure] = std::from_chars(raw.data(), raw.data() + raw.size(), serial);
      if (failure == std::errc()) {
        if (auto iso = serial_to_iso(serial, date, date1904)) {
          converted = std::move(*iso);
          raw = converted;
          kind = ValueKind::text;
        }
      }
    }
  }
  // inlineStr, str (formula text), e (error), d (ISO date): the text as written.
  if (raw.size() > limits->max_field_bytes) raw = raw.substr(0, limits->max_field_bytes);
  if (cell_column > limits->max_columns) {
    return stop(ReadError{"too_many_columns", "A sheet has more than " + std::to_string(limits->max_columns) +
                                                  " columns, more than we profile."});
  }
  cells.push_back(CellValue{cell_column, arena.size(), raw.size(), kind});
  arena += raw;
  if (arena.size() > limits->max_record_bytes) {
    return stop(ReadError{"record_too_large", "A spreadsheet row is longer than the limit of " +
                                                  describe_size(limits->max_record_bytes) + "."});
  }
}

void SheetState::finish_row() {
  if (cells.empty()) return;
  std::uint32_t width = 0;
  for (const CellValue& cell : cells) width = std::max(width, cell.column + 1);
  if (!header_done) {
    header_done = true;
    std::vector<std::string> header(width);
    for (const CellValue& cell : cells) header[cell.column] = arena.substr(cell.begin, cell.size);
    std::set<std::string> used;
    names.clear();
    named_fields = 0;
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string base = header[i].empty() ? "column_" + std::to_string(i + 1) : header[i];
      std::string unique = base;
      for (int n = 2; used.contains(unique); ++n) unique = base + "_" + std::to_string(n);
      used.insert(unique);
      names.push_back(unique);
    }
    sink->header(names);
    return;
  }
  std::size_t count = std::max<std::size_t>(width, names.size());
  if (count > names.size()) name_of(count - 1);
  if (fields.size() < count) fields.resize(count);
  if (named_fields < count) {
    for (std::size_t i = 0; i < count; ++i) fields[i].name = names[i];
    named_fields = count;
  }
  for (std::size_t i = 0; i < count; ++i) {
    fields[i].value = {};
    fields[i].kind = ValueKind::null;
  }
  for (const CellValue& cell : cells) {
    fields[cell.column].value = std::string_view(arena).substr(cell.begin, cell.size);
    fields[cell.column].kind = cell.kind;
  }
  sink->record(std::span<const Field>(fields.data(), count));
  ++rows;
}

void XMLCALL sheet_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* s = static_cast<SheetState*>(static_cast<PartState*>(data));
  std::string_view element = local_name(name);
  if (element == "row") {
    s->in_row = true;
    s->next_column = 0;
    s->cells.clear();
    s->arena.clear();
  } else if (element == "c" && s->in_row) {
    s->cell_column = column_of(attribute(attributes, "r")).value_or(s->next_column);
    s->next_column = s->cell_column + 1;
    const XML_Char* type = attribute(attributes, "t");
    s->cell_type = type ? type : "";
    s->cell_style = to_int(attribute(attributes, "s"), -1);
    s->text.clear();
  } else if (element == "v") {
    s->in_value = true;
  } else if (element == "is") {
    s->in_inline = true;
  }
}

void XMLCALL sheet_end(void* data, const XML_Char* name) {
  auto* s = static_cast<SheetState*>(static_cast<PartState*>(data));
  std::string_view element = local_name(name);
  if (element == "row") {
    s->finish_row();
    s->in_row = false;
  } else if (element == "c" && s->in_row) {
    if (!s->text.empty() || s->cell_type == "inlineStr" || s->cell_type == "str") s->finish_cell();
    s->text.clear();
  } else if (element == "v") {
    s->in_value = false;
  } else if (element == "is") {
    s->in_inline = false;
  }
}

void XMLCALL sheet_text(void* data, const XML_Char* chars, int length) {
  auto* s = static_cast<SheetState*>(static_cast<PartState*>(data));
  if (!s->in_value && !s->in_inline) return;
  if (s->text.size() + static_cast<std::size_t>(length) > s->limits->max_record_bytes) {
    return s->stop(ReadError{"record_too_large", "A spreadsheet cell is longer than the limit of " +
                                                     describe_size(s->limits->max_record_bytes) + "."});
  }
  s->text.append(chars, static_cast<std::size_t>(length));
}

}  // namespace

std::expected<void, ReadError> read_xlsx(const std::filesystem::path& path, const ReadLimits& limits,
                                         RecordSink& sink, ReadSummary& summary) {
  int error = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> zip(zip_open(path.c_str(), ZIP_RDONLY, &error), zip_discard);
  if (!zip) return std::unexpected(not_a_workbook("the ZIP container cannot be opened"));
  Archive archive(zip.get(), limits);

  WorkbookState workbook;
  auto found = archive.parse("xl/workbook.xml", workbook, workbook_start, ignore_end, nullptr);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(not_a_workbook("xl/workbook.xml is missing"));

  RelationsState relations;
  found = archive.parse("xl/_rels/workbook.xml.rels", relations, relations_start, ignore_end, nullptr);
  if (!found) return std::unexpected(found.error());
  for (Sheet& sheet : workbook.sheets) {
    for (const auto& [id, part] : relations.targets) {
      if (id == sheet.relation_id) sheet.part = part;
    }
  }

  SharedStringsState shared;
  shared.starts.push_back(0);
  found = archive.parse(relations.shared_strings.empty() ? "xl/sharedStrings.xml" : relations.shared_strings,
                        shared, shared_start, shared_end, shared_text);
  if (!found) return std::unexpected(found.error());

  StylesState styles;
  found = archive.parse(relations.styles.empty() ? "xl/styles.xml" : relations.styles, styles, styles_start,
                        styles_end, nullptr);
  if (!found) return std::unexpected(found.error());

  std::size_t sheets_read = 0;
  for (const Sheet& sheet : workbook.sheets) {
    if (sheet.part.empty()) continue;
    if (sheets_read == limits.max_sheets) {
      sink.warning("too_many_sheets",
                   "Only the first " + std::to_string(limits.max_sheets) + " sheets were profiled.");
      break;
    }
    SheetState state;
    state.limits = &limits;
    state.sink = &sink;
    state.shared = &shared;
    state.styles = &styles;
    state.date1904 = workbook.date1904;
    sink.begin_table(sheet.name);
    auto parsed = archive.parse(sheet.part, state, sheet_start, sheet_end, sheet_text);
    if (!parsed) return std::unexpected(parsed.error());
    ++sheets_read;
  }
  if (sheets_read == 0) return std::unexpected(not_a_workbook("it has no worksheets"));
  summary.dialect =
      std::to_string(sheets_read) + (sheets_read == 1 ? " sheet" : " sheets") + ", first row as header";
  return {};
}

}  // namespace iv::analysis
