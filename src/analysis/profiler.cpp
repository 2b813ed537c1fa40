#include "analysis/profiler.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include "analysis/column_profile.h"
#include "analysis/duplicate_rows.h"
#include "analysis/hashing.h"
#include "analysis/quality_warnings.h"

namespace iv::analysis {
namespace {

constexpr std::uint32_t kNoColumn = 0xffffffffu;
constexpr std::uint64_t kRowSeed = 0x726f77726f77726full;

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const { return hash_bytes(name); }
};

// A reader's warning, counted instead of repeated.
struct ReaderWarning {
  std::string code;
  std::string message;  // the first one
  std::uint64_t times = 0;
};

struct PreviewCell {
  std::uint32_t column;
  std::string value;
};

struct TableState {
  std::string name;
  std::vector<std::unique_ptr<ColumnState>> columns;
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> by_name;
  // The column of the field at each position in the previous record: readers
  // send names in the same order every time, so this saves the map lookup.
  std::vector<std::uint32_t> by_position;
  std::uint64_t rows = 0;
  DuplicateRows duplicate_rows;
  std::vector<std::vector<PreviewCell>> preview;
  std::vector<ReaderWarning> reader_warnings;
  bool columns_capped = false;
  bool announced = false;  // begin_table() named it (else opened by a record or warning)
};

std::string describe_duplicates(std::uint64_t duplicates, std::uint64_t rows, bool exact) {
  char share[32];
  std::snprintf(share, sizeof share, "%.1f%%",
                100.0 * static_cast<double>(duplicates) / static_cast<double>(rows));
  return std::string(exact ? "" : "About ") + std::to_string(duplicates) +
         (duplicates == 1 ? " row" : " rows") + " (" + share + ") repeat an earlier row exactly.";
}

}  // namespace

struct Profiler::State {
  ProfileSettings settings;
  // Only the table being read holds running state; finished tables are
  // profiles in `result`, so a many-sheet workbook costs one sheet's state.
  std::unique_ptr<TableState> open_table;
  Analysis result;
  bool done = false;

  TableState& current() {
    if (!open_table) open_table = std::make_unique<TableState>();
    return *open_table;
  }

  std::uint32_t add_column(TableState& table, std::string_view name) {
    if (table.columns.size() >= settings.max_columns) {
      if (!table.columns_capped) {
        table.columns_capped = true;
        table.reader_warnings.push_back(ReaderWarning{
            "too_many_columns",
            "The data has more than " + std::to_string(settings.max_columns) + " columns; only the first " +
                std::to_string(settings.max_columns) + " are profiled.",
            1});
      }
      return kNoColumn;
    }
    const auto index = static_cast<std::uint32_t>(table.columns.size());
    table.columns.push_back(std::make_unique<ColumnState>(std::string(name), settings));
    table.by_name.emplace(std::string(name), index);
    return index;
  }

  std::uint32_t column_for(TableState& table, std::size_t position, std::string_view name) {
    if (position < table.by_position.size()) {
      const std::uint32_t cached = table.by_position[position];
      if (cached != kNoColumn && table.columns[cached]->name() == name) return cached;
    } else {
      table.by_position.resize(position + 1, kNoColumn);
    }
    const auto found = table.by_name.find(name);
    const std::uint32_t column = found != table.by_name.end() ? found->second : add_column(table, name);
    table.by_position[position] = column;
    return column;
  }

  void finish_table(TableState& table);
};

Profiler::Profiler(ProfileSettings settings) : state_(std::make_unique<State>()) {
  state_->settings = settings;
}

Profiler::~Profiler() = default;

void Profiler::begin_table(std::string_view name) {
  // A reader announces every table, including the first; a table that was
  // only opened implicitly (records before begin_table) keeps its place.
  State& state = *state_;
  if (state.open_table &&
      (state.open_table->announced || state.open_table->rows > 0 || !state.open_table->columns.empty())) {
    state.finish_table(*state.open_table);
    state.open_table.reset();
  }
  TableState& table = state.current();
  table.name = std::string(name);
  table.announced = true;
}

void Profiler::header(std::span<const std::string> names) {
  TableState& table = state_->current();
  table.by_position.assign(names.size(), kNoColumn);
  for (std::size_t position = 0; position < names.size(); ++position) {
    // Every header position gets its own column, even a repeated name.
    table.by_position[position] = state_->add_column(table, names[position]);
  }
}

