// Files built to hurt a parser: each must end in a clear ReadError or a
// correct result, within a time bound, without a crash and without memory
// growing with the file.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zip.h>

#include "analysis/reader.h"
#include "support/recording_sink.h"

namespace iv::analysis {
namespace {

using testing::NullSink;
using testing::RecordingSink;
using testing::TempDir;

// Runs `work` on a thread; a hang fails the test run instead of stalling it.
template <class Work>
void within_seconds(int seconds, Work work) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  std::thread([work = std::move(work), done]() mutable {
    work();
    done->set_value();
  }).detach();
  if (finished.wait_for(std::chrono::seconds(seconds)) == std::future_status::timeout) {
    ADD_FAILURE() << "the reader did not finish within " << seconds << " s";
    std::fprintf(stderr, "hang: aborting\n");
    std::abort();
  }
}

struct Outcome {
  RecordingSink sink;
  std::expected<ReadSummary, ReadError> result;
};

Outcome read_file(const std::filesystem::path& path, std::string_view name, const ReadLimits& limits = {},
                  int seconds = 20) {
  Outcome outcome;
  within_seconds(seconds, [&] { outcome.result = read_dataset(path, name, outcome.sink, limits); });
  return outcome;
}

bool any_value_contains(const RecordingSink& sink, std::string_view needle) {
  for (const auto& table : sink.tables) {
    for (const auto& record : table.records) {
      for (const auto& field : record) {
        if (field.value.find(needle) != std::string::npos || field.name.find(needle) != std::string::npos)
          return true;
      }
    }
  }
  return false;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(HostileFiles, BillionLaughsXmlIsRefused) {
  TempDir dir;
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n";
  for (int i = 2; i <= 9; ++i) {
    xml += " <!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) xml += i == 2 ? "&lol;" : "&lol" + std::to_string(i - 1) + ";";
    xml += "\">\n";
  }
  xml += "]>\n<lolz><row><a>&lol9;</a></row><row><a>&lol9;</a></row></lolz>\n";
  auto outcome = read_file(dir.write("lol.xml", xml), "lol.xml");
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "entity_expansion");
  EXPECT_FALSE(any_value_contains(outcome.sink, "lollol"));
}

TEST(HostileFiles, ExternalEntitiesAreNeverLoaded) {
  TempDir dir;
  auto internal_subset = read_file(
      dir.write("xxe.xml",
                "<?xml version=\"1.0\"?><!DOCTYPE rows [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                "<rows><row><a>&xxe;</a></row><row><a>x</a></row></rows>"),
      "xxe.xml");
  ASSERT_FALSE(internal_subset.result);
  EXPECT_EQ(internal_subset.result.error().code, "entity_expansion");
  EXPECT_FALSE(any_value_contains(internal_subset.sink, "root:"));

  auto parameter = read_file(
      dir.write("pe.xml",
                "<?xml version=\"1.0\"?><!DOCTYPE rows [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
                "<rows><row><a>1</a></row><row><a>2</a></row></rows>"),
      "pe.xml");
  ASSERT_FALSE(parameter.result);
  EXPECT_FALSE(any_value_contains(parameter.sink, "root:"));

  // An external DTD is not fetched; the document itself reads fine.
  auto external_dtd =
      read_file(dir.write("dtd.xml",
                          "<?xml version=\"1.0\"?><!DOCTYPE rows SYSTEM \"file:///etc/passwd\">"
                          "<rows><row><a>1</a></row><row><a>2</a></row></rows>"),
                "dtd.xml");
  if (external_dtd.result) {
    EXPECT_EQ(external_dtd.sink.records().size(), 2u);
  }
  EXPECT_FALSE(any_value_contains(external_dtd.sink, "root:"));
}

TEST(HostileFiles, DeeplyNestedXmlIsRefused) {
  TempDir dir;
  std::string xml;
  for (int i = 0; i < 100000; ++i) xml += "<a>";
  for (int i = 0; i < 100000; ++i) xml += "</a>";
  auto outcome = read_file(dir.write("deep.xml", xml), "deep.xml");
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "too_deep");
}

TEST(HostileFiles, HundredThousandDeepJsonIsRefused) {
  TempDir dir;
  std::string json = std::string(100000, '[') + std::string(100000, ']');
  auto outcome = read_file(dir.write("deep.json", json), "deep.json");
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "too_deep");

