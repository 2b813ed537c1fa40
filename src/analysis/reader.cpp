#include "analysis/reader.h"

#include <string>

#include "analysis/byte_source.h"
#include "analysis/csv_dialect.h"
#include "analysis/csv_reader.h"
#include "analysis/encoding.h"
#include "analysis/json_reader.h"
#include "analysis/xlsx_reader.h"
#include "analysis/xml_reader.h"

namespace iv::analysis {
namespace {

constexpr std::size_t kHeadBytes = 64 * 1024;

// A sentence naming what a non-dataset file looks like, from its magic bytes.
std::string describe_unsupported(std::string_view head) {
  struct Magic {
    std::string_view prefix;
    std::string_view what;
  };
  static constexpr Magic kMagics[] = {
      {"\x7F"
       "ELF",
       "a Linux program"},
      {"MZ", "a Windows program"},
      {"\xCF\xFA\xED\xFE", "a macOS program"},
      {"\xCE\xFA\xED\xFE", "a macOS program"},
      {"\xFE\xED\xFA\xCF", "a macOS program"},
      {"\xCA\xFE\xBA\xBE", "a macOS program or Java class"},
      {"%PDF", "a PDF document"},
      {"\x89PNG", "a PNG image"},
      {"\xFF\xD8\xFF", "a JPEG image"},
      {"GIF8", "a GIF image"},
      {"\x1F\x8B", "a gzip archive"},
      {"BZh", "a bzip2 archive"},
      {"\xFD"
       "7zXZ",
       "an xz archive"},
      {"7z\xBC\xAF", "a 7-Zip archive"},
      {"Rar!", "a RAR archive"},
      {"PK\x03\x04", "a ZIP archive without a spreadsheet in it"},
      {"\xD0\xCF\x11\xE0", "an old Microsoft Office document (save it as .xlsx or .csv)"},
      {"SQLite format 3", "an SQLite database"},
      {"PAR1", "a Parquet file"},
  };
  for (const Magic& magic : kMagics) {
    if (head.starts_with(magic.prefix)) {
      return "This looks like " + std::string(magic.what) + ", not a dataset.";
    }
  }
  if (head.find_first_not_of('\0') == std::string_view::npos) {
    return "The file holds only zero bytes, not a dataset.";
  }
  return "This file is not in a format we can read (CSV, TSV, JSON, NDJSON, XML or XLSX).";
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f") == std::string_view::npos;
}

std::expected<void, ReadError> read_delimited(const std::filesystem::path& path, std::string_view head,
                                              std::uint64_t size, Encoding encoding, const ReadLimits& limits,
                                              RecordSink& sink, ReadSummary& summary) {
  std::string decoded;
  TextDecoder decoder(encoding);
  decoder.decode(head.substr(bom_length(encoding, head)), head.size() >= size, decoded);
  CsvDialect dialect = sniff_dialect(decoded, head.size() >= size);
  // detect_format calls a .tsv with tabs in it TSV even when the sniffer
  // hesitates; the name and the content agree, so trust them.
  if (summary.format == Format::tsv) dialect.delimiter = '\t';
  if (dialect.delimiter == '\t') summary.format = Format::tsv;
  summary.dialect = describe_dialect(dialect);
  auto text = TextSource::open(path, encoding);
  if (!text) return std::unexpected(text.error());
  if (auto read = read_csv(*text, dialect, limits, sink); !read) return read;
  if (text->replacements() > 0) sink.warning("encoding_errors", replacement_warning(text->replacements()));
  return {};
}

}  // namespace

std::expected<ReadSummary, ReadError> read_dataset(const std::filesystem::path& path,
                                                   std::string_view file_name, RecordSink& sink,
                                                   const ReadLimits& limits) {
  auto source = ByteSource::open(path);
  if (!source) return std::unexpected(source.error());
  std::uint64_t size = source->size();
  std::string head(kHeadBytes, '\0');
  auto n = source->read(head.data(), head.size());
  if (!n) return std::unexpected(n.error());
  head.resize(*n);
  if (head.empty() || (size <= head.size() && blank(head))) {
    return std::unexpected(ReadError{"empty_file", "The file is empty."});
  }

  ReadSummary summary;
  summary.bytes = size;
  summary.format = detect_format(head, file_name);
  if (summary.format == Format::unknown) {
    return std::unexpected(ReadError{"unsupported_format", describe_unsupported(head)});
  }
  std::expected<void, ReadError> read;
  if (summary.format == Format::xlsx) {
    summary.encoding = "utf-8";
    read = read_xlsx(path, limits, sink, summary);
  } else {
    Encoding encoding = detect_encoding(head);
    summary.encoding = std::string(encoding_name(encoding));
    switch (summary.format) {
      case Format::csv:
      case Format::tsv:
        read = read_delimited(path, head, size, encoding, limits, sink, summary);
        break;
      case Format::json:
        read = read_json(path, encoding, limits, sink, summary);
        break;
      case Format::ndjson:
        read = read_ndjson(path, encoding, limits, sink, summary);
        break;
      case Format::xml:
        read = read_xml(path, encoding, limits, sink, summary);
        break;
      default:
        break;
    }
  }
  if (!read) return std::unexpected(read.error());
  return summary;
}

}  // namespace iv::analysis
