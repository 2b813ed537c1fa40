#include "web/site/analysis_report.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include <boost/json/array.hpp>

#include "web/site/svg_charts.h"

namespace iv::web {
namespace {

using boost::json::array;
using boost::json::object;

struct Name {
  std::string_view code, label;
};

constexpr Name kTypeNames[] = {{"integer", "Whole numbers"},
                               {"decimal", "Decimal numbers"},
                               {"boolean", "True / false"},
                               {"date", "Dates"},
                               {"datetime", "Dates and times"},
                               {"text", "Text"},
                               {"categorical", "Categories"},
                               {"identifier", "Identifiers"},
                               {"empty", "Empty"}};

constexpr Name kPiiNames[] = {
    {"email", "E-mail addresses"},  {"phone", "Phone numbers"},     {"payment_card", "Payment card numbers"},
    {"ip_address", "IP addresses"}, {"pan", "PAN numbers (India)"}, {"aadhaar", "Aadhaar numbers"}};

constexpr Name kFormatNames[] = {{"csv", "CSV"},       {"tsv", "TSV"}, {"json", "JSON"},
                                 {"ndjson", "NDJSON"}, {"xml", "XML"}, {"xlsx", "Excel (XLSX)"}};

constexpr Name kAnnotationKinds[] = {{"coco", "COCO annotations"},
                                     {"pascal_voc", "Pascal VOC annotations"},
                                     {"labelled_table", "Labelled table"}};

std::string label_for(std::span<const Name> names, std::string_view code) {
  for (const Name& name : names) {
    if (name.code == code) return std::string(name.label);
  }
  return std::string(code);
}

bool finite(const std::optional<double>& value) {
  return value && std::isfinite(*value);
}

// A term and its value for a <dl>; `note` is a small aside such as "estimate".
// Long values (a dialect, a text minimum) get a wider box.
object fact(std::string_view term, std::string value, std::string_view note = {}) {
  constexpr std::size_t kWideValue = 22;
  const bool wide = value.size() > kWideValue;
  return {{"term", term},
          {"value", std::move(value)},
          {"has_note", !note.empty()},
          {"note", note},
          {"wide", wide}};
}

void add_number(array& facts, std::string_view term, const std::optional<double>& value,
                std::string_view note = {}) {
  if (finite(value)) facts.push_back(fact(term, charts::format_number(*value), note));
}

std::string share_of(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? std::string()
                    : charts::format_percent(static_cast<double>(part) / static_cast<double>(whole));
}

std::string summary_text(const analysis::Summary& summary) {
  if (summary.count == 0 || !std::isfinite(summary.mean)) return {};
  return charts::format_number(summary.mean) + " on average (" + charts::format_number(summary.min) + " to " +
         charts::format_number(summary.max) + ", standard deviation " +
         charts::format_number(summary.stddev) + ")";
}

array table_facts(const analysis::TableProfile& table) {
  array facts;
  facts.push_back(fact("Rows", charts::format_count(table.rows)));
  facts.push_back(fact("Columns", charts::format_count(table.columns.size())));
  if (std::isfinite(table.completeness)) {
    facts.push_back(fact("Completeness", charts::format_percent(table.completeness), "of cells filled"));
  }
  const std::string duplicate_share = share_of(table.duplicate_rows, table.rows);
  facts.push_back(fact("Duplicate rows",
                       charts::format_count(table.duplicate_rows) +
                           (duplicate_share.empty() ? "" : " (" + duplicate_share + ")"),
                       "estimated"));
  return facts;
}

array file_facts(const analysis::Analysis& analysis) {
  array facts;
  facts.push_back(fact("Format", label_for(kFormatNames, analysis.format)));
  if (!analysis.encoding.empty()) facts.push_back(fact("Encoding", analysis.encoding));
  if (!analysis.dialect.empty()) facts.push_back(fact("Dialect", analysis.dialect));
  facts.push_back(fact("Size", format_bytes(analysis.bytes)));
  if (std::isfinite(analysis.seconds) && analysis.seconds >= 0) {
    facts.push_back(fact("Time taken", format_duration(analysis.seconds)));
  }
  return facts;
}

array column_facts(const analysis::ColumnProfile& column) {
  array facts;
  facts.push_back(fact("Values", charts::format_count(column.count)));
  const std::string null_share = share_of(column.nulls, column.count + column.nulls);
  facts.push_back(fact(
      "Missing", charts::format_count(column.nulls) + (null_share.empty() ? "" : " (" + null_share + ")"),
      column.empties > 0 ? "including " + charts::format_count(column.empties) + " empty" : ""));
  facts.push_back(
      fact("Distinct", charts::format_count(column.distinct), column.distinct_exact ? "" : "estimate"));
  const std::string_view sketch = column.quantile_rank_error > 0 ? "estimate" : "";
  if (finite(column.min)) {
    add_number(facts, "Minimum", column.min);
  } else if (column.min_text) {
    facts.push_back(fact("Minimum", charts::shorten(*column.min_text, 60)));
  }
  if (finite(column.max)) {
    add_number(facts, "Maximum", column.max);
  } else if (column.max_text) {
    facts.push_back(fact("Maximum", charts::shorten(*column.max_text, 60)));
  }
  add_number(facts, "Mean", column.mean);
  add_number(facts, "Standard deviation", column.stddev);
  add_number(facts, "25th percentile", column.p25, sketch);
  add_number(facts, "Median", column.p50, sketch);
  add_number(facts, "75th percentile", column.p75, sketch);
  if (finite(column.length_mean) && finite(column.length_min) && finite(column.length_max)) {
    facts.push_back(fact("Text length",
                         charts::format_number(*column.length_min) + " to " +
                             charts::format_number(*column.length_max) + ", mean " +
                             charts::format_number(*column.length_mean),
                         "characters"));
  }
  return facts;
}

object column_view(const analysis::ColumnProfile& column, const std::string& id) {
  array pii;
  for (const auto& finding : column.pii) {
    pii.push_back(object{{"label", label_for(kPiiNames, finding.kind)},
                         {"share", charts::format_percent(finding.share)}});
  }
  std::vector<charts::Bar> top;
  for (const auto& value : column.top) top.push_back({value.value, value.count});
  const std::string top_chart =
      charts::bar_chart({id + "-top", "Most frequent values of " + column.name}, top, column.count);
  const std::string histogram =
      charts::histogram({id + "-hist", "Distribution of " + column.name}, column.histogram);
  array examples;
  for (const auto& example : column.examples) examples.emplace_back(charts::shorten(example, 80));
  const bool has_share = std::isfinite(column.type_share) && column.type_share > 0;
  return {
      {"id", id},
      {"name", column.name.empty() ? std::string("(no name)") : column.name},
      {"type", label_for(kTypeNames, column.type)},
      {"type_code", column.type},
      {"has_type_share", has_share},
      {"type_share", has_share ? charts::format_percent(column.type_share) : std::string()},
      {"facts", column_facts(column)},
      {"nulls_chart", charts::completeness_bar({id + "-nulls", "Filled and missing values of " + column.name},
                                               column.count, column.nulls)},
      {"has_top", !top_chart.empty()},
      {"top_exact", column.top_exact},
      {"top_chart", top_chart},
      {"has_histogram", !histogram.empty()},
      {"histogram", histogram},
      {"has_examples", !examples.empty()},
      {"examples", std::move(examples)},
      {"has_pii", !pii.empty()},
      {"pii", std::move(pii)}};
}

object preview_view(const analysis::TableProfile& table) {
  array header;
  for (const auto& name : table.preview_header) header.emplace_back(name);
  array rows;
  for (const auto& row : table.preview) {
    array cells;
    for (const auto& cell : row) cells.emplace_back(cell);
    rows.push_back(object{{"cells", std::move(cells)}});
  }
  return {{"has_rows", !rows.empty()},
          {"header", std::move(header)},
          {"rows", std::move(rows)},
          {"count", charts::format_count(table.preview.size())}};
}

object table_view(const analysis::TableProfile& table, std::size_t index, bool several) {
  const std::string prefix = "t" + std::to_string(index);
  array warnings;
  for (const auto& warning : table.warnings) {
    warnings.push_back(object{{"message", warning.message.empty() ? warning.code : warning.message},
                              {"has_column", !warning.column.empty()},
                              {"column", warning.column},
                              {"code", warning.code}});
  }
  array pii;
  array columns;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    const auto& column = table.columns[i];
    for (const auto& finding : column.pii) {
      pii.push_back(object{{"column", column.name},
                           {"label", label_for(kPiiNames, finding.kind)},
                           {"share", charts::format_percent(finding.share)}});
    }
    if (i < kReportMaxColumns) columns.push_back(column_view(column, prefix + "-c" + std::to_string(i)));
  }
  const std::size_t hidden =
      table.columns.size() > kReportMaxColumns ? table.columns.size() - kReportMaxColumns : 0;
  std::uint64_t cells_present = 0;
  std::uint64_t cells_missing = 0;
  for (const auto& column : table.columns) {
    cells_present += column.count;
    cells_missing += column.nulls;
  }
  const std::string title =
      several ? (table.name.empty() ? "Sheet " + std::to_string(index + 1) : table.name) : "";
  return {{"id", prefix},
          {"several", several},
          {"h_sub", several ? 3 : 2},
          {"h_col", several ? 4 : 3},
          {"h_chart", several ? 5 : 4},
          {"title", title},
          {"facts", table_facts(table)},
          {"completeness_chart", charts::completeness_bar({prefix + "-cells", "Filled and missing cells"},
                                                          cells_present, cells_missing)},
          {"has_warnings", !warnings.empty()},
          {"warnings", std::move(warnings)},
          {"has_pii", !pii.empty()},
          {"pii", std::move(pii)},
          {"has_columns", !columns.empty()},
          {"columns", std::move(columns)},
          {"has_hidden_columns", hidden > 0},
          {"hidden_columns", charts::format_count(hidden)},
          {"preview", preview_view(table)}};
}

object annotations_view(const analysis::AnnotationSummary& summary) {
  array facts;
  std::string kind = label_for(kAnnotationKinds, summary.kind);
  if (!summary.label_column.empty()) kind += " (column " + summary.label_column + ")";
  facts.push_back(fact("Kind", kind));
  if (summary.images > 0) facts.push_back(fact("Images", charts::format_count(summary.images)));
  facts.push_back(
      fact(summary.images > 0 ? "Annotations" : "Labelled rows", charts::format_count(summary.annotations)));
  facts.push_back(fact("Classes", charts::format_count(summary.classes.size())));
  if (std::isfinite(summary.imbalance_ratio) && summary.imbalance_ratio > 0) {
    facts.push_back(fact("Imbalance", charts::format_number(summary.imbalance_ratio) + " : 1",
                         "largest class to smallest"));
  }
  const std::pair<std::string_view, const analysis::Summary*> summaries[] = {
      {"Annotations per image", &summary.annotations_per_image},
      {"Box width", &summary.box_width},
      {"Box height", &summary.box_height},
      {"Box area", &summary.box_area}};
  for (const auto& [term, value] : summaries) {
    const std::string text = summary_text(*value);
    if (!text.empty()) facts.push_back(fact(term, text, term == "Annotations per image" ? "" : "pixels"));
  }
  std::vector<charts::Bar> bars;
  std::uint64_t total = 0;
  for (const auto& cls : summary.classes) total += cls.count;
  for (std::size_t i = 0; i < summary.classes.size() && i < kReportMaxClasses; ++i) {
    bars.push_back({summary.classes[i].name, summary.classes[i].count});
  }
  const std::size_t more =
      summary.classes.size() > kReportMaxClasses ? summary.classes.size() - kReportMaxClasses : 0;
  const std::string chart = charts::bar_chart({"classes", "Class balance"}, bars, total);
  return {{"facts", std::move(facts)},
          {"has_chart", !chart.empty()},
          {"chart", chart},
          {"has_more_classes", more > 0},
          {"more_classes", charts::format_count(more)}};
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1000) return charts::format_count(bytes) + (bytes == 1 ? " byte" : " bytes");
  constexpr std::string_view kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
  double value = static_cast<double>(bytes) / 1000;
  std::size_t unit = 0;
  while (value >= 999.95 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, value < 10 ? "%.1f" : "%.0f", value);
  return std::string(buffer) + " " + std::string(kUnits[unit]);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "–";
  char buffer[48];
  if (seconds < 1) {
    std::snprintf(buffer, sizeof buffer, "%.0f ms", std::max(1.0, seconds * 1000));
  } else if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
  } else {
    const auto whole = static_cast<long long>(std::llround(seconds));
    std::snprintf(buffer, sizeof buffer, "%lld min %lld s", whole / 60, whole % 60);
  }
  return buffer;
}

object analysis_report_view(const analysis::Analysis& analysis, std::string_view json_url) {
  // The figures people look for first (rows, columns, quality) lead.
  array summary;
  const bool several = analysis.tables.size() > 1;
  if (analysis.tables.size() == 1) {
    summary = table_facts(analysis.tables.front());
  } else if (several) {
    summary.push_back(fact("Sheets", charts::format_count(analysis.tables.size())));
  }
  for (auto& item : file_facts(analysis)) summary.push_back(std::move(item));
  array tables;
  for (std::size_t i = 0; i < analysis.tables.size(); ++i)
    tables.push_back(table_view(analysis.tables[i], i, several));
  object report{{"format", label_for(kFormatNames, analysis.format)},
                {"facts", std::move(summary)},
                {"tables", std::move(tables)},
                {"json_url", json_url},
                {"has_annotations", analysis.annotations.has_value()}};
  if (analysis.annotations) report["annotations"] = annotations_view(*analysis.annotations);
  return report;
}

}  // namespace iv::web
