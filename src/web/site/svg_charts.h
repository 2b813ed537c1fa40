// Charts drawn on the server as inline SVG for the analysis report: they work
// without JavaScript and under a strict CSP (no style attributes: colours
// come from classes in static/css/site.css, with presentation-attribute
// fallbacks).
//
// Geometry is in percentages of the chart's own width and in CSS pixels for
// heights, not in a scaled viewBox: the SVG is `width="100%"` of its
// container, bars stretch with it, and text keeps its real size, so labels
// stay readable on a 360 px phone and do not balloon on a desktop.
//
// Accessibility: each chart is `role="img"` named by its <title> and
// described by a one-sentence <desc>, and is followed by a visually hidden
// table with every number, for screen readers. Every label is escaped;
// numbers that are not finite are never printed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"

namespace iv::web::charts {

// Escapes & < > " ' for HTML text and attribute values.
std::string escape(std::string_view text);

// Text for people. 1234567 -> "1,234,567".
std::string format_count(std::uint64_t value);
// 1234.5678 -> "1,234.57"; 0.000123 -> "0.000123"; 1e20 -> "1.00e+20";
// NaN and infinities -> "–" (never "nan" or "inf").
std::string format_number(double value);
// 0.125 -> "12.5%"; shares just above 0 or just below 1 are "<0.1%" / ">99.9%"
// so that a rounded figure never claims "0%" or "100%" falsely; NaN -> "–".
std::string format_percent(double share);
// At most `max_chars` characters (code points) of UTF-8 text, with "…" when cut.
std::string shorten(std::string_view text, std::size_t max_chars);

// `count / largest` for each count, in 0..1; all zeros when every count is 0.
// The length of every bar in the charts below is proportional to these.
std::vector<double> bar_fractions(const std::vector<std::uint64_t>& counts);

struct Bar {
  std::string label;
  std::uint64_t count = 0;
};

// What every chart is called. `id` is made unique by the caller (it prefixes
// the ids of <title> and <desc>); characters other than [A-Za-z0-9_-] are
// replaced, so any text is safe here.
struct ChartName {
  std::string id;
  std::string title;
};

// Horizontal bars (top values, class balance), one row per bar in the given
// order: the label (cut to 24 characters; the table has it whole) and the
// count (and share of `total` when `total` > 0) on one line, the bar below.
// The longest bar spans the full width.
std::string bar_chart(const ChartName& name, const std::vector<Bar>& bars, std::uint64_t total = 0);

// Vertical bins side by side across the full width; heights proportional to
// counts, a non-empty bin at least 1 px tall; the first lower and the last
// upper bound below the axis. Empty `bins`: an empty string.
inline constexpr int kHistogramPlotHeight = 120;
std::string histogram(const ChartName& name, const std::vector<analysis::HistogramBin>& bins);

// One bar split into the share of present values and the share of missing
// ones (nulls and empties), with both figures above it.
std::string completeness_bar(const ChartName& name, std::uint64_t present, std::uint64_t missing);

}  // namespace iv::web::charts
