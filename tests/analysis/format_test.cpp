#include "analysis/format.h"

#include <string>

#include <gtest/gtest.h>

namespace iv::analysis {
namespace {

TEST(DetectFormat, DelimitedText) {
  EXPECT_EQ(detect_format("a,b,c\n1,2,3\n", "x.csv"), Format::csv);
  EXPECT_EQ(detect_format("a\tb\tc\n1\t2\t3\n", "x.csv"), Format::tsv);  // content wins
  EXPECT_EQ(detect_format("a;b\n1;2\n", "x.txt"), Format::csv);
  EXPECT_EQ(detect_format("just one column\nvalue\n", "x.dat"), Format::csv);
  EXPECT_EQ(detect_format("\xEF\xBB\xBFid,name\n1,x\n", "x.csv"), Format::csv);
}

TEST(DetectFormat, Json) {
  EXPECT_EQ(detect_format("[{\"a\": 1}]", "x.csv"), Format::json);
  EXPECT_EQ(detect_format("  \n{\"data\": [1, 2]}\n", "x.json"), Format::json);
  EXPECT_EQ(detect_format("{\"a\": 1}\n{\"a\": 2}\n", "x.json"), Format::ndjson);
  EXPECT_EQ(detect_format("{\"a\": \"}\\\"{\"}\n{\"a\": 2}", "x"), Format::ndjson);
  EXPECT_EQ(detect_format("{\"a\": 1}\n", "x.jsonl"), Format::ndjson);
  EXPECT_EQ(detect_format("{\"a\": 1}\n", "x.json"), Format::json);
  // A big object cut by the 64 KiB head is a JSON document.
  EXPECT_EQ(detect_format("{\"data\": [{\"a\": 1}, {\"a\": 2", "x"), Format::json);
}

TEST(DetectFormat, Xml) {
  EXPECT_EQ(detect_format("<?xml version=\"1.0\"?><rows/>", "x.csv"), Format::xml);
  EXPECT_EQ(detect_format("\xEF\xBB\xBF  <rows></rows>", "x"), Format::xml);
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("<a><b>1</b></a>")) utf16 += std::string{c, '\0'};
  EXPECT_EQ(detect_format(utf16, "x.xml"), Format::xml);
}

TEST(DetectFormat, Xlsx) {
  std::string zip = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "xl/workbook.xml";
  EXPECT_EQ(detect_format(zip, "upload.bin"), Format::xlsx);
  std::string other_zip = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "word/document.xml";
  EXPECT_EQ(detect_format(other_zip, "doc.docx"), Format::unknown);
  EXPECT_EQ(detect_format(other_zip, "sheet.xlsx"), Format::xlsx);  // the reader decides
}

TEST(DetectFormat, BinaryIsUnknown) {
  EXPECT_EQ(detect_format(std::string("\x7F"
                                      "ELF\x02\x01\x01",
                                      7) +
                              std::string(100, '\0'),
                          "x.csv"),
            Format::unknown);
  EXPECT_EQ(detect_format(std::string("MZ\x90\x00\x03", 5) + std::string(60, '\0'), "x.csv"),
            Format::unknown);
  EXPECT_EQ(detect_format(std::string(4096, '\0'), "x.csv"), Format::unknown);
  EXPECT_EQ(detect_format("%PDF-1.7\n1 0 obj\n", "x.csv"), Format::unknown);
  EXPECT_EQ(detect_format(std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16), "x.csv"), Format::unknown);
  EXPECT_EQ(detect_format("", "x.csv"), Format::unknown);
}

TEST(DetectFormat, Names) {
  EXPECT_EQ(format_name(Format::csv), "csv");
  EXPECT_EQ(format_name(Format::ndjson), "ndjson");
  EXPECT_EQ(format_name(Format::xlsx), "xlsx");
  EXPECT_EQ(format_name(Format::unknown), "unknown");
}

}  // namespace
}  // namespace iv::analysis
