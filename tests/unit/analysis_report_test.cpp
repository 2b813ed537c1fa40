#include "web/site/analysis_report.h"

#include <filesystem>
#include <limits>
#include <regex>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "web/templates.h"

namespace iv::web {
namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

constexpr std::string_view kHostile = R"(<script>alert("pwned")</script>)";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

analysis::ColumnProfile numeric_column() {
  analysis::ColumnProfile column;
  column.name = "age";
  column.type = "integer";
  column.type_share = 1;
  column.count = 1200;
  column.nulls = 34;
  column.distinct = 80;
  column.min = 18;
  column.max = 97;
  column.mean = 41.25;
  column.stddev = 12.5;
  column.p25 = 30;
  column.p50 = 40;
  column.p75 = 52;
  column.quantile_rank_error = 0.01;
  column.histogram = {{18, 50, 700}, {50, 97, 500}};
  column.top = {{"40", 31}, {"41", 29}};
  return column;
}

analysis::Analysis sample() {
  analysis::Analysis a;
  a.format = "csv";
  a.encoding = "UTF-8";
  a.dialect = "comma, double quotes, header";
  a.bytes = 2'500'000;
  a.seconds = 0.0123;
  analysis::TableProfile table;
  table.rows = 1234;
  table.completeness = 0.97;
  table.duplicate_rows = 12;
  table.columns.push_back(numeric_column());
  analysis::ColumnProfile hostile;
  hostile.name = std::string(kHostile);
  hostile.type = "text";
  hostile.type_share = 0.9;
  hostile.count = 10;
  hostile.nulls = 0;
  hostile.distinct = 2;
  hostile.min_text = "\"quoted\"";
  hostile.max_text = std::string(kHostile);
  hostile.mean = kNaN;  // not numeric: must never print
  hostile.stddev = kNaN;
  hostile.top = {{std::string(kHostile), 6}, {"\"", 4}};
  hostile.examples = {std::string(kHostile)};
  hostile.pii = {{"email", 0.75}};
  table.columns.push_back(hostile);
  table.warnings = {{"high_null_share", std::string(kHostile), "Many values are missing."}};
  table.preview_header = {"age", std::string(kHostile)};
  table.preview = {{"41", std::string(kHostile)}, {"\"", "a&b"}};
  a.tables.push_back(table);
  return a;
}

class AnalysisReportTest : public ::testing::Test {
 protected:
  std::string render(const analysis::Analysis& a) {
    return templates_.render(
        "partials/analysis-report",
        analysis_report_view(a, "/api/v1/uploads/0123456789abcdef0123456789abcdef/analysis"));
  }
  static bool has_not_a_number(const std::string& html) {
    return std::regex_search(html, std::regex(R"((^|[^a-z])(nan|inf)([^a-z]|$))", std::regex::icase));
  }
  TemplateEngine templates_{source_dir() / "templates"};
};

TEST_F(AnalysisReportTest, SummaryShowsTheFileAndTableFigures) {
  const std::string html = render(sample());
  for (const std::string_view expected :
       {"CSV", "UTF-8", "comma, double quotes, header", "1,234", "2.5 MB", "97%", "12 (1%)", "12 ms"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
  EXPECT_NE(html.find("href=\"/api/v1/uploads/0123456789abcdef0123456789abcdef/analysis\""),
            std::string::npos);
}

TEST_F(AnalysisReportTest, ColumnCardsShowStatisticsAndCharts) {
  const std::string html = render(sample());
  for (const std::string_view expected :
       {"Whole numbers", "1,200", "34 (2.8%)", "41.25", "12.5", "Median", "estimate", "Distribution",
        "class=\"chart chart--histogram\"", "class=\"chart chart--bars\"", "class=\"chart chart--share\""}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
}

TEST_F(AnalysisReportTest, HostileTextFromTheDatasetIsEscapedEverywhere) {
  const std::string html = render(sample());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // The column name, warning column, top value, example, min/max and preview cell all appear escaped.
  const std::string escaped_fragment = "&lt;script&gt;alert(";
  std::size_t occurrences = 0;
  for (auto at = html.find(escaped_fragment); at != std::string::npos;
       at = html.find(escaped_fragment, at + 1)) {
    ++occurrences;
  }
  EXPECT_GE(occurrences, 7u) << html;
  EXPECT_NE(html.find("a&amp;b"), std::string::npos);
}

TEST_F(AnalysisReportTest, NotANumberIsNeverPrinted) {
  auto a = sample();
  a.seconds = kNaN;
  a.tables[0].completeness = kNaN;
  a.tables[0].columns[0].mean = kNaN;
  a.tables[0].columns[0].p50 = std::numeric_limits<double>::infinity();
  a.tables[0].columns[0].histogram = {{kNaN, kNaN, 0}};
  const std::string html = render(a);
  EXPECT_FALSE(has_not_a_number(html));
  EXPECT_EQ(html.find("Median"), std::string::npos);  // an infinite median is left out, not printed
}

TEST_F(AnalysisReportTest, PersonalDataIsListedPerColumn) {
  const std::string html = render(sample());
  EXPECT_NE(html.find("E-mail addresses"), std::string::npos);
  EXPECT_NE(html.find("75%"), std::string::npos);
  auto clean = sample();
  clean.tables[0].columns[1].pii.clear();
  EXPECT_NE(render(clean).find("We found no e-mail addresses"), std::string::npos);
}

TEST_F(AnalysisReportTest, PreviewIsAScrollableRegionWithAHeader) {
  const std::string html = render(sample());
  EXPECT_NE(html.find("class=\"table-scroll\" role=\"region\""), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"col\">age</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>41</td>"), std::string::npos);
}

TEST_F(AnalysisReportTest, AiSectionAppearsOnlyWithAnnotations) {
  auto a = sample();
  EXPECT_EQ(render(a).find("AI dataset"), std::string::npos);
  analysis::AnnotationSummary annotations;
  annotations.kind = "coco";
  annotations.images = 50;
  annotations.annotations = 400;
  annotations.classes = {{"car", 300}, {"person", 90}, {std::string(kHostile), 10}};
  annotations.annotations_per_image = {50, 1, 20, 8, 3.5};
  annotations.box_width = {400, 4, 640, 120.5, 60};
  annotations.imbalance_ratio = 30;
  a.annotations = annotations;
  const std::string html = render(a);
  for (const std::string_view expected : {"AI dataset", "COCO annotations", "Class balance", "30 : 1",
                                          "8 on average (1 to 20", "120.5 on average", "300 · 75%"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("Box height"), std::string::npos);  // empty summaries are left out
}

TEST_F(AnalysisReportTest, SeveralTablesBecomeSheetSections) {
  auto a = sample();
  a.format = "xlsx";
  a.tables.push_back(a.tables[0]);
  a.tables[0].name = "Orders";
  a.tables[1].name = "";
  const std::string html = render(a);
  EXPECT_NE(html.find("Excel (XLSX)"), std::string::npos);
  EXPECT_NE(html.find("Sheet: Orders"), std::string::npos);
  EXPECT_NE(html.find("Sheet: Sheet 2"), std::string::npos);
  // Ids stay unique across sheets.
  EXPECT_NE(html.find("id=\"t0-c0\""), std::string::npos);
  EXPECT_NE(html.find("id=\"t1-c0\""), std::string::npos);
  // Headings go one level deeper under each sheet's heading.
  EXPECT_NE(html.find("<h4 class=\"report-column__name\">age</h4>"), std::string::npos);
  const std::string single = render(sample());
  EXPECT_EQ(single.find("Sheet:"), std::string::npos);
  EXPECT_NE(single.find("<h3 class=\"report-column__name\">age</h3>"), std::string::npos);
}

TEST_F(AnalysisReportTest, VeryWideTablesAreCapped) {
  auto a = sample();
  a.tables[0].columns.assign(kReportMaxColumns + 5, numeric_column());
  const auto view = analysis_report_view(a, "/x");
  const auto& table = view.at("tables").as_array().at(0).as_object();
  EXPECT_EQ(table.at("columns").as_array().size(), kReportMaxColumns);
  EXPECT_EQ(table.at("hidden_columns").as_string(), "5");
}

TEST(AnalysisReportFormat, BytesAndDurations) {
  EXPECT_EQ(format_bytes(0), "0 bytes");
  EXPECT_EQ(format_bytes(1), "1 byte");
  EXPECT_EQ(format_bytes(999), "999 bytes");
  EXPECT_EQ(format_bytes(1500), "1.5 kB");
  EXPECT_EQ(format_bytes(2'500'000), "2.5 MB");
  EXPECT_EQ(format_bytes(1ull << 30), "1.1 GB");
  EXPECT_EQ(format_bytes(999'960), "1.0 MB");
  EXPECT_EQ(format_duration(0.0042), "4 ms");
  EXPECT_EQ(format_duration(0), "1 ms");
  EXPECT_EQ(format_duration(2.5), "2.5 s");
  EXPECT_EQ(format_duration(75), "1 min 15 s");
  EXPECT_EQ(format_duration(kNaN), "–");
}

}  // namespace
}  // namespace iv::web
