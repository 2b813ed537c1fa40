// The results report of an uploaded dataset: what the profiler found
// (analysis/analysis.h), as the data for
// templates/partials/analysis-report.mustache.
//
// The report has a summary (format, encoding, dialect, rows, columns, size,
// completeness, duplicates, time taken), the AI-dataset section when the file
// holds annotations (class balance, annotations per image, box sizes), and per
// table (one per XLSX sheet, else one): warnings, personal data found, a card
// per column (type and share, counts, a nulls bar, distinct, min / max / mean /
// standard deviation, quantiles, a top-values chart, a histogram) and a
// preview of the first rows.
//
// Text from the dataset (column names, values, sheet names) is left to the
// template's escaping; charts arrive as SVG built by web/site/svg_charts.h,
// which escapes its own labels, and go into the page unescaped (`{{{...}}}`).
// Numbers that are not finite are left out, never printed.
#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "analysis/analysis.h"

namespace iv::web {

// Column cards beyond this many are summarised in one line (the JSON download
// has them all), so a table with thousands of columns cannot make a page of
// many megabytes.
inline constexpr std::size_t kReportMaxColumns = 200;
// Classes shown in the class-balance chart; the rest are counted in a note.
inline constexpr std::size_t kReportMaxClasses = 30;

// `json_url` is where the full analysis document can be downloaded.
boost::json::object analysis_report_view(const analysis::Analysis& analysis, std::string_view json_url);

// 532 -> "532 bytes", 1'234'567 -> "1.2 MB" (decimal units, as disks count).
std::string format_bytes(std::uint64_t bytes);
// 0.0042 -> "4 ms", 2.5 -> "2.5 s", 75 -> "1 min 15 s".
std::string format_duration(double seconds);

}  // namespace iv::web