  std::string object;
  for (int i = 0; i < 100000; ++i) object += "{\"a\":";
  object += "1" + std::string(100000, '}');
  auto nested_object = read_file(dir.write("deep-object.json", object), "deep-object.json");
  ASSERT_FALSE(nested_object.result);
  EXPECT_EQ(nested_object.result.error().code, "too_deep");
}

TEST(HostileFiles, DeepNdjsonLineDoesNotCrash) {
  TempDir dir;
  std::string text = "{\"a\": 1}\n" + std::string(100000, '[') + std::string(100000, ']') + "\n{\"a\": 2}\n";
  auto outcome = read_file(dir.write("deep.ndjson", text), "deep.ndjson");
  // The deep line is one array holding one item: a correct, if dull, record.
  ASSERT_TRUE(outcome.result) << outcome.result.error().message;
  ASSERT_EQ(outcome.sink.records().size(), 3u);
  EXPECT_EQ(outcome.sink.value(1, "value"), "[1 item]");
  EXPECT_EQ(outcome.sink.value(2, "a"), "2");
}

// Writes `bytes` repeated until `size` bytes, with no line break.
std::filesystem::path write_repeated(const TempDir& dir, std::string_view name, std::string_view prefix,
                                     std::string_view unit, std::uint64_t size) {
  std::filesystem::path path = dir.path() / name;
  std::ofstream out(path, std::ios::binary);
  out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  std::string block;
  while (block.size() < (1 << 20)) block += unit;
  std::uint64_t written = prefix.size();
  while (written < size) {
    std::uint64_t n = std::min<std::uint64_t>(block.size(), size - written);
    out.write(block.data(), static_cast<std::streamsize>(n));
    written += n;
  }
  return path;
}

TEST(HostileFiles, SingleLineCsvIsRefusedQuickly) {
  TempDir dir;
  ReadLimits limits;
  limits.max_record_bytes = 1 << 20;
  auto path = write_repeated(dir, "line.csv", "a,b,c\n", "1234567,", 32ull << 20);
  auto outcome = read_file(path, "line.csv", limits, 10);
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "too_many_columns");  // 4M fields on one line

  // A quote that never closes swallows the file into one field.
  auto quoted = write_repeated(dir, "quote.csv", "a,b\n1,\"", "text text,\n", 32ull << 20);
  auto unclosed = read_file(quoted, "quote.csv", limits, 10);
  ASSERT_FALSE(unclosed.result);
  EXPECT_EQ(unclosed.result.error().code, "record_too_large");
}

// The real thing: 1 GiB without a line break, refused with the default
// limits after reading at most max_record_bytes, memory bounded.
TEST(HostileFiles, GigabyteSingleLineCsvIsRefusedWithBoundedMemory) {
  TempDir dir;
  auto path = write_repeated(dir, "gig.csv", "a,b\n1,", "xxxxxxxxxxxxxxxx", 1ull << 30);
  long before = peak_rss_kib();
  auto start = std::chrono::steady_clock::now();
  NullSink sink;
  std::expected<ReadSummary, ReadError> result;
  within_seconds(30, [&] { result = read_dataset(path, "gig.csv", sink); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long grown_mib = (peak_rss_kib() - before) / 1024;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "record_too_large");
  EXPECT_LT(seconds, 5.0);
  EXPECT_LT(grown_mib, 64) << "peak RSS grew by " << grown_mib << " MiB";
}

// By hand (writes and reads 1 GiB):
//   analysis_tests --gtest_also_run_disabled_tests --gtest_filter='*GigabyteCsvStreams*'
TEST(HostileFiles, DISABLED_GigabyteCsvStreamsInBoundedMemory) {
  TempDir dir;
  auto path = write_repeated(dir, "rows.csv", "id,name,amount\n", "12345,Asha Rao,1234.56\n", 1ull << 30);
  long before = peak_rss_kib();
  NullSink sink;
  auto start = std::chrono::steady_clock::now();
  auto result = read_dataset(path, "rows.csv", sink);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result);
  long grown_mib = (peak_rss_kib() - before) / 1024;
  std::printf("1 GiB CSV: %llu records in %.2f s, peak RSS grew by %ld MiB\n",
              static_cast<unsigned long long>(sink.records), seconds, grown_mib);
  EXPECT_LT(grown_mib, 32);
}

