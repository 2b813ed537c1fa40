#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/reader.h"
#include "support/recording_sink.h"

namespace iv::analysis {
namespace {

using testing::NullSink;
using testing::Read;
using testing::read_text;
using testing::RecordingSink;
using testing::TempDir;

TEST(ReaderCsv, ReadsHeaderAndRecords) {
  TempDir dir;
  auto read = read_text(dir, "people.csv", "name,age,city\nAsha,34,Pune\nRavi,28,Delhi\n");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->format, Format::csv);
  EXPECT_EQ(read.result->encoding, "utf-8");
  EXPECT_EQ(read.result->dialect, "delimiter ',', quote '\"', header row");
  ASSERT_EQ(read.sink.tables.size(), 1u);
  EXPECT_EQ(read.sink.tables[0].header, (std::vector<std::string>{"name", "age", "city"}));
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.values(1), (std::vector<std::string>{"Ravi", "28", "Delhi"}));
  EXPECT_EQ(read.sink.value(0, "city"), "Pune");
  EXPECT_EQ(read.sink.kind(0, "age"), ValueKind::text);
  EXPECT_TRUE(read.sink.warnings.empty());
}

TEST(ReaderCsv, SniffsSemicolonWithDecimalCommas) {
  TempDir dir;
  auto read = read_text(dir, "prices.csv", "item;price;qty\napple;1,50;3\npear;2,25;4\nplum;0,75;10\n");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.result->dialect, "delimiter ';', quote '\"', header row");
  EXPECT_EQ(read.sink.values(0), (std::vector<std::string>{"apple", "1,50", "3"}));
}

TEST(ReaderCsv, SniffsTabAndPipe) {
  TempDir dir;
  auto tsv = read_text(dir, "a.txt", "id\tname\n1\tx\n2\ty\n");
  ASSERT_TRUE(tsv.result);
  EXPECT_EQ(tsv.result->format, Format::tsv);
  EXPECT_EQ(tsv.sink.values(1), (std::vector<std::string>{"2", "y"}));
  auto piped = read_text(dir, "b.csv", "id|name|score\n1|x|2.5\n2|y|3.5\n");
  ASSERT_TRUE(piped.result);
  EXPECT_EQ(piped.result->format, Format::csv);
  EXPECT_EQ(piped.sink.values(0), (std::vector<std::string>{"1", "x", "2.5"}));
}

TEST(ReaderCsv, HandlesRfc4180QuotingAndCrlf) {
  TempDir dir;
  std::string text =
      "id,comment,note\r\n"
      "1,\"said \"\"hi\"\"\",plain\r\n"
      "2,\"line one\r\nline two\",\"a,b\"\r\n"
      "3,\"\",\r\n"
      "4,\"x\"junk,y\r\n";
  auto read = read_text(dir, "q.csv", text);
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_EQ(read.sink.records().size(), 4u);
  EXPECT_EQ(read.sink.values(0), (std::vector<std::string>{"1", "said \"hi\"", "plain"}));
  EXPECT_EQ(read.sink.values(1), (std::vector<std::string>{"2", "line one\r\nline two", "a,b"}));
  EXPECT_EQ(read.sink.values(2), (std::vector<std::string>{"3", "", ""}));
  EXPECT_EQ(read.sink.values(3), (std::vector<std::string>{"4", "xjunk", "y"}));
}

TEST(ReaderCsv, DetectsMissingHeader) {
  TempDir dir;
  auto read = read_text(dir, "n.csv", "1,2.5,2020-01-01\n2,3.5,2020-01-02\n3,4.5,2020-01-03\n");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.result->dialect, "delimiter ',', quote '\"', no header row");
  EXPECT_EQ(read.sink.tables[0].header, (std::vector<std::string>{"column_1", "column_2", "column_3"}));
  ASSERT_EQ(read.sink.records().size(), 3u);
  EXPECT_EQ(read.sink.value(0, "column_2"), "2.5");
}

TEST(ReaderCsv, TextHeaderAboveTextDataNeedsUniqueNames) {
  TempDir dir;
  auto header = read_text(dir, "h.csv", "first,last\nAsha,Rao\nRavi,Iyer\n");
  ASSERT_TRUE(header.result);
  EXPECT_EQ(header.sink.tables[0].header, (std::vector<std::string>{"first", "last"}));
  EXPECT_EQ(header.sink.records().size(), 2u);
  // The "first row" value recurs in its column: data, not names.
  auto data = read_text(dir, "d.csv", "red,small\nblue,big\nred,big\n");
  ASSERT_TRUE(data.result);
  EXPECT_EQ(data.sink.records().size(), 3u);
}

