// The profiler's semantics, fed records directly (no reader involved).
#include "analysis/profiler.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace iv::analysis {
namespace {

// Feeds one table of text records with a header, like a CSV reader would.
class TableFeeder {
 public:
  TableFeeder(Profiler& profiler, std::vector<std::string> header)
      : profiler_(profiler), header_(std::move(header)) {
    profiler_.begin_table("");
    profiler_.header(header_);
  }
  void row(const std::vector<std::string>& values) {
    std::vector<Field> fields;
    for (std::size_t i = 0; i < values.size(); ++i)
      fields.push_back(Field{header_[i], values[i], ValueKind::text});
    profiler_.record(fields);
  }

 private:
  Profiler& profiler_;
  std::vector<std::string> header_;
};

const ColumnProfile& column(const TableProfile& table, std::string_view name) {
  for (const auto& profile : table.columns) {
    if (profile.name == name) return profile;
  }
  throw std::runtime_error("no column " + std::string(name));
}

std::vector<std::string> warning_codes(const TableProfile& table, std::string_view column_name) {
  std::vector<std::string> codes;
  for (const auto& warning : table.warnings) {
    if (warning.column == column_name) codes.push_back(warning.code);
  }
  return codes;
}

bool has(const std::vector<std::string>& codes, std::string_view code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

TEST(Profiler, CountsNullsEmptiesAndMissingFields) {
  Profiler profiler;
  TableFeeder table(profiler, {"a", "b"});
  table.row({"1", "x"});
  table.row({"", "y"});
  table.row({"   ", "z"});
  table.row({"4"});  // ragged: b missing
  const Analysis analysis = profiler.finish();
  ASSERT_EQ(analysis.tables.size(), 1u);
  const TableProfile& profile = analysis.tables[0];
  EXPECT_EQ(profile.rows, 4u);
  const auto& a = column(profile, "a");
  EXPECT_EQ(a.count, 2u);
  EXPECT_EQ(a.nulls, 2u);
  EXPECT_EQ(a.empties, 2u);
  const auto& b = column(profile, "b");
  EXPECT_EQ(b.count, 3u);
  EXPECT_EQ(b.nulls, 1u);
  EXPECT_EQ(b.empties, 0u);
  EXPECT_DOUBLE_EQ(profile.completeness, 5.0 / 8.0);
}

TEST(Profiler, NumericStatisticsAreExactForSmallColumns) {
  Profiler profiler;
  TableFeeder table(profiler, {"n"});
  std::vector<double> values;
  for (int i = 1; i <= 101; ++i) {
    values.push_back(i * 0.5);
    table.row({std::to_string(i * 0.5)});
  }
  const auto analysis = profiler.finish();
  const auto& n = column(analysis.tables[0], "n");
  EXPECT_EQ(n.type, "decimal");
  EXPECT_DOUBLE_EQ(n.type_share, 1.0);
  EXPECT_DOUBLE_EQ(*n.min, 0.5);
  EXPECT_DOUBLE_EQ(*n.max, 50.5);
  EXPECT_NEAR(*n.mean, 25.5, 1e-12);
  double squares = 0;
  for (const double v : values) squares += (v - 25.5) * (v - 25.5);
  EXPECT_NEAR(*n.stddev, std::sqrt(squares / 100), 1e-12);
  EXPECT_DOUBLE_EQ(*n.p50, 25.5);  // the 51st of 101
  EXPECT_DOUBLE_EQ(*n.p25, 13.0);  // nearest rank: ceil(25.25) = 26th
  EXPECT_EQ(n.quantile_rank_error, 0.0);
  EXPECT_EQ(n.distinct, 101u);
  EXPECT_TRUE(n.distinct_exact);
  std::uint64_t histogram_total = 0;
  for (const auto& bin : n.histogram) histogram_total += bin.count;
  EXPECT_EQ(histogram_total, 101u);
  EXPECT_EQ(n.histogram.size(), 20u);
  EXPECT_DOUBLE_EQ(n.histogram.front().lower, 0.5);
  EXPECT_DOUBLE_EQ(n.histogram.back().upper, 50.5);
}

TEST(Profiler, WelfordIsNumericallyStable) {
  Profiler profiler;
  TableFeeder table(profiler, {"big"});
  // Mean 1e9 + 10: a naive sum of squares (~4e21) loses the deviations.
  for (int round = 0; round < 1000; ++round) {
    for (const char* value : {"1000000004", "1000000007", "1000000013", "1000000016"}) table.row({value});
  }
  const Analysis analysis = profiler.finish();
  const auto& big = column(analysis.tables[0], "big");
  EXPECT_EQ(big.type, "integer");
  EXPECT_NEAR(*big.mean, 1000000010.0, 1e-5);                   // relative 1e-14
  EXPECT_NEAR(*big.stddev, std::sqrt(90000.0 / 3999.0), 1e-6);  // squares 36+9+9+36 per round
}

TEST(Profiler, IntegerHistogramUsesOneBinPerValueWhenTheRangeIsSmall) {
  Profiler profiler;
  TableFeeder table(profiler, {"rating"});
  for (int i = 0; i < 50; ++i) table.row({std::to_string(1 + i % 5)});
  const Analysis analysis = profiler.finish();
  const auto& rating = column(analysis.tables[0], "rating");
  ASSERT_EQ(rating.histogram.size(), 5u);
  for (const auto& bin : rating.histogram) EXPECT_EQ(bin.count, 10u);
  EXPECT_DOUBLE_EQ(rating.histogram[2].lower, 3.0);
}

TEST(Profiler, JsonKindsAndColumnsAppearingLater) {
  Profiler profiler;
  profiler.begin_table("");
  for (int i = 0; i < 10; ++i) {
    std::vector<Field> fields{{"n", std::to_string(i), ValueKind::number},
                              {"flag", i % 2 ? "true" : "false", ValueKind::boolean}};
    if (i >= 6) fields.push_back(Field{"late", "x", ValueKind::text});
    if (i == 3) fields[0] = Field{"n", "", ValueKind::null};
    profiler.record(fields);
  }
  const auto table = profiler.finish().tables[0];
  const auto& n = column(table, "n");
  EXPECT_EQ(n.type, "integer");
  EXPECT_EQ(n.count, 9u);
  EXPECT_EQ(n.nulls, 1u);
  EXPECT_EQ(n.empties, 0u);
  EXPECT_EQ(column(table, "flag").type, "boolean");
  const auto& late = column(table, "late");
  EXPECT_EQ(late.count, 4u);
  EXPECT_EQ(late.nulls, 6u);
  EXPECT_EQ(table.preview_header, (std::vector<std::string>{"n", "flag", "late"}));
  ASSERT_EQ(table.preview.size(), 10u);
  EXPECT_EQ(table.preview[0], (std::vector<std::string>{"0", "false", ""}));
  EXPECT_EQ(table.preview[9][2], "x");
}

TEST(Profiler, TypesTextCategoricalIdentifierEmpty) {
  Profiler profiler;
  TableFeeder table(profiler, {"city", "code", "customer_id", "comment", "nothing"});
  const char* cities[] = {"Pune", "Delhi", "Chennai"};
  for (int i = 0; i < 300; ++i) {
    table.row({cities[i % 3], "C" + std::to_string(i), std::to_string(100000 + i),
               "free text number " + std::to_string(i) + std::string(70, '.'), ""});
  }
  const auto analysis = profiler.finish();
  const auto& t = analysis.tables[0];
  EXPECT_EQ(column(t, "city").type, "categorical");
  EXPECT_EQ(column(t, "city").distinct, 3u);
  ASSERT_EQ(column(t, "city").top.size(), 3u);
  EXPECT_EQ(column(t, "city").top[0].count, 100u);
  EXPECT_EQ(column(t, "city").examples, (std::vector<std::string>{"Pune", "Delhi", "Chennai"}));
  EXPECT_EQ(column(t, "code").type, "identifier");         // all distinct, short
  EXPECT_EQ(column(t, "customer_id").type, "identifier");  // integer named like an id
  EXPECT_EQ(column(t, "comment").type, "text");            // distinct but long: free text
  EXPECT_DOUBLE_EQ(*column(t, "comment").length_min, 88);
  EXPECT_EQ(column(t, "nothing").type, "empty");
  EXPECT_EQ(*column(t, "city").min_text, "Chennai");
  EXPECT_EQ(*column(t, "city").max_text, "Pune");
}

TEST(Profiler, Warnings) {
  Profiler profiler;
  TableFeeder table(profiler, {"mixed", "constant", "sparse", "padded", "dates", "amount"});
  for (int i = 0; i < 100; ++i) {
    const std::string date =
        i % 4 == 0 ? "2024-01-" + std::to_string(10 + i % 10) : std::to_string(13 + i % 10) + "/01/2024";
    const std::string amount = i == 50 ? "1000000" : std::to_string(100 + i % 10);
    table.row({i % 3 == 0 ? "n/a" : std::to_string(i), "same", i % 5 == 0 ? "x" : "",
               i % 10 == 0 ? " pad" : "pad", date, amount});
  }
  for (int i = 0; i < 30; ++i) profiler.warning("ragged_rows", "Row has 3 fields, the header 6.");
  const auto analysis = profiler.finish();
  const auto& t = analysis.tables[0];
  EXPECT_TRUE(has(warning_codes(t, "mixed"), "mixed_types"));
  EXPECT_TRUE(has(warning_codes(t, "constant"), "constant_column"));
  EXPECT_TRUE(has(warning_codes(t, "sparse"), "high_null_share"));
  EXPECT_TRUE(has(warning_codes(t, "padded"), "whitespace"));
  EXPECT_TRUE(has(warning_codes(t, "dates"), "inconsistent_date_formats"));
  EXPECT_TRUE(has(warning_codes(t, "amount"), "outliers"));
  EXPECT_FALSE(has(warning_codes(t, "mixed"), "outliers"));
  EXPECT_EQ(column(t, "dates").type, "date");
  EXPECT_EQ(*column(t, "dates").min_text, "2024-01-10");
  EXPECT_EQ(*column(t, "dates").max_text, "2024-01-22");
  const auto ragged = std::count_if(t.warnings.begin(), t.warnings.end(),
                                    [](const Warning& w) { return w.code == "ragged_rows"; });
  EXPECT_EQ(ragged, 1);
  for (const auto& warning : t.warnings) {
    if (warning.code == "ragged_rows") {
      EXPECT_NE(warning.message.find("30 times"), std::string::npos);
    }
  }
}

TEST(Profiler, AmbiguousDatesFollowTheUnambiguousOnes) {
  Profiler profiler;
  TableFeeder table(profiler, {"when"});
  table.row({"12/25/2023"});  // month first, certainly
  table.row({"01/02/2024"});  // ambiguous: read month first like the rest
  const Analysis analysis = profiler.finish();
  const auto& when = column(analysis.tables[0], "when");
  EXPECT_EQ(*when.max_text, "2024-01-02");
  EXPECT_EQ(*when.min_text, "2023-12-25");
}

TEST(Profiler, DuplicateRowsAreCounted) {
  Profiler profiler;
  TableFeeder table(profiler, {"a", "b"});
  for (int i = 0; i < 100; ++i) table.row({std::to_string(i % 80), "x"});
  const auto analysis = profiler.finish();
  EXPECT_EQ(analysis.tables[0].duplicate_rows, 20u);
  EXPECT_TRUE(has(warning_codes(analysis.tables[0], ""), "duplicate_rows"));
}

TEST(Profiler, PersonalDataIsFlaggedWithoutQuotingValues) {
  Profiler profiler;
  TableFeeder table(profiler, {"contact", "note"});
  for (int i = 0; i < 100; ++i) {
    table.row(
        {"person" + std::to_string(i) + "@example.com", i % 10 == 0 ? "mail me at x@example.org" : "ok"});
  }
  const auto analysis = profiler.finish();
  const auto& t = analysis.tables[0];
  ASSERT_EQ(column(t, "contact").pii.size(), 1u);
  EXPECT_EQ(column(t, "contact").pii[0].kind, "email");
  EXPECT_DOUBLE_EQ(column(t, "contact").pii[0].share, 1.0);
  EXPECT_TRUE(column(t, "note").pii.empty());
  EXPECT_TRUE(has(warning_codes(t, "contact"), "personal_data"));
  for (const auto& warning : t.warnings) EXPECT_EQ(warning.message.find("@example"), std::string::npos);
}

TEST(Profiler, LabelledTableReportsClassBalance) {
  Profiler profiler;
  TableFeeder table(profiler, {"text", "Label"});
  for (int i = 0; i < 90; ++i)
    table.row({"sample " + std::to_string(i), i < 60 ? "cat" : (i < 80 ? "dog" : "bird")});
  const auto analysis = profiler.finish();
  ASSERT_TRUE(analysis.annotations);
  EXPECT_EQ(analysis.annotations->kind, "labelled_table");
  EXPECT_EQ(analysis.annotations->label_column, "Label");
  EXPECT_EQ(analysis.annotations->annotations, 90u);
  ASSERT_EQ(analysis.annotations->classes.size(), 3u);
  EXPECT_EQ(analysis.annotations->classes[0].name, "cat");
  EXPECT_EQ(analysis.annotations->classes[0].count, 60u);
  EXPECT_DOUBLE_EQ(analysis.annotations->imbalance_ratio, 6.0);
}

TEST(Profiler, NoLabelColumnNoAnnotations) {
  Profiler profiler;
  TableFeeder table(profiler, {"colour"});
  for (int i = 0; i < 50; ++i) table.row({i % 2 ? "red" : "blue"});
  EXPECT_FALSE(profiler.finish().annotations);
}

TEST(Profiler, OneProfilePerTable) {
  Profiler profiler;
  profiler.begin_table("Sheet1");
  profiler.header(std::vector<std::string>{"a"});
  profiler.record(std::vector<Field>{{"a", "1"}});
  profiler.begin_table("Empty");
  profiler.begin_table("Sheet3");
  profiler.header(std::vector<std::string>{"b", "c"});
  profiler.record(std::vector<Field>{{"b", "x"}, {"c", "y"}});
  profiler.record(std::vector<Field>{{"b", "z"}, {"c", "w"}});
  const auto analysis = profiler.finish();
  ASSERT_EQ(analysis.tables.size(), 3u);
  EXPECT_EQ(analysis.tables[0].name, "Sheet1");
  EXPECT_EQ(analysis.tables[0].rows, 1u);
  EXPECT_EQ(analysis.tables[1].name, "Empty");
  EXPECT_EQ(analysis.tables[1].rows, 0u);
  EXPECT_EQ(analysis.tables[2].rows, 2u);
  EXPECT_EQ(analysis.tables[2].columns.size(), 2u);
}

TEST(Profiler, PreviewIsBoundedAndValuesTruncated) {
  ProfileSettings settings;
  settings.preview_rows = 3;
  settings.max_value_bytes = 10;
  Profiler profiler(settings);
  TableFeeder table(profiler, {"v"});
  for (int i = 0; i < 10; ++i) table.row({std::string(50, 'a' + i)});
  const auto t = profiler.finish().tables[0];
  ASSERT_EQ(t.preview.size(), 3u);
  EXPECT_EQ(t.preview[2][0], std::string(10, 'c'));
  EXPECT_EQ(column(t, "v").top[0].value.size(), 10u);
}

TEST(Profiler, ManyUniqueValuesSwitchToSketches) {
  Profiler profiler;
  TableFeeder table(profiler, {"key", "value", "amount"});
  for (int i = 0; i < 100000; ++i) {
    table.row({"k" + std::to_string(i), std::to_string(i % 1000), std::to_string((i * 7919) % 100000)});
  }
  const auto t = profiler.finish().tables[0];
  const auto& key = column(t, "key");
  EXPECT_FALSE(key.distinct_exact);
  EXPECT_NEAR(static_cast<double>(key.distinct), 100000, 3000);
  EXPECT_EQ(key.type, "identifier");
  EXPECT_FALSE(key.top_exact);
  EXPECT_TRUE(key.top.empty());  // no value certainly repeats
  const auto& value = column(t, "value");
  EXPECT_TRUE(value.distinct_exact);
  EXPECT_EQ(value.distinct, 1000u);
  // 1000 distinct values fit the exact top-k table: exact quantiles.
  EXPECT_EQ(value.quantile_rank_error, 0.0);
  EXPECT_EQ(*value.p50, 499);  // nearest rank 50000 of 0..999 x 100
  EXPECT_EQ(*value.p25, 249);
  const auto& amount = column(t, "amount");  // a permutation of 0..99999: sketched
  EXPECT_EQ(amount.quantile_rank_error, 0.01);
  EXPECT_NEAR(*amount.p50, 50000, 100000 * amount.quantile_rank_error);
  EXPECT_NEAR(*amount.p75, 75000, 100000 * amount.quantile_rank_error);
  std::uint64_t histogram_total = 0;
  for (const auto& bin : amount.histogram) histogram_total += bin.count;
  EXPECT_EQ(histogram_total, 100000u);
  EXPECT_EQ(t.duplicate_rows, 0u);
}

TEST(Profiler, MemoryStaysBoundedByColumnsNotRows) {
  Profiler profiler;
  const std::vector<std::string> header{"c1", "c2", "c3", "c4", "c5"};
  profiler.begin_table("");
  profiler.header(header);
  std::vector<std::string> values(5);
  std::vector<Field> fields(5);
  std::size_t after_200k = 0;
  for (int row = 0; row < 2000000; ++row) {
    for (int c = 0; c < 5; ++c) {
      values[c] = "unique-" + std::to_string(c) + "-" + std::to_string(row) + "-padding-to-make-it-longer";
      fields[c] = Field{header[c], values[c], ValueKind::text};
    }
    profiler.record(fields);
    if (row == 200000) after_200k = profiler.approximate_bytes();
  }
  const std::size_t at_end = profiler.approximate_bytes();
  EXPECT_LT(at_end, 8u << 20);                 // 5 columns: well under 8 MiB
  EXPECT_LT(at_end, after_200k + (1u << 20));  // and flat: 10x the rows, no growth to speak of
  const auto t = profiler.finish().tables[0];
  EXPECT_EQ(t.rows, 2000000u);
  EXPECT_NEAR(static_cast<double>(column(t, "c3").distinct), 2000000, 60000);
}

}  // namespace
}  // namespace iv::analysis

