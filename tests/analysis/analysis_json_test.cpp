#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/profiler.h"

namespace iv::analysis {
namespace {

Analysis sample_analysis() {
  Analysis analysis;
  analysis.format = "csv";
  analysis.encoding = "utf-8";
  analysis.dialect = "delimiter ',', quote '\"', header row";
  analysis.bytes = 123456789012ull;
  analysis.seconds = 0.125;
  TableProfile table;
  table.rows = 3;
  table.duplicate_rows = 1;
  table.completeness = 2.0 / 3.0;
  ColumnProfile number;
  number.name = "price \"net\"";
  number.type = "decimal";
  number.type_share = 0.97;
  number.count = 2;
  number.nulls = 1;
  number.empties = 1;
  number.distinct = 2;
  number.min = -1.5e-7;
  number.max = 1e300;
  number.mean = 0.1 + 0.2;
  number.stddev = 3.0;
  number.p25 = 1;
  number.p50 = 2;
  number.p75 = 3;
  number.quantile_rank_error = 0.015;
  number.top = {{"1.5", 7}, {"line\nbreak\ttab\x01", 2}};
  number.top_exact = false;
  number.histogram = {{0, 1, 5}, {1, 2, 6}};
  number.pii = {{"phone", 0.75}};
  number.examples = {"a", "b\\c"};
  ColumnProfile text;
  text.name = "city";
  text.type = "categorical";
  text.distinct_exact = false;
  text.min_text = "Agra";
  text.max_text = "\xE0\xA4\xA8\xE0\xA4\xAE";  // Devanagari stays as it is
  text.length_min = 1;
  text.length_max = 12;
  text.length_mean = 5.5;
  table.columns = {number, text};
  table.warnings = {{"mixed_types", "price \"net\"", "Column mixes types."},
                    {"ragged_rows", "", "Rows vary."}};
  table.preview_header = {"price \"net\"", "city"};
  table.preview = {{"1.5", "<script>alert(1)</script>"}, {"", "Pune"}};
  analysis.tables = {table};
  TableProfile second;
  second.name = "Sheet 2";
  second.rows = 0;
  analysis.tables.push_back(second);
  AnnotationSummary annotations;
  annotations.kind = "coco";
  annotations.images = 10;
  annotations.annotations = 42;
  annotations.classes = {{"person", 30}, {"dog", 12}};
  annotations.annotations_per_image = {10, 1, 9, 4.2, 2.5};
  annotations.box_area = {42, 16, 90000, 1200.5, 300};
  annotations.imbalance_ratio = 2.5;
  analysis.annotations = annotations;
  return analysis;
}

TEST(AnalysisJson, RoundTripsEveryField) {
  const Analysis original = sample_analysis();
  const std::string json = to_json(original);
  const auto parsed = from_json(json);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(to_json(*parsed), json);  // a fixed point: nothing lost or changed

  EXPECT_EQ(parsed->bytes, 123456789012ull);
  ASSERT_EQ(parsed->tables.size(), 2u);
  const TableProfile& table = parsed->tables[0];
  const ColumnProfile& number = table.columns[0];
  EXPECT_EQ(number.name, "price \"net\"");
  EXPECT_EQ(*number.mean, 0.1 + 0.2);  // shortest round-trip digits, bit-exact
  EXPECT_EQ(*number.min, -1.5e-7);
  EXPECT_EQ(*number.max, 1e300);
  EXPECT_EQ(number.top[1].value, "line\nbreak\ttab\x01");
  EXPECT_FALSE(number.top_exact);
  EXPECT_EQ(number.histogram[1].count, 6u);
  EXPECT_EQ(number.pii[0].kind, "phone");
  EXPECT_FALSE(number.min_text);
  const ColumnProfile& text = table.columns[1];
  EXPECT_FALSE(text.min);
  EXPECT_FALSE(text.p50);
  EXPECT_EQ(*text.max_text, "\xE0\xA4\xA8\xE0\xA4\xAE");
  EXPECT_EQ(*text.length_mean, 5.5);
  EXPECT_FALSE(text.distinct_exact);
  EXPECT_EQ(table.preview[0][1], "<script>alert(1)</script>");
  EXPECT_EQ(parsed->tables[1].name, "Sheet 2");
  ASSERT_TRUE(parsed->annotations);
  EXPECT_EQ(parsed->annotations->classes[1].name, "dog");
  EXPECT_EQ(parsed->annotations->box_area.mean, 1200.5);
}

TEST(AnalysisJson, EscapesControlCharactersAndQuotes) {
  const std::string json = to_json(sample_analysis());
  EXPECT_NE(json.find(R"("price \"net\"")"), std::string::npos);
  EXPECT_NE(json.find(R"(line\nbreak\ttab\u0001)"), std::string::npos);
  EXPECT_NE(json.find(R"("b\\c")"), std::string::npos);
  for (const char c : json) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(AnalysisJson, TopLevelRepeatsTheFirstTable) {
  const std::string json = to_json(sample_analysis());
  EXPECT_EQ(json.find(R"("format":"csv")"), 1u);
  EXPECT_NE(json.find(R"("rows":3,"columns":[{"name":"price \"net\"")"), std::string::npos);
  EXPECT_NE(json.find(R"("quantiles":{"p25":1,"p50":2,"p75":3})"), std::string::npos);
}

TEST(AnalysisJson, NeverWritesNanOrInfinity) {
  Analysis analysis = sample_analysis();
  analysis.tables[0].columns[0].mean = std::numeric_limits<double>::quiet_NaN();
  analysis.tables[0].columns[0].max = std::numeric_limits<double>::infinity();
  analysis.seconds = -std::numeric_limits<double>::infinity();
  const std::string json = to_json(analysis);
  EXPECT_EQ(json.find("nan"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);
  const auto parsed = from_json(json);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_FALSE(parsed->tables[0].columns[0].mean);
}

TEST(AnalysisJson, ReplacesInvalidUtf8) {
  Analysis analysis = sample_analysis();
  analysis.tables[0].preview[1][1] = "bad \xFF\xC0 and cut \xE0\xA4";
  const std::string json = to_json(analysis);
  const auto parsed = from_json(json);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->tables[0].preview[1][1], "bad \xEF\xBF\xBD\xEF\xBF\xBD and cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(AnalysisJson, RejectsWhatIsNotADocument) {
  EXPECT_FALSE(from_json("{\"format\": "));
  EXPECT_FALSE(from_json("[1, 2]"));
  EXPECT_FALSE(from_json(""));
}

TEST(AnalysisJson, ReadsADocumentWithoutTablesAsOneTable) {
  const auto parsed = from_json(R"({"format":"ndjson","rows":2,"columns":[{"name":"a","type":"integer",
    "count":2,"min":1,"max":2,"quantiles":{"p25":1,"p50":1,"p75":2}}],"warnings":[],"preview":[["1"],["2"]]})");
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->tables.size(), 1u);
  EXPECT_EQ(parsed->tables[0].rows, 2u);
  EXPECT_EQ(*parsed->tables[0].columns[0].max, 2.0);
  EXPECT_EQ(*parsed->tables[0].columns[0].p75, 2.0);
}

TEST(AnalysisJson, AProfilersOutputRoundTrips) {
  Profiler profiler;
  profiler.begin_table("");
  const std::vector<std::string> header{"name", "score"};
  profiler.header(header);
  for (int i = 0; i < 500; ++i) {
    const std::string name = "name \"" + std::to_string(i % 7) + "\"\n";
    const std::string score = std::to_string(i * 0.37);
    profiler.record(std::vector<Field>{{header[0], name}, {header[1], score}});
  }
  const std::string json = to_json(profiler.finish());
  const auto parsed = from_json(json);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(to_json(*parsed), json);
}

}  // namespace
}  // namespace iv::analysis