TEST(ReaderCsv, MakesHeaderNamesUnique) {
  TempDir dir;
  auto read = read_text(dir, "u.csv", "a,a,,b\n1,2,3,4\n");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.sink.tables[0].header, (std::vector<std::string>{"a", "a_2", "column_3", "b"}));
}

TEST(ReaderCsv, ReportsRaggedRowsOnce) {
  TempDir dir;
  auto read = read_text(dir, "r.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11\n");
  ASSERT_TRUE(read.result);
  ASSERT_EQ(read.sink.records().size(), 4u);
  EXPECT_EQ(read.sink.warning_count("ragged_rows"), 1u);
  EXPECT_NE(read.sink.warnings[0].second.find("3 rows"), std::string::npos) << read.sink.warnings[0].second;
  // Extra fields are named column_N.
  EXPECT_EQ(read.sink.value(2, "column_4"), "9");
  EXPECT_EQ(read.sink.records()[1].size(), 2u);
}

TEST(ReaderCsv, HeaderOnlyFileHasZeroRecords) {
  TempDir dir;
  auto read = read_text(dir, "h.csv", "id,name,email\n");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.sink.tables[0].header, (std::vector<std::string>{"id", "name", "email"}));
  EXPECT_EQ(read.sink.record_calls, 0u);
}

TEST(ReaderCsv, LastLineWithoutNewlineAndBlankLines) {
  TempDir dir;
  auto read = read_text(dir, "b.csv", "a,b\n\n1,2\r\n\r\n3,4\r");
  ASSERT_TRUE(read.result);
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.values(1), (std::vector<std::string>{"3", "4"}));
}

TEST(ReaderCsv, Utf8BomIsStripped) {
  TempDir dir;
  auto read = read_text(dir, "bom.csv", "\xEF\xBB\xBFid,name\n1,Zo\xC3\xAB\n");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.result->encoding, "utf-8-bom");
  EXPECT_EQ(read.sink.tables[0].header[0], "id");
  EXPECT_EQ(read.sink.value(0, "name"), "Zo\xC3\xAB");
}

std::string utf16(std::u16string_view text, bool little, bool bom) {
  std::string out;
  if (bom) out += little ? "\xFF\xFE" : "\xFE\xFF";
  for (char16_t unit : text) {
    char lo = static_cast<char>(unit & 0xFF), hi = static_cast<char>(unit >> 8);
    out += little ? std::string{lo, hi} : std::string{hi, lo};
  }
  return out;
}

TEST(ReaderCsv, DecodesUtf16) {
  TempDir dir;
  std::u16string text =
      u"city,temp\nM\u00fcnchen,21\n\u0928\u0908 \u0926\u093f\u0932\u094d\u0932\u0940,35\n\U0001F600,0\n";
  for (bool little : {true, false}) {
    for (bool bom : {true, false}) {
      auto read = read_text(dir, "u16.csv", utf16(text, little, bom));
      ASSERT_TRUE(read.result) << read.result.error().message;
      EXPECT_EQ(read.result->encoding, little ? "utf-16le" : "utf-16be");
      ASSERT_EQ(read.sink.records().size(), 3u);
      EXPECT_EQ(read.sink.value(0, "city"), "M\xC3\xBCnchen");
      EXPECT_EQ(read.sink.value(1, "city"),
                "\xE0\xA4\xA8\xE0\xA4\x88 "
                "\xE0\xA4\xA6\xE0\xA4\xBF\xE0\xA4\xB2\xE0\xA5\x8D\xE0\xA4\xB2\xE0\xA5\x80");
      EXPECT_EQ(read.sink.value(2, "city"), "\xF0\x9F\x98\x80");
    }
  }
}

TEST(ReaderCsv, DecodesLatin1) {
  TempDir dir;
  auto read = read_text(dir, "l1.csv", "name,price\ncaf\xE9,\x80 5\nna\xEFve,3\n");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.result->encoding, "latin-1");
  EXPECT_EQ(read.sink.value(0, "name"), "caf\xC3\xA9");
  EXPECT_EQ(read.sink.value(0, "price"), "\xE2\x82\xAC 5");  // Windows-1252 euro sign
  EXPECT_TRUE(read.sink.warnings.empty());
}

