// Test support: a RecordSink that keeps copies of everything it is given,
// and a temporary directory for generated input files.
#pragma once

#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "analysis/reader.h"
#include "analysis/record.h"

namespace iv::analysis::testing {

struct RecordedField {
  std::string name;
  std::string value;
  ValueKind kind = ValueKind::text;
};

struct RecordedTable {
  std::string name;
  std::vector<std::string> header;
  bool has_header = false;
  std::vector<std::vector<RecordedField>> records;
};

class RecordingSink : public RecordSink {
 public:
  // Stop keeping records after this many (counting continues), so tests over
  // big files stay small.
  explicit RecordingSink(std::size_t keep_records = 100000) : keep_records_(keep_records) {}

  void begin_table(std::string_view name) override { tables.push_back(RecordedTable{std::string(name)}); }

  void header(std::span<const std::string> names) override {
    tables.back().header.assign(names.begin(), names.end());
    tables.back().has_header = true;
  }

  void record(std::span<const Field> fields) override {
    ++record_calls;
    if (tables.empty() || tables.back().records.size() >= keep_records_) return;
    std::vector<RecordedField> copy;
    for (const Field& field : fields)
      copy.push_back({std::string(field.name), std::string(field.value), field.kind});
    tables.back().records.push_back(std::move(copy));
  }

  void warning(std::string_view code, std::string_view message) override {
    warnings.emplace_back(std::string(code), std::string(message));
  }

  // The records of the first table.
  const std::vector<std::vector<RecordedField>>& records() const { return tables.at(0).records; }

  // The value of field `name` in record `index` of the first table.
  std::optional<std::string> value(std::size_t index, std::string_view name) const {
    for (const RecordedField& field : records().at(index)) {
      if (field.name == name) return field.value;
    }
    return std::nullopt;
  }

  std::optional<ValueKind> kind(std::size_t index, std::string_view name) const {
    for (const RecordedField& field : records().at(index)) {
      if (field.name == name) return field.kind;
    }
    return std::nullopt;
  }

  // Values of record `index` in order.
  std::vector<std::string> values(std::size_t index, std::size_t table = 0) const {
    std::vector<std::string> out;
    for (const RecordedField& field : tables.at(table).records.at(index)) out.push_back(field.value);
    return out;
  }

  bool has_warning(std::string_view code) const {
    for (const auto& [c, m] : warnings) {
      if (c == code) return true;
    }
    return false;
  }

  std::size_t warning_count(std::string_view code) const {
    std::size_t n = 0;
    for (const auto& [c, m] : warnings) n += c == code;
    return n;
  }

  std::vector<RecordedTable> tables;
  std::vector<std::pair<std::string, std::string>> warnings;
  std::uint64_t record_calls = 0;

 private:
  std::size_t keep_records_;
};

// A sink that does nothing: for throughput measurements.
class NullSink : public RecordSink {
 public:
  void begin_table(std::string_view) override {}
  void header(std::span<const std::string>) override {}
  void record(std::span<const Field> fields) override {
    ++records;
    values += fields.size();
  }
  void warning(std::string_view, std::string_view) override {}
  std::uint64_t records = 0, values = 0;
};

// A fresh directory under TMPDIR, removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "iv-readers-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) std::abort();
    path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `bytes` to a file named `name` in the directory; returns its path.
  std::filesystem::path write(std::string_view name, std::string_view bytes) const {
    std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return file;
  }

 private:
  std::filesystem::path path_;
};

// A file written into `dir` and read with read_dataset into a RecordingSink.
struct Read {
  RecordingSink sink;
  std::expected<ReadSummary, ReadError> result;
};

inline Read read_text(const TempDir& dir, std::string_view name, std::string_view bytes,
                      const ReadLimits& limits = {}) {
  Read read;
  read.result = read_dataset(dir.write(name, bytes), name, read.sink, limits);
  return read;
}

}  // namespace iv::analysis::testing