// A zip with one part of `size` bytes of `filler` (zeros by default),
// deflated: about 1 MB per GB.
std::filesystem::path write_zip_bomb(const TempDir& dir, std::uint64_t size, char filler = '\0') {
  std::filesystem::path path = dir.path() / "bomb.xlsx";
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) return {};
  static constexpr std::string_view kWorkbook =
      "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
      "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
  static constexpr std::string_view kRels =
      "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>";
  zip_file_add(archive, "xl/workbook.xml", zip_source_buffer(archive, kWorkbook.data(), kWorkbook.size(), 0),
               ZIP_FL_OVERWRITE);
  zip_file_add(archive, "xl/_rels/workbook.xml.rels",
               zip_source_buffer(archive, kRels.data(), kRels.size(), 0), ZIP_FL_OVERWRITE);
  struct Zeros {
    std::uint64_t size;
    char filler;
    std::uint64_t offset = 0;
  };
  auto* zeros = new Zeros{size, filler};
  zip_source_t* source = zip_source_function(
      archive,
      [](void* state, void* data, zip_uint64_t length, zip_source_cmd_t command) -> zip_int64_t {
        auto* z = static_cast<Zeros*>(state);
        switch (command) {
          case ZIP_SOURCE_OPEN:
            z->offset = 0;
            return 0;
          case ZIP_SOURCE_READ: {
            zip_uint64_t n = std::min<zip_uint64_t>(length, z->size - z->offset);
            std::memset(data, z->filler, n);
            z->offset += n;
            return static_cast<zip_int64_t>(n);
          }
          case ZIP_SOURCE_CLOSE:
            return 0;
          case ZIP_SOURCE_STAT: {
            auto* st = static_cast<zip_stat_t*>(data);
            zip_stat_init(st);
            st->size = z->size;
            st->valid |= ZIP_STAT_SIZE;
            return sizeof(zip_stat_t);
          }
          case ZIP_SOURCE_FREE:
            delete z;
            return 0;
          case ZIP_SOURCE_SUPPORTS:
            return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                                  ZIP_SOURCE_STAT, ZIP_SOURCE_FREE, ZIP_SOURCE_ERROR, -1);
          case ZIP_SOURCE_ERROR:
            return 0;
          default:
            return -1;
        }
      },
      zeros);
  zip_int64_t index = zip_file_add(archive, "xl/worksheets/sheet1.xml", source, ZIP_FL_OVERWRITE);
  zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 1);
  if (zip_close(archive) != 0) return {};
  return path;
}

TEST(HostileFiles, ZipBombDisguisedAsXlsxIsRefused) {
  TempDir dir;
  auto path = write_zip_bomb(dir, 1ull << 30);
  ASSERT_FALSE(path.empty());
  EXPECT_LT(std::filesystem::file_size(path), 8u << 20);
  long before = peak_rss_kib();
  auto outcome = read_file(path, "report.xlsx", {}, 20);
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "zip_bomb");
  EXPECT_LT((peak_rss_kib() - before) / 1024, 64);

  // With the ratio guard off, the declared total is still over the limit.
  ReadLimits lenient;
  lenient.max_xlsx_ratio = 1'000'000;
  lenient.max_xlsx_uncompressed = 256u << 20;
  auto by_size = read_file(path, "report.xlsx", lenient, 20);
  ASSERT_FALSE(by_size.result);
  EXPECT_EQ(by_size.result.error().code, "zip_bomb");
}

