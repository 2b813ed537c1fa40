#include "web/site/svg_charts.h"

#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace iv::web::charts {
namespace {

// The `attribute` values of every <rect class="css_class" ...>, in order,
// with a trailing "%" removed.
std::vector<double> rect_values(const std::string& svg, const std::string& css_class,
                                const std::string& attribute) {
  std::vector<double> values;
  const std::regex rect("<rect class=\"" + css_class + "\"[^>]*>");
  const std::regex value(" " + attribute + "=\"([-0-9.]+)%?\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator(); ++it) {
    const std::string tag = it->str();
    std::smatch match;
    EXPECT_TRUE(std::regex_search(tag, match, value)) << tag;
    values.push_back(std::stod(match[1].str()));
  }
  return values;
}

bool has_not_a_number(const std::string& text) {
  return std::regex_search(text, std::regex(R"((^|[^a-z])(nan|inf)([^a-z]|$))", std::regex::icase));
}

TEST(SvgCharts, EscapesEveryCharacterThatMattersInHtml) {
  EXPECT_EQ(escape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(escape("plain text"), "plain text");
}

TEST(SvgCharts, FormatsCountsWithThousandsSeparators) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_count(18446744073709551615ull), "18,446,744,073,709,551,615");
}

TEST(SvgCharts, FormatsNumbersForPeopleAndNeverPrintsNaN) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(42), "42");
  EXPECT_EQ(format_number(-1234.5678), "-1,234.57");
  EXPECT_EQ(format_number(1234567.0), "1,234,567");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(0.000123), "0.000123");
  EXPECT_EQ(format_number(1e20), "1.00e+20");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "–");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "–");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "–");
}

TEST(SvgCharts, PercentagesNeverRoundToAFalseZeroOrHundred) {
  EXPECT_EQ(format_percent(0), "0%");
  EXPECT_EQ(format_percent(1), "100%");
  EXPECT_EQ(format_percent(0.125), "12.5%");
  EXPECT_EQ(format_percent(0.5), "50%");
  EXPECT_EQ(format_percent(0.0001), "<0.1%");
  EXPECT_EQ(format_percent(0.99991), ">99.9%");
  EXPECT_EQ(format_percent(std::nan("")), "–");
}

TEST(SvgCharts, ShortensByCharactersWithoutSplittingUtf8) {
  EXPECT_EQ(shorten("abc", 3), "abc");
  EXPECT_EQ(shorten("abcd", 3), "abc…");
  EXPECT_EQ(shorten("ééééé", 2), "éé…");  // two-byte characters stay whole
  EXPECT_EQ(shorten("日本語テキスト", 3), "日本語…");
  EXPECT_EQ(shorten("", 3), "");
}

TEST(SvgCharts, BarFractionsAreProportionalToCounts) {
  const auto fractions = bar_fractions({200, 100, 50, 0});
  ASSERT_EQ(fractions.size(), 4u);
  EXPECT_DOUBLE_EQ(fractions[0], 1.0);
  EXPECT_DOUBLE_EQ(fractions[1], 0.5);
  EXPECT_DOUBLE_EQ(fractions[2], 0.25);
  EXPECT_DOUBLE_EQ(fractions[3], 0.0);
  EXPECT_EQ(bar_fractions({0, 0}), (std::vector<double>{0.0, 0.0}));
  EXPECT_TRUE(bar_fractions({}).empty());
}

TEST(SvgCharts, BarChartLengthsAreProportionalAndTheLongestHasTheMaximum) {
  const std::string svg =
      bar_chart({"top", "Top values"}, {{"a", 300}, {"b", 150}, {"c", 30}, {"d", 0}}, 480);
  const auto widths = rect_values(svg, "chart__bar", "width");
  ASSERT_EQ(widths.size(), 4u);
  EXPECT_NEAR(widths[0], 100, 0.01);
  EXPECT_NEAR(widths[1], 50, 0.01);
  EXPECT_NEAR(widths[2], 10, 0.01);
  EXPECT_NEAR(widths[3], 0, 0.01);
  // Rows stack downwards, one per bar.
  const auto ys = rect_values(svg, "chart__bar", "y");
  for (std::size_t i = 1; i < ys.size(); ++i) EXPECT_GT(ys[i], ys[i - 1]);
  EXPECT_NE(svg.find("300 · 62.5%"), std::string::npos);     // count and share of the total
  EXPECT_NE(svg.find("height=\"144\""), std::string::npos);  // four rows of 36 px
}

TEST(SvgCharts, ChartsAreNamedImagesWithATextAlternative) {
  const std::string svg =
      bar_chart({"col-1-top", "Most frequent values of city"}, {{"Pune", 3}, {"Delhi", 1}});
  EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg.find("aria-labelledby=\"col-1-top-title col-1-top-desc\""), std::string::npos);
  EXPECT_NE(svg.find("<title id=\"col-1-top-title\">Most frequent values of city</title>"),
            std::string::npos);
  EXPECT_NE(svg.find("<desc id=\"col-1-top-desc\">"), std::string::npos);
  EXPECT_NE(svg.find("width=\"100%\""), std::string::npos);
  EXPECT_EQ(svg.find("style="), std::string::npos);  // the CSP forbids style attributes
  // The hidden table repeats every number.
  EXPECT_NE(svg.find("<div class=\"visually-hidden\"><table>"), std::string::npos);
  EXPECT_NE(svg.find("<th scope=\"row\">Pune</th><td>3</td>"), std::string::npos);
  EXPECT_NE(svg.find("<th scope=\"row\">Delhi</th><td>1</td>"), std::string::npos);
}

