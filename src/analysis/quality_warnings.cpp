#include "analysis/quality_warnings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace iv::analysis {
namespace {

std::string percent(double share) {
  char text[16];
  if (share > 0 && share < 0.01) return "less than 1%";
  std::snprintf(text, sizeof text, "%.0f%%", std::floor(share * 100 + 0.5));
  return text;
}

std::string quoted(const std::string& column) {
  return "Column \u201c" + column + "\u201d";
}

std::string lowercase(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

bool named_like_label(std::string_view name) {
  static constexpr std::string_view kNames[] = {"label",    "labels", "class", "class_name",
                                                "category", "target", "y"};
  const std::string lower = lowercase(name);
  return std::find(std::begin(kNames), std::end(kNames), lower) != std::end(kNames);
}

constexpr std::uint64_t kMaxLabelClasses = 1000;

}  // namespace

void add_column_warnings(const FinishedColumn& column, std::vector<Warning>& warnings) {
  const ColumnProfile& profile = column.profile;
  const auto add = [&](std::string code, std::string message) {
    warnings.push_back(Warning{std::move(code), profile.name, std::move(message)});
  };
  if (column.rows > 0 &&
      static_cast<double>(profile.nulls) / static_cast<double>(column.rows) > kHighNullShare) {
    add("high_null_share",
        quoted(profile.name) + " is empty in " +
            percent(static_cast<double>(profile.nulls) / static_cast<double>(column.rows)) + " of rows.");
  }
  if (profile.count == 0) return;
  if (profile.type_share < kMixedTypesShare && !column.second_type.empty()) {
    add("mixed_types", quoted(profile.name) + " mixes types: " + percent(profile.type_share) +
                           " of its values are " + profile.type + ", " + percent(column.second_type_share) +
                           " are " + column.second_type + ".");
  }
  if (profile.distinct == 1 && profile.distinct_exact && profile.count > 1) {
    add("constant_column", quoted(profile.name) + " has the same value in every non-empty row.");
  }
  if (column.outliers > 0) {
    add("outliers", quoted(profile.name) + " has " + (column.outliers_estimated ? "about " : "") +
                        std::to_string(column.outliers) +
                        " outlying values (beyond 3 interquartile ranges from the quartiles).");
  }
  if (column.date_formats.size() > 1) {
    std::string formats;
    for (const auto& [format, count] : column.date_formats) {
      if (!formats.empty()) formats += ", ";
      formats += format + " (" + std::to_string(count) + ")";
    }
    add("inconsistent_date_formats",
        quoted(profile.name) + " writes dates in several formats: " + formats + ".");
  }
  if (column.whitespace_values > 0) {
    add("whitespace", quoted(profile.name) + " has " + std::to_string(column.whitespace_values) +
                          " values with leading or trailing spaces.");
  }
  if (!profile.pii.empty()) {
    std::string kinds;
    for (const PiiFinding& finding : profile.pii) {
      if (!kinds.empty()) kinds += ", ";
      for (std::size_t kind = 0; kind < kPiiKindCount; ++kind) {
        if (pii_kind_name(static_cast<PiiKind>(kind)) == finding.kind) {
          kinds += std::string(pii_kind_description(static_cast<PiiKind>(kind)));
        }
      }
      kinds += " (" + percent(finding.share) + ")";
    }
    add("personal_data", quoted(profile.name) + " appears to hold personal data: " + kinds + ".");
  }
}

std::optional<AnnotationSummary> detect_labelled_table(const std::vector<FinishedColumn>& columns) {
  for (const FinishedColumn& column : columns) {
    const ColumnProfile& profile = column.profile;
    if (!named_like_label(profile.name) || profile.count == 0 || !column.all_top_exact) continue;
    const bool few_integers = profile.type == "integer" && profile.distinct <= kMaxLabelClasses;
    if (profile.type != "categorical" && profile.type != "boolean" && !few_integers &&
        !(profile.type == "text" && profile.distinct <= kMaxLabelClasses &&
          profile.distinct * 2 <= profile.count)) {
      continue;
    }
    AnnotationSummary summary;
    summary.kind = "labelled_table";
    summary.label_column = profile.name;
    std::uint64_t smallest = 0, largest = 0;
    for (const auto& entry : column.all_top) {
      summary.classes.push_back(ClassCount{entry.value, entry.count});
      summary.annotations += entry.count;
      largest = std::max(largest, entry.count);
      smallest = smallest == 0 ? entry.count : std::min(smallest, entry.count);
    }
    summary.imbalance_ratio =
        smallest == 0 ? 0 : static_cast<double>(largest) / static_cast<double>(smallest);
    return summary;
  }
  return std::nullopt;
}

}  // namespace iv::analysis
