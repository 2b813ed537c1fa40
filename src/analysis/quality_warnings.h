// Turns finished columns into the visitor-facing quality warnings, and
// recognizes a labelled table (an AI training set with a class column).
// Messages name columns and counts, never values: a value may be personal data.
#pragma once

#include <optional>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/annotations.h"
#include "analysis/column_profile.h"

namespace iv::analysis {

// Thresholds, also documented in the warnings' messages.
inline constexpr double kMixedTypesShare = 0.9;  // mixed_types below this type_share
inline constexpr double kHighNullShare = 0.5;    // high_null_share above this

// Appends the column's warnings: mixed_types, constant_column,
// high_null_share, outliers, inconsistent_date_formats, whitespace,
// personal_data (one per column, listing its kinds).
void add_column_warnings(const FinishedColumn& column, std::vector<Warning>& warnings);

// A column named label/labels/class/category/target/y (any case) with
// categorical, boolean or few-valued integer values and exact counts → the
// class balance. nullopt when there is no such column.
std::optional<AnnotationSummary> detect_labelled_table(const std::vector<FinishedColumn>& columns);

}  // namespace iv::analysis