void Profiler::record(std::span<const Field> fields) {
  TableState& table = state_->current();
  ++table.rows;
  const bool in_preview = table.preview.size() < state_->settings.preview_rows;
  if (in_preview) table.preview.emplace_back();
  std::uint64_t fingerprint = kRowSeed;
  for (std::size_t position = 0; position < fields.size(); ++position) {
    const Field& field = fields[position];
    const std::uint32_t column = state_->column_for(table, position, field.name);
    if (column == kNoColumn) continue;
    const std::uint64_t value_hash = table.columns[column]->observe(field.value, field.kind);
    fingerprint = hash_combine(fingerprint, value_hash + column);
    if (in_preview) {
      table.preview.back().push_back(
          PreviewCell{column, std::string(truncate_utf8(field.value, state_->settings.max_value_bytes))});
    }
  }
  table.duplicate_rows.add(fingerprint);
}

void Profiler::warning(std::string_view code, std::string_view message) {
  TableState& table = state_->current();
  for (ReaderWarning& known : table.reader_warnings) {
    if (known.code == code) {
      ++known.times;
      return;
    }
  }
  table.reader_warnings.push_back(ReaderWarning{std::string(code), std::string(message), 1});
}

void Profiler::State::finish_table(TableState& table) {
  TableProfile profile;
  profile.name = table.name;
  profile.rows = table.rows;
  std::vector<FinishedColumn> finished;
  finished.reserve(table.columns.size());
  std::uint64_t filled_cells = 0;
  for (const auto& column : table.columns) {
    finished.push_back(column->finish(table.rows));
    filled_cells += finished.back().profile.count;
  }
  const double cells = static_cast<double>(table.rows) * static_cast<double>(table.columns.size());
  profile.completeness = cells == 0 ? 0.0 : static_cast<double>(filled_cells) / cells;
  profile.duplicate_rows = table.duplicate_rows.duplicates();

  for (const ReaderWarning& reader_warning : table.reader_warnings) {
    std::string message = reader_warning.message;
    if (reader_warning.times > 1) {
      message += " (" + std::to_string(reader_warning.times) + " times in all)";
    }
    profile.warnings.push_back(Warning{reader_warning.code, "", std::move(message)});
  }
  if (profile.duplicate_rows > 0) {
    profile.warnings.push_back(
        Warning{"duplicate_rows", "",
                describe_duplicates(profile.duplicate_rows, table.rows, table.duplicate_rows.exact())});
  }
  for (const FinishedColumn& column : finished) add_column_warnings(column, profile.warnings);

  std::uint32_t preview_columns = 0;
  for (const auto& row : table.preview) {
    for (const PreviewCell& cell : row) preview_columns = std::max(preview_columns, cell.column + 1);
  }
  for (std::uint32_t column = 0; column < preview_columns; ++column) {
    profile.preview_header.push_back(table.columns[column]->name());
  }
  for (auto& row : table.preview) {
    std::vector<std::string> values(preview_columns);
    for (PreviewCell& cell : row) values[cell.column] = std::move(cell.value);
    profile.preview.push_back(std::move(values));
  }

  for (FinishedColumn& column : finished) profile.columns.push_back(column.profile);
  if (!result.annotations) result.annotations = detect_labelled_table(finished);
  result.tables.push_back(std::move(profile));
}

Analysis Profiler::finish() {
  State& state = *state_;
  if (!state.done) {
    state.done = true;
    state.finish_table(state.current());
    state.open_table.reset();
  }
  return state.result;
}

std::size_t Profiler::approximate_bytes() const {
  std::size_t bytes = sizeof(State);
  if (const TableState* current = state_->open_table.get()) {
    const TableState& table = *current;
    bytes += sizeof(TableState) + table.duplicate_rows.approximate_bytes() +
             table.by_position.capacity() * sizeof(std::uint32_t) +
             table.by_name.size() * (sizeof(std::string) + 32) + table.by_name.bucket_count() * sizeof(void*);
    for (const auto& column : table.columns) bytes += column->approximate_bytes();
    for (const auto& row : table.preview) {
      for (const PreviewCell& cell : row) bytes += sizeof(cell) + cell.value.capacity();
    }
  }
  return bytes;
}

}  // namespace iv::analysis
