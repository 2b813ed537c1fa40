#include "web/site/svg_charts.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "security/markup_escape.h"

namespace iv::web::charts {
namespace {

constexpr std::string_view kNotANumber = "–";
// Bar labels share their line with the count, so they are cut to what fits
// beside it on a 360 px phone.
constexpr std::size_t kLabelChars = 24;
// Bar chart rows: the label and the count on one line, then the bar.
constexpr int kRowHeight = 36;
constexpr int kLabelBaseline = 14;
constexpr int kBarTop = 20;
constexpr int kBarHeight = 10;
// Histogram: the plot, then the axis labels.
constexpr int kPlotTop = 4;
constexpr int kAxisLabelBaseline = kPlotTop + kHistogramPlotHeight + 18;
// Completeness bar.
constexpr int kShareTextBaseline = 14;
constexpr int kShareBarTop = 22;

// Percentages and pixel values for attributes; the C locale is what SVG wants.
std::string attr_number(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 2);
  std::string text(buffer, end);
  while (text.ends_with('0')) text.pop_back();
  if (text.ends_with('.')) text.pop_back();
  return text;
}

std::string percent_attr(double fraction) {
  return attr_number(std::clamp(fraction, 0.0, 1.0) * 100) + "%";
}

std::string group_thousands(std::string_view digits) {
  std::string out;
  const std::size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out.append(digits.substr(0, first));
  for (std::size_t i = first; i < digits.size(); i += 3) {
    out += ',';
    out.append(digits.substr(i, 3));
  }
  return out;
}

std::string safe_id(std::string_view id) {
  std::string out;
  for (const char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += ok ? c : '-';
  }
  if (out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z')))
    out.insert(0, "chart-");
  return out;
}

// The opening <svg> with its accessible name and description.
std::string open_svg(const ChartName& name, std::string_view modifier, int height,
                     std::string_view description) {
  const std::string id = safe_id(name.id);
  std::string out = "<svg class=\"chart chart--" + std::string(modifier) +
                    "\" role=\"img\" width=\"100%\" height=\"" + std::to_string(height) +
                    "\" aria-labelledby=\"" + id + "-title " + id + "-desc\">";
  out += "<title id=\"" + id + "-title\">" + escape(name.title) + "</title>";
  out += "<desc id=\"" + id + "-desc\">" + escape(description) + "</desc>";
  return out;
}

std::string rect(std::string_view css_class, std::string_view fill, const std::string& x, int y,
                 const std::string& width, int height) {
  return "<rect class=\"" + std::string(css_class) + "\" fill=\"" + std::string(fill) + "\" x=\"" + x +
         "\" y=\"" + std::to_string(y) + "\" width=\"" + width + "\" height=\"" + std::to_string(height) +
         "\"/>";
}

std::string text(std::string_view css_class, const std::string& x, int y, std::string_view anchor,
                 std::string_view content) {
  return "<text class=\"" + std::string(css_class) + "\" x=\"" + x + "\" y=\"" + std::to_string(y) +
         "\" text-anchor=\"" + std::string(anchor) + "\">" + escape(content) + "</text>";
}

// A visually hidden table repeating the chart's numbers for screen readers.
std::string data_table(std::string_view caption, std::string_view label_heading, const std::vector<Bar>& rows,
                       std::uint64_t total) {
  std::string out = "<div class=\"visually-hidden\"><table><caption>" + escape(caption) +
                    "</caption><thead><tr><th scope=\"col\">" + escape(label_heading) +
                    "</th><th scope=\"col\">Count</th>";
  if (total > 0) out += "<th scope=\"col\">Share</th>";
  out += "</tr></thead><tbody>";
  for (const Bar& row : rows) {
    out += "<tr><th scope=\"row\">" + escape(row.label) + "</th><td>" + format_count(row.count) + "</td>";
    if (total > 0)
      out += "<td>" + format_percent(static_cast<double>(row.count) / static_cast<double>(total)) + "</td>";
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  return out;
}

std::string bin_label(const analysis::HistogramBin& bin, bool last) {
  return format_number(bin.lower) + " to " + format_number(bin.upper) + (last ? " (inclusive)" : "");
}

}  // namespace

std::string escape(std::string_view text) {
  return security::markup_escape(text);
}

std::string format_count(std::uint64_t value) {
  return group_thousands(std::to_string(value));
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return std::string(kNotANumber);
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  char buffer[64];
  if (magnitude >= 1e15 || magnitude < 1e-4) {
    std::snprintf(buffer, sizeof buffer, "%.2e", value);
    return buffer;
  }
  if (magnitude < 1) {
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
    return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.2f", magnitude);
  std::string fixed(buffer);
  const std::size_t point = fixed.find('.');
  std::string fraction = fixed.substr(point);
  while (fraction.ends_with('0')) fraction.pop_back();
  if (fraction == ".") fraction.clear();
  return (value < 0 ? "-" : "") + group_thousands(fixed.substr(0, point)) + fraction;
}

std::string format_percent(double share) {
  if (!std::isfinite(share)) return std::string(kNotANumber);
  if (share > 0 && share < 0.001) return "<0.1%";
  if (share < 1 && share > 0.999) return ">99.9%";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", share * 100);
  std::string out(buffer);
  if (out.ends_with(".0")) out.resize(out.size() - 2);
  return out + "%";
}

std::string shorten(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts_char = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (!starts_char) continue;
    if (chars == max_chars) return std::string(text.substr(0, i)) + "…";
    ++chars;
  }
  return std::string(text);
}

std::vector<double> bar_fractions(const std::vector<std::uint64_t>& counts) {
  const std::uint64_t largest = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  std::vector<double> out;
  out.reserve(counts.size());
  for (const std::uint64_t count : counts) {
    out.push_back(largest == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(largest));
  }
  return out;
}

std::string bar_chart(const ChartName& name, const std::vector<Bar>& bars, std::uint64_t total) {
  if (bars.empty()) return {};
  std::vector<std::uint64_t> counts;
  for (const Bar& bar : bars) counts.push_back(bar.count);
  const auto fractions = bar_fractions(counts);
  const std::string description = std::to_string(bars.size()) + (bars.size() == 1 ? " value" : " values") +
                                  "; the largest is " + shorten(bars.front().label, 80) + " with " +
                                  format_count(bars.front().count) + ".";
  std::string out = open_svg(name, "bars", static_cast<int>(bars.size()) * kRowHeight, description);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int top = static_cast<int>(i) * kRowHeight;
    std::string value = format_count(bars[i].count);
    if (total > 0)
      value += " · " + format_percent(static_cast<double>(bars[i].count) / static_cast<double>(total));
    out += "<g><title>" + escape(bars[i].label) + ": " + value + "</title>";
    out += text("chart__label", "0", top + kLabelBaseline, "start", shorten(bars[i].label, kLabelChars));
    out += text("chart__value", "100%", top + kLabelBaseline, "end", value);
    out += rect("chart__track", "#ebf5f4", "0", top + kBarTop, "100%", kBarHeight);
    out += rect("chart__bar", "#11727c", "0", top + kBarTop, percent_attr(fractions[i]), kBarHeight);
    out += "</g>";
  }
  out += "</svg>";
  return out + data_table(name.title, "Value", bars, total);
}

std::string histogram(const ChartName& name, const std::vector<analysis::HistogramBin>& bins) {
  if (bins.empty()) return {};
  std::vector<std::uint64_t> counts;
  std::vector<Bar> rows;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    counts.push_back(bins[i].count);
    rows.push_back({bin_label(bins[i], i + 1 == bins.size()), bins[i].count});
  }
  const auto fractions = bar_fractions(counts);
  const auto fullest = std::max_element(counts.begin(), counts.end()) - counts.begin();
  const std::string description = std::to_string(bins.size()) + (bins.size() == 1 ? " bin" : " bins") +
                                  " from " + format_number(bins.front().lower) + " to " +
                                  format_number(bins.back().upper) + "; the fullest, " +
                                  rows[static_cast<std::size_t>(fullest)].label + ", holds " +
                                  format_count(counts[static_cast<std::size_t>(fullest)]) + ".";
  std::string out = open_svg(name, "histogram", kAxisLabelBaseline + 6, description);
  const double width = 1.0 / static_cast<double>(bins.size());
  const int baseline = kPlotTop + kHistogramPlotHeight;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    int height = static_cast<int>(std::lround(fractions[i] * kHistogramPlotHeight));
    if (counts[i] > 0) height = std::max(height, 1);
    out += "<g><title>" + escape(rows[i].label) + ": " + format_count(counts[i]) + "</title>";
    out += rect("chart__bar", "#11727c", percent_attr(static_cast<double>(i) * width), baseline - height,
                percent_attr(width), height);
    out += "</g>";
  }
  out += rect("chart__axis", "#737b89", "0", baseline, "100%", 1);
  out += text("chart__axis-label", "0", kAxisLabelBaseline, "start", format_number(bins.front().lower));
  out += text("chart__axis-label", "100%", kAxisLabelBaseline, "end", format_number(bins.back().upper));
  out += "</svg>";
  return out + data_table(name.title, "Range", rows, 0);
}

std::string completeness_bar(const ChartName& name, std::uint64_t present, std::uint64_t missing) {
  const std::uint64_t total = present + missing;
  const double filled = total == 0 ? 0.0 : static_cast<double>(present) / static_cast<double>(total);
  const std::string filled_text = total == 0 ? "No values" : format_percent(filled) + " filled";
  const std::string missing_text =
      total == 0 ? std::string() : format_count(missing) + " missing (" + format_percent(1 - filled) + ")";
  std::string out = open_svg(name, "share", kShareBarTop + kBarHeight,
                             total == 0 ? filled_text + "." : filled_text + ", " + missing_text + ".");
  out += text("chart__label", "0", kShareTextBaseline, "start", filled_text);
  if (!missing_text.empty()) out += text("chart__value", "100%", kShareTextBaseline, "end", missing_text);
  out += total == 0 ? rect("chart__track", "#ebf5f4", "0", kShareBarTop, "100%", kBarHeight)
                    : rect("chart__missing", "#e99b0c", "0", kShareBarTop, "100%", kBarHeight);
  out += rect("chart__bar", "#11727c", "0", kShareBarTop, percent_attr(filled), kBarHeight);
  out += "</svg>";
  return out;
}

}  // namespace iv::web::charts