// Rewrites the uncompressed size recorded for `part` in the local and
// central headers of the zip at `path`: a bomb that lies about its size.
void lie_about_size(const std::filesystem::path& path, std::string_view part, std::uint32_t size) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto put32 = [&](std::size_t at) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
  };
  for (std::size_t i = 0; i + 46 + part.size() <= bytes.size(); ++i) {
    if (bytes.compare(i, 4, "PK\x03\x04") == 0 && bytes.compare(i + 30, part.size(), part) == 0)
      put32(i + 22);
    if (bytes.compare(i, 4, "PK\x01\x02") == 0 && bytes.compare(i + 46, part.size(), part) == 0)
      put32(i + 24);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(HostileFiles, ZipBombWithLyingSizesIsRefused) {
  TempDir dir;
  // Spaces are well-formed XML so far: only the byte count can stop them.
  auto path = write_zip_bomb(dir, 256ull << 20, ' ');
  ASSERT_FALSE(path.empty());
  lie_about_size(path, "xl/worksheets/sheet1.xml", 1000);
  long before = peak_rss_kib();
  auto outcome = read_file(path, "report.xlsx", {}, 20);
  ASSERT_FALSE(outcome.result);
  // The declared sizes pass both guards; counting the inflated bytes stops it.
  EXPECT_EQ(outcome.result.error().code, "zip_bomb") << outcome.result.error().message;
  EXPECT_LT((peak_rss_kib() - before) / 1024, 64);
}

TEST(HostileFiles, InvalidUtf8IsRepairedAndReported) {
  TempDir dir;
  std::string text = "name,city\n";
  for (int i = 0; i < 50; ++i) text += "Zo\xC3\xAB,Pune\n";
  text += "\xC0\xAF\xED\xA0\x80,\xF8\x88\x80\x80\x80\n";  // overlong, surrogate, 5-byte form
  auto outcome = read_file(dir.write("bad.csv", text), "bad.csv");
  ASSERT_TRUE(outcome.result) << outcome.result.error().message;
  ASSERT_EQ(outcome.sink.records().size(), 51u);
  auto name = outcome.sink.value(50, "name");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->find('\xC0'), std::string::npos);
  EXPECT_NE(name->find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(outcome.sink.warning_count("encoding_errors"), 1u);
}

TEST(HostileFiles, NulFilledFileIsUnsupported) {
  TempDir dir;
  auto outcome = read_file(dir.write("zeros.csv", std::string(1 << 20, '\0')), "zeros.csv");
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "unsupported_format");
  EXPECT_NE(outcome.result.error().message.find("zero bytes"), std::string::npos);
}

TEST(HostileFiles, ExecutableRenamedToCsvIsUnsupported) {
  TempDir dir;
  std::ifstream in("/bin/true", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  auto outcome = read_file(dir.write("data.csv", bytes), "data.csv");
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, "unsupported_format");
  EXPECT_EQ(outcome.result.error().message, "This looks like a Linux program, not a dataset.");

  std::string pe =
      std::string("MZ\x90\0\x03\0\0\0", 8) + std::string(500, '\0') + "This program cannot be run";
  auto windows = read_file(dir.write("data2.csv", pe), "data2.csv");
  ASSERT_FALSE(windows.result);
  EXPECT_EQ(windows.result.error().message, "This looks like a Windows program, not a dataset.");
}

TEST(HostileFiles, EmptyFileIsRefused) {
  TempDir dir;
  for (std::string_view content : {std::string_view(""), std::string_view(" \n\r\n\t ")}) {
    auto outcome = read_file(dir.write("empty.csv", content), "empty.csv");
    ASSERT_FALSE(outcome.result);
    EXPECT_EQ(outcome.result.error().code, "empty_file");
  }
}

TEST(HostileFiles, HeaderOnlyCsvHasNoRecords) {
  TempDir dir;
  auto outcome = read_file(dir.write("header.csv", "id,name,email\r\n"), "header.csv");
  ASSERT_TRUE(outcome.result) << outcome.result.error().message;
  EXPECT_EQ(outcome.sink.record_calls, 0u);
  EXPECT_EQ(outcome.sink.tables.at(0).header.size(), 3u);
}

}  // namespace
}  // namespace iv::analysis
