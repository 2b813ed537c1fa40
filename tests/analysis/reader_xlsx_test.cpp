#include <map>
#include <string>

#include <gtest/gtest.h>
#include <zip.h>

#include "analysis/reader.h"
#include "support/recording_sink.h"

namespace iv::analysis {
namespace {

using testing::RecordingSink;
using testing::TempDir;

// Writes a workbook from its parts (name -> XML).
std::filesystem::path write_xlsx(const TempDir& dir, std::string_view name,
                                 const std::map<std::string, std::string>& parts) {
  std::filesystem::path path = dir.path() / name;
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  for (const auto& [part, content] : parts) {
    zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
    zip_file_add(archive, part.c_str(), source, ZIP_FL_OVERWRITE);
  }
  EXPECT_EQ(zip_close(archive), 0);
  return path;
}

const std::string kNs = R"( xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main")"
                        R"( xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";

std::map<std::string, std::string> basic_workbook(bool date1904 = false) {
  std::map<std::string, std::string> parts;
  parts["[Content_Types].xml"] = "<Types/>";
  parts["xl/workbook.xml"] = "<workbook" + kNs + ">" + (date1904 ? "<workbookPr date1904=\"1\"/>" : "") +
                             "<sheets><sheet name=\"People\" sheetId=\"1\" r:id=\"rId2\"/>"
                             "<sheet name=\"Totals\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
  parts["xl/_rels/workbook.xml.rels"] =
      R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>)"
      R"(<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>)"
      R"(<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>)"
      R"(<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>)"
      "</Relationships>";
  parts["xl/sharedStrings.xml"] =
      "<sst" + kNs +
      "><si><t>name</t></si><si><t>joined</t></si><si><r><rPr><b/></rPr><t>As</t></r><r><t>ha</t></r>"
      "<rPh><t>PHONETIC</t></rPh></si><si><t xml:space=\"preserve\"> Ravi "
      "</t></si><si><t>when</t></si></sst>";
  parts["xl/styles.xml"] =
      "<styleSheet" + kNs +
      "><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd hh:mm\"/>"
      "</numFmts><cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs>"
      "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
      "<xf numFmtId=\"4\"/></cellXfs></styleSheet>";
  parts["xl/worksheets/sheet1.xml"] =
      "<worksheet" + kNs +
      "><sheetData>"
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" "
      "t=\"inlineStr\">"
      "<is><t>score</t></is></c><c r=\"D1\" t=\"inlineStr\"><is><t>ok</t></is></c><c r=\"E1\" "
      "t=\"s\"><v>4</v></c></row>"
      "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\" s=\"1\"><v>45306</v></c><c r=\"C2\" "
      "s=\"3\"><v>9.5</v></c>"
      "<c r=\"D2\" t=\"b\"><v>1</v></c><c r=\"E2\" s=\"2\"><v>45306.5</v></c></row>"
      "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>3</v></c><c r=\"D4\" t=\"e\"><v>#DIV/0!</v></c>"
      "<c r=\"F4\"><v>7</v></c></row>"
      "</sheetData></worksheet>";
  parts["xl/worksheets/sheet2.xml"] = "<worksheet" + kNs +
                                      "><sheetData><row><c t=\"inlineStr\"><is><t>total</t></is></c></row>"
                                      "<row><c><v>42</v></c></row></sheetData></worksheet>";
  return parts;
}