TEST(SvgCharts, HostileLabelsAndIdsAreEscaped) {
  const std::string hostile = R"(<script>alert("x")</script>' onload="evil")";
  const std::string svg = bar_chart({R"(a"b<c> d)", hostile}, {{hostile, 5}});
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("onload=\""), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("id=\"a-b-c--d-title\""), std::string::npos);  // ids reduced to safe characters

  const std::string histogram_svg = histogram({"9starts-with-digit", hostile}, {{0, 1, 4}});
  EXPECT_EQ(histogram_svg.find("<script"), std::string::npos);
  EXPECT_NE(histogram_svg.find("id=\"chart-9starts-with-digit-title\""), std::string::npos);
}

TEST(SvgCharts, VeryLongLabelsAreShortenedOnTheChartButWholeInTheTable) {
  const std::string long_label(500, 'x');
  const std::string svg = bar_chart({"long", "Long"}, {{long_label, 7}});
  EXPECT_NE(svg.find(">" + std::string(24, 'x') + "…</text>"), std::string::npos);
  EXPECT_NE(svg.find("<th scope=\"row\">" + long_label + "</th>"), std::string::npos);
}

TEST(SvgCharts, ZeroCountsDrawEmptyBarsAndNoNaN) {
  const std::string svg = bar_chart({"zero", "Zero"}, {{"a", 0}, {"b", 0}}, 0);
  for (const double width : rect_values(svg, "chart__bar", "width")) EXPECT_EQ(width, 0);
  EXPECT_FALSE(has_not_a_number(svg)) << svg;
  EXPECT_EQ(bar_chart({"none", "None"}, {}), "");

  const std::string hist = histogram({"h", "Histogram"}, {{0, 1, 0}, {1, 2, 0}});
  for (const double height : rect_values(hist, "chart__bar", "height")) EXPECT_EQ(height, 0);
  EXPECT_FALSE(has_not_a_number(hist)) << hist;
}

TEST(SvgCharts, HistogramHeightsAreProportionalAndBinsSpanTheWidth) {
  const std::string svg =
      histogram({"h", "Distribution"}, {{0, 10, 40}, {10, 20, 20}, {20, 30, 0}, {30, 40, 10}});
  const auto heights = rect_values(svg, "chart__bar", "height");
  ASSERT_EQ(heights.size(), 4u);
  EXPECT_EQ(heights[0], kHistogramPlotHeight);
  EXPECT_EQ(heights[1], kHistogramPlotHeight / 2);
  EXPECT_EQ(heights[2], 0);
  EXPECT_EQ(heights[3], kHistogramPlotHeight / 4);
  const auto xs = rect_values(svg, "chart__bar", "x");
  const auto widths = rect_values(svg, "chart__bar", "width");
  EXPECT_EQ(xs, (std::vector<double>{0, 25, 50, 75}));
  EXPECT_EQ(widths, (std::vector<double>{25, 25, 25, 25}));
  // Every bar stands on the same baseline.
  const auto ys = rect_values(svg, "chart__bar", "y");
  for (std::size_t i = 0; i < ys.size(); ++i) EXPECT_EQ(ys[i] + heights[i], ys[0] + heights[0]);
  // The axis shows the range.
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);
  EXPECT_NE(svg.find(">40</text>"), std::string::npos);
}

TEST(SvgCharts, OneBinFillsThePlotAndATinyBinStaysVisible) {
  const std::string one = histogram({"one", "One"}, {{5, 5, 12}});
  EXPECT_EQ(rect_values(one, "chart__bar", "width"), std::vector<double>{100});
  EXPECT_EQ(rect_values(one, "chart__bar", "height"), std::vector<double>{kHistogramPlotHeight});

  const std::string tiny = histogram({"tiny", "Tiny"}, {{0, 1, 1000000}, {1, 2, 1}});
  EXPECT_EQ(rect_values(tiny, "chart__bar", "height")[1], 1);
}

TEST(SvgCharts, HistogramWithNonFiniteBoundsPrintsNoNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::string svg = histogram({"bad", "Bad bounds"}, {{nan, 1, 3}, {1, inf, 2}});
  EXPECT_FALSE(has_not_a_number(svg)) << svg;
  EXPECT_NE(svg.find("–"), std::string::npos);
}

TEST(SvgCharts, CompletenessBarSplitsPresentAndMissing) {
  const std::string svg = completeness_bar({"nulls", "Filled"}, 75, 25);
  EXPECT_EQ(rect_values(svg, "chart__bar", "width"), std::vector<double>{75});
  EXPECT_EQ(rect_values(svg, "chart__missing", "width"), std::vector<double>{100});
  EXPECT_NE(svg.find("75% filled"), std::string::npos);
  EXPECT_NE(svg.find("25 missing (25%)"), std::string::npos);

  const std::string full = completeness_bar({"full", "Full"}, 10, 0);
  EXPECT_EQ(rect_values(full, "chart__bar", "width"), std::vector<double>{100});

  const std::string empty = completeness_bar({"empty", "Empty"}, 0, 0);
  EXPECT_EQ(rect_values(empty, "chart__bar", "width"), std::vector<double>{0});
  EXPECT_TRUE(rect_values(empty, "chart__missing", "width").empty());  // nothing claims to be missing
  EXPECT_NE(empty.find("No values"), std::string::npos);
  EXPECT_FALSE(has_not_a_number(empty)) << empty;
}

}  // namespace
}  // namespace iv::web::charts