namespace iv::analysis {
namespace {

TEST(Profiler, ColumnsBeyondTheCapAreDroppedWithOneWarning) {
  ProfileSettings settings;
  settings.max_columns = 100;
  Profiler profiler(settings);
  profiler.begin_table("");
  for (int row = 0; row < 30; ++row) {
    // JSON whose keys are data: every record brings new names.
    std::vector<std::string> names;
    for (int i = 0; i < 10; ++i) names.push_back("key_" + std::to_string(row * 10 + i));
    std::vector<Field> fields;
    for (const auto& name : names) fields.push_back(Field{name, "1", ValueKind::number});
    profiler.record(fields);
  }
  const auto analysis = profiler.finish();
  const auto& table = analysis.tables[0];
  EXPECT_EQ(table.columns.size(), 100u);
  EXPECT_EQ(std::count_if(table.warnings.begin(), table.warnings.end(),
                          [](const Warning& w) { return w.code == "too_many_columns"; }),
            1);
  EXPECT_EQ(table.rows, 30u);
}

TEST(Profiler, HugeValuesAreHashedWholeButKeptShort) {
  Profiler profiler;
  TableFeeder table(profiler, {"blob"});
  const std::string a(1 << 20, 'a');
  std::string b = a;
  b.back() = 'b';  // differs only in the last byte
  for (int i = 0; i < 3; ++i) {
    table.row({a});
    table.row({b});
  }
  // Each kept copy (top-k, example, min/max text, preview) is cut short.
  EXPECT_LT(profiler.approximate_bytes(), 1u << 20);
  const auto analysis = profiler.finish();
  const auto& blob = column(analysis.tables[0], "blob");
  EXPECT_EQ(blob.distinct, 2u);
  EXPECT_EQ(blob.top.size(), 2u);
  EXPECT_EQ(blob.top[0].count, 3u);
  EXPECT_LE(blob.top[0].value.size(), 200u);
  EXPECT_LE(blob.examples[0].size(), 200u);
  EXPECT_LE(blob.max_text->size(), 200u);
  EXPECT_DOUBLE_EQ(*blob.length_max, 1 << 20);
}

}  // namespace
}  // namespace iv::analysis