TEST(ReaderXlsx, ReadsSheetsInWorkbookOrder) {
  TempDir dir;
  RecordingSink sink;
  auto result = read_dataset(write_xlsx(dir, "book.xlsx", basic_workbook()), "book.xlsx", sink);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->format, Format::xlsx);
  EXPECT_EQ(result->dialect, "2 sheets, first row as header");
  ASSERT_EQ(sink.tables.size(), 2u);
  EXPECT_EQ(sink.tables[0].name, "People");
  EXPECT_EQ(sink.tables[1].name, "Totals");
  EXPECT_EQ(sink.tables[0].header, (std::vector<std::string>{"name", "joined", "score", "ok", "when"}));
  ASSERT_EQ(sink.tables[0].records.size(), 2u);
  EXPECT_EQ(sink.values(0),
            (std::vector<std::string>{"Asha", "2024-01-15", "9.5", "true", "2024-01-15T12:00:00"}));
  EXPECT_EQ(sink.kind(0, "score"), ValueKind::number);
  EXPECT_EQ(sink.kind(0, "ok"), ValueKind::boolean);
  // Row 4: empty cells between filled ones are nulls; a cell beyond the header is column_6.
  EXPECT_EQ(sink.values(1), (std::vector<std::string>{" Ravi ", "", "", "#DIV/0!", "", "7"}));
  EXPECT_EQ(sink.kind(1, "joined"), ValueKind::null);
  EXPECT_EQ(sink.value(1, "column_6"), "7");
  ASSERT_EQ(sink.tables[1].records.size(), 1u);
  EXPECT_EQ(sink.tables[1].header, (std::vector<std::string>{"total"}));
  EXPECT_EQ(sink.values(0, 1), (std::vector<std::string>{"42"}));
}

TEST(ReaderXlsx, Date1904System) {
  TempDir dir;
  RecordingSink sink;
  auto result = read_dataset(write_xlsx(dir, "mac.xlsx", basic_workbook(true)), "mac.xlsx", sink);
  ASSERT_TRUE(result) << result.error().message;
  // 45306 days after 1904-01-01.
  EXPECT_EQ(sink.value(0, "joined"), "2028-01-16");
}

TEST(ReaderXlsx, SerialDatesAroundThe1900LeapBug) {
  TempDir dir;
  auto parts = basic_workbook();
  std::string rows = "<row><c t=\"inlineStr\"><is><t>d</t></is></c></row>";
  for (const char* serial : {"1", "59", "60", "61", "45306"}) {
    rows += std::string("<row><c s=\"1\"><v>") + serial + "</v></c></row>";
  }
  parts["xl/worksheets/sheet1.xml"] = "<worksheet" + kNs + "><sheetData>" + rows + "</sheetData></worksheet>";
  RecordingSink sink;
  auto result = read_dataset(write_xlsx(dir, "dates.xlsx", parts), "dates.xlsx", sink);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(sink.records().size(), 5u);
  EXPECT_EQ(sink.value(0, "d"), "1900-01-01");
  EXPECT_EQ(sink.value(1, "d"), "1900-02-28");
  EXPECT_EQ(sink.value(2, "d"), "1900-02-28");  // the phantom 29 February
  EXPECT_EQ(sink.value(3, "d"), "1900-03-01");
  EXPECT_EQ(sink.value(4, "d"), "2024-01-15");
}

TEST(ReaderXlsx, MissingWorkbookIsMalformed) {
  TempDir dir;
  RecordingSink sink;
  auto result = read_dataset(write_xlsx(dir, "x.xlsx", {{"xl/other.xml", "<a/>"}}), "x.xlsx", sink);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "malformed");
}

TEST(ReaderXlsx, SharedStringsAreBounded) {
  TempDir dir;
  auto parts = basic_workbook();
  std::string strings = "<sst>";
  std::string item = "<si><t>" + std::string(1000, 'x') + "</t></si>";
  while (strings.size() < (70u << 20)) strings += item;  // 68.9 MiB of text
  strings += "</sst>";
  parts["xl/sharedStrings.xml"] = std::move(strings);
  ReadLimits limits;
  limits.max_xlsx_ratio = 1'000'000;  // let it inflate: the strings limit must catch it
  RecordingSink sink;
  auto result = read_dataset(write_xlsx(dir, "strings.xlsx", parts), "strings.xlsx", sink, limits);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "too_many_shared_strings");
}

TEST(ReaderXlsx, EntityDeclarationsAreRefused) {
  TempDir dir;
  auto parts = basic_workbook();
  parts["xl/worksheets/sheet1.xml"] =
      "<!DOCTYPE w [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><worksheet><sheetData><row><c t=\"inlineStr\">"
      "<is><t>&x;</t></is></c></row></sheetData></worksheet>";
  RecordingSink sink;
  auto result = read_dataset(write_xlsx(dir, "xxe.xlsx", parts), "xxe.xlsx", sink);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "entity_expansion");
}

}  // namespace
}  // namespace iv::analysis