TEST(ReaderCsv, ReplacesInvalidUtf8WithOneWarning) {
  TempDir dir;
  std::string text = "name,note\n";
  for (int i = 0; i < 20; ++i) text += "Zo\xC3\xAB,ok\n";  // real UTF-8 first
  text +=
      "bad\xFF,x\xC3\n"
      "fine,\xE2\x82\n";
  auto read = read_text(dir, "bad.csv", text);
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.result->encoding, "utf-8");
  EXPECT_EQ(read.sink.value(20, "name"), "bad\xEF\xBF\xBD");
  EXPECT_EQ(read.sink.value(20, "note"), "x\xEF\xBF\xBD");
  EXPECT_EQ(read.sink.warning_count("encoding_errors"), 1u);
}

TEST(ReaderCsv, RefusesOverlongRecord) {
  TempDir dir;
  ReadLimits limits;
  limits.max_record_bytes = 4096;
  std::string text = "a,b\n1," + std::string(10000, 'x') + "\n";
  auto read = read_text(dir, "long.csv", text, limits);
  ASSERT_FALSE(read.result);
  EXPECT_EQ(read.result.error().code, "record_too_large");
}

TEST(ReaderCsv, TruncatesOverlongFields) {
  TempDir dir;
  ReadLimits limits;
  limits.max_field_bytes = 8;
  auto read = read_text(dir, "t.csv", "a,b\n1,abcdefghijkl\n", limits);
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.sink.value(0, "b"), "abcdefgh");
  EXPECT_TRUE(read.sink.has_warning("field_truncated"));
}

// Values with every kind of quoting, written across many 256 KiB chunks so
// that fields, doubled quotes, CRLFs and records are split at every state of
// the scanner. Every value must come back exactly.
TEST(ReaderCsv, LargeRandomFileRoundTrips) {
  TempDir dir;
  std::mt19937 random(42);
  const std::vector<std::string> pieces = {"a", "bc", ",", "\"", "\r\n", "\n", " ", "xyz", "\xC3\xA9", "12"};
  std::vector<std::vector<std::string>> expected;
  std::string text = "c1,c2,c3\n";
  while (text.size() < 6 * 1024 * 1024) {
    std::vector<std::string> row;
    for (int column = 0; column < 3; ++column) {
      std::string value;
      int parts = static_cast<int>(random() % 6);
      for (int i = 0; i < parts; ++i) value += pieces[random() % pieces.size()];
      bool needs_quotes = value.find_first_of(",\"\r\n") != std::string::npos || random() % 4 == 0;
      if (needs_quotes) {
        std::string quoted = "\"";
        for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        text += quoted + "\"";
      } else {
        text += value;
      }
      text += column < 2 ? "," : (random() % 2 ? "\r\n" : "\n");
      row.push_back(value);
    }
    expected.push_back(row);  // three empty fields are ",,": still a record
  }
  RecordingSink sink(1'000'000);
  auto result = read_dataset(dir.write("big.csv", text), "big.csv", sink);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(sink.records().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(sink.values(i), expected[i]) << "record " << i;
  }
  EXPECT_FALSE(sink.has_warning("ragged_rows"));
}

// Throughput into a sink that does nothing; run by hand:
//   analysis_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(ReaderCsv, DISABLED_Throughput) {
  TempDir dir;
  std::string row = "12345,Asha Rao,asha@example.com,2024-01-15,1234.56,Pune,true,\"quoted, text\",42,0.5\n";
  std::string text = "id,name,email,date,amount,city,flag,comment,n,share\n";
  while (text.size() < 512 * 1024 * 1024) text += row;
  auto path = dir.write("speed.csv", text);
  text.clear();
  text.shrink_to_fit();
  NullSink sink;
  auto start = std::chrono::steady_clock::now();
  auto result = read_dataset(path, "speed.csv", sink);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result);
  double mb = static_cast<double>(result->bytes) / 1e6;
  std::printf("CSV: %.0f MB in %.3f s = %.0f MB/s (%llu records)\n", mb, seconds, mb / seconds,
              static_cast<unsigned long long>(sink.records));
}

}  // namespace
}  // namespace iv::analysis
