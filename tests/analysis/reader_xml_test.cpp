#include <chrono>
#include <cstdio>
#include <string>

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

TEST(ReaderXml, RecordsFromRepeatingChildOfRoot) {
  TempDir dir;
  auto read = read_text(dir, "people.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<people source="crm">
  <person id="1" active="yes">
    <name>Asha</name>
    <address type="home"><city>Pune</city><pin>411001</pin></address>
    <empty/>
  </person>
  <person id="2"><name>Ravi &amp; Co</name><note><![CDATA[<b>bold</b>]]></note></person>
  <meta>not a record</meta>
</people>)");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->format, Format::xml);
  EXPECT_EQ(read.result->dialect, "record element <person>");
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.value(0, "@id"), "1");
  EXPECT_EQ(read.sink.value(0, "@active"), "yes");
  EXPECT_EQ(read.sink.value(0, "name"), "Asha");
  EXPECT_EQ(read.sink.value(0, "address.@type"), "home");
  EXPECT_EQ(read.sink.value(0, "address.city"), "Pune");
  EXPECT_EQ(read.sink.value(0, "address.pin"), "411001");
  EXPECT_EQ(read.sink.value(0, "empty"), "");
  EXPECT_FALSE(read.sink.value(0, "address"));  // a parent with children carries no value of its own
  EXPECT_EQ(read.sink.value(1, "name"), "Ravi & Co");
  EXPECT_EQ(read.sink.value(1, "note"), "<b>bold</b>");
}

TEST(ReaderXml, RecordsUnderTheRootsSingleChild) {
  TempDir dir;
  auto read = read_text(dir, "feed.xml",
                        "<root><items><item><sku>A1</sku></item><item><sku>B2</sku></item>"
                        "<item><sku>C3</sku></item></items></root>");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->dialect, "record element <item>");
  ASSERT_EQ(read.sink.records().size(), 3u);
  EXPECT_EQ(read.sink.value(2, "sku"), "C3");
}

TEST(ReaderXml, LeafRecordsCarryTheirText) {
  TempDir dir;
  auto read = read_text(dir, "v.xml", "<values><v unit=\"kg\">1.5</v><v>2</v></values>");
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.value(0, "v"), "1.5");
  EXPECT_EQ(read.sink.value(0, "@unit"), "kg");
  EXPECT_EQ(read.sink.value(1, "v"), "2");
}

TEST(ReaderXml, RepeatedChildKeepsFirstValueWithWarning) {
  TempDir dir;
  auto read = read_text(dir, "r.xml", "<r><e><tag>a</tag><tag>b</tag></e><e><tag>c</tag></e></r>");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.sink.value(0, "tag"), "a");
  EXPECT_EQ(read.sink.records()[0].size(), 1u);
  EXPECT_EQ(read.sink.warning_count("repeated_elements"), 1u);
}

TEST(ReaderXml, Latin1DeclaredEncoding) {
  TempDir dir;
  auto read = read_text(
      dir, "l.xml",
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><e><n>caf\xE9</n></e><e><n>na\xEFve</n></e></r>");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->encoding, "latin-1");
  EXPECT_EQ(read.sink.value(0, "n"), "caf\xC3\xA9");
}

TEST(ReaderXml, MalformedIsRefused) {
  TempDir dir;
  auto read = read_text(dir, "m.xml", "<r><e><n>1</n></e><e><n>2</e></r>");
  ASSERT_FALSE(read.result);
  EXPECT_EQ(read.result.error().code, "malformed");
  EXPECT_NE(read.result.error().message.find("line 1"), std::string::npos);
}

TEST(ReaderXml, StreamsManyRecords) {
  TempDir dir;
  std::string xml = "<?xml version=\"1.0\"?>\n<rows>\n";
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    xml += "  <row id=\"" + std::to_string(i) + "\"><name>n" + std::to_string(i) + "</name><v>" +
           std::to_string(i % 10) + "</v></row>\n";
  }
  xml += "</rows>\n";
  RecordingSink sink(1'000'000);
  auto result = read_dataset(dir.write("many.xml", xml), "many.xml", sink);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(sink.records().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(sink.value(n - 1, "@id"), std::to_string(n - 1));
  EXPECT_EQ(sink.value(54321, "name"), "n54321");
}

constexpr std::string_view kVocObjects = R"(
  <object><name>dog</name><pose>Left</pose><difficult>0</difficult>
    <bndbox><xmin>10</xmin><ymin>20</ymin><xmax>110</xmax><ymax>70</ymax></bndbox></object>
  <object><name>person</name>
    <bndbox><xmin>0</xmin><ymin>0</ymin><xmax>50</xmax><ymax>100</ymax></bndbox></object>)";

TEST(ReaderXml, PascalVocSingleImage) {
  TempDir dir;
  std::string xml =
      "<annotation><folder>VOC2012</folder><filename>2007_000027.jpg</filename>"
      "<size><width>486</width><height>500</height><depth>3</depth></size>" +
      std::string(kVocObjects) + "</annotation>";
  auto read = read_text(dir, "2007_000027.xml", xml);
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_TRUE(read.result->annotations);
  const AnnotationSummary& voc = *read.result->annotations;
  EXPECT_EQ(voc.kind, "pascal_voc");
  EXPECT_EQ(voc.images, 1u);
  EXPECT_EQ(voc.annotations, 2u);
  ASSERT_EQ(voc.classes.size(), 2u);
  EXPECT_DOUBLE_EQ(voc.box_width.max, 100.0);
  EXPECT_DOUBLE_EQ(voc.box_height.max, 100.0);
  EXPECT_DOUBLE_EQ(voc.box_area.min, 5000.0);
  EXPECT_DOUBLE_EQ(voc.annotations_per_image.mean, 2.0);
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.value(0, "name"), "dog");
  EXPECT_EQ(read.sink.value(0, "bndbox.xmax"), "110");
  EXPECT_EQ(read.sink.value(1, "filename"), "2007_000027.jpg");
}

TEST(ReaderXml, PascalVocManyImages) {
  TempDir dir;
  std::string xml = "<dataset>";
  xml += "<annotation><filename>a.jpg</filename>" + std::string(kVocObjects) + "</annotation>";
  xml += "<annotation><filename>b.jpg</filename><object><name>dog</name></object></annotation>";
  xml += "<annotation><filename>c.jpg</filename></annotation>";
  xml += "</dataset>";
  auto read = read_text(dir, "voc.xml", xml);
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_TRUE(read.result->annotations);
  const AnnotationSummary& voc = *read.result->annotations;
  EXPECT_EQ(voc.images, 3u);
  EXPECT_EQ(voc.annotations, 3u);
  EXPECT_EQ(voc.classes[0].name, "dog");
  EXPECT_EQ(voc.classes[0].count, 2u);
  EXPECT_DOUBLE_EQ(voc.imbalance_ratio, 2.0);
  EXPECT_DOUBLE_EQ(voc.annotations_per_image.min, 0.0);
  EXPECT_DOUBLE_EQ(voc.annotations_per_image.max, 2.0);
  EXPECT_EQ(voc.box_width.count, 2u);
  EXPECT_EQ(read.sink.value(2, "filename"), "b.jpg");
}

TEST(ReaderXml, DISABLED_Throughput) {
  TempDir dir;
  std::string xml = "<?xml version=\"1.0\"?>\n<rows>\n";
  std::string row =
      "  <row id=\"12345\"><name>Asha Rao</name><email>asha@example.com</email><date>2024-01-15</date>"
      "<amount>1234.56</amount><address><city>Pune</city><pin>411001</pin></address><flag>true</flag></"
      "row>\n";
  while (xml.size() < 256 * 1024 * 1024) xml += row;
  xml += "</rows>\n";
  auto path = dir.write("speed.xml", xml);
  xml.clear();
  NullSink sink;
  auto start = std::chrono::steady_clock::now();
  auto result = read_dataset(path, "speed.xml", sink);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result) << result.error().message;
  double mb = static_cast<double>(result->bytes) / 1e6;
  std::printf("xml: %.0f MB in %.3f s = %.0f MB/s (%llu records)\n", mb, seconds, mb / seconds,
              static_cast<unsigned long long>(sink.records));
}

}  // namespace
}  // namespace iv::analysis
