#include "analysis/column_profile.h"

#include <algorithm>
#include <cmath>

#include "analysis/hashing.h"

namespace iv::analysis {
namespace {

constexpr std::uint64_t kNullHash = 0x6e756c6c6e756c6cull;
constexpr std::uint64_t kEmptyHash = 0x656d707479656d70ull;
// Text min/max compare (and keep) at most this prefix of each value.
constexpr std::size_t kTextRangeBytes = 1024;
constexpr std::size_t kExamples = 3;

// Categorical: text with at most this many distinct values, each seen on
// average at least kCategoricalMinRepeats times.
constexpr std::uint64_t kCategoricalMaxDistinct = 50;
constexpr std::uint64_t kCategoricalMinRepeats = 10;
// Identifier: text whose values are all distinct (allowing for the
// HyperLogLog error once estimated) and short, or a text/integer column
// named like an id with at least this share of distinct values.
constexpr double kIdentifierNamedShare = 0.95;
constexpr double kIdentifierEstimatedShare = 1.0 - 3 * HyperLogLog::kStandardError;
constexpr std::size_t kIdentifierMaxLength = 64;
// PII: a kind is reported at this share of non-null values, or at the lower
// one when the column's name suggests it.
constexpr double kPiiShare = 0.5;
constexpr double kPiiHintedShare = 0.2;
// Tukey's far fences.
constexpr double kOutlierIqrs = 3.0;

bool is_numeric(ValueType type) {
  return type == ValueType::integer || type == ValueType::decimal;
}

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

bool named_like_identifier(std::string_view name) {
  return name_has_word(name, "id") || name_has_word(name, "uuid") || name_has_word(name, "guid") ||
         name_has_word(name, "key");
}

}  // namespace

ColumnState::ColumnState(std::string name, const ProfileSettings& settings)
    : name_(std::move(name)),
      settings_(&settings),
      distinct_(settings.exact_distinct_limit),
      top_(kTopCounters, settings.max_value_bytes) {}

std::uint64_t ColumnState::observe(std::string_view value, ValueKind kind) {
  ++present_;
  if (kind == ValueKind::null) {
    ++json_nulls_;
    return kNullHash;
  }
  std::string_view trimmed = value;
  if (kind == ValueKind::text) {
    trimmed = trim_ascii_space(value);
    if (trimmed.empty()) {
      ++empties_;
      return kEmptyHash;
    }
    if (trimmed.size() != value.size()) ++whitespace_;
  }
  ++count_;
  const std::uint64_t hash = hash_bytes(value);
  if (top_.exact()) {
    if (top_.would_evict(hash)) {
      leave_exact_top();
      distinct_.add(hash);
    }
  } else {
    distinct_.add(hash);
  }
  const TopValues::Added added = top_.add(hash, value);
  if (added.counter >= known_values_.size()) known_values_.resize(added.counter + 1);  // grows with the table
  KnownValue& known = known_values_[added.counter];
  if (added.hit) {
    // The same bytes were classified before: reuse what we learned. Its
    // text cannot move the lexicographic range, and it was already offered
    // as an example.
    observe_classified(known.classified);
    if (known.classified.type == ValueType::text) {
      ++text_count_;
      length_sum_ += static_cast<double>(known.length);
    }
    count_pii(known.pii);
    return hash;
  }

  ClassifiedValue classified;
  if (kind == ValueKind::number) {
    classified = classify_json_number(trimmed);
  } else if (kind == ValueKind::boolean) {
    classified.type = ValueType::boolean;
    classified.number = trimmed == "true" ? 1 : 0;
  } else {
    classified = classify_value(trimmed);
  }
  observe_classified(classified);
  known.classified = classified;
  known.length = 0;
  known.pii = 0;
  // Lexicographic range and lengths describe the text values; numbers,
  // dates and booleans have their own statistics.
  if (classified.type == ValueType::text) {
    known.length = static_cast<std::uint32_t>(observe_text_stats(value));
  }
  // Personal data is text, or a long integer (phone, card, Aadhaar numbers);
  // decimals, dates and booleans never are.
  constexpr std::size_t kShortestPiiNumber = 8;
  if (classified.type == ValueType::text ||
      (classified.type == ValueType::integer && trimmed.size() >= kShortestPiiNumber)) {
    known.pii = detect_pii(trimmed);
    count_pii(known.pii);
  }
  if (examples_.size() < kExamples) add_example(value);
  return hash;
}

void ColumnState::count_pii(std::uint8_t kinds) {
  if (kinds == 0) return;
  for (std::size_t kind = 0; kind < kPiiKindCount; ++kind) {
    if (kinds & (1u << kind)) ++pii_counts_[kind];
  }
}

void ColumnState::observe_classified(const ClassifiedValue& value) {
  ++type_counts_[static_cast<std::size_t>(value.type)];
  if (is_numeric(value.type)) {
    // Welford: stable where the naive sum of squares cancels catastrophically.
    ++number_count_;
    const double delta = value.number - mean_;
    mean_ += delta / static_cast<double>(number_count_);
    squared_deviations_ += delta * (value.number - mean_);
    if (number_count_ == 1 || value.number < number_min_) number_min_ = value.number;
    if (number_count_ == 1 || value.number > number_max_) number_max_ = value.number;
    if (sketching_) numbers_.add(value.number);
    return;
  }
  if (value.type != ValueType::date && value.type != ValueType::datetime) return;
  ++date_format_counts_[value.date_format.index()];
  if (value.date_format.order == DateOrder::day_or_month) {
    if (!has_ambiguous_date_) {
      day_first_min_ = day_first_max_ = value.seconds;
      month_first_min_ = month_first_max_ = value.seconds_month_first;
      has_ambiguous_date_ = true;
    }
    day_first_min_ = std::min(day_first_min_, value.seconds);
    day_first_max_ = std::max(day_first_max_, value.seconds);
    month_first_min_ = std::min(month_first_min_, value.seconds_month_first);
    month_first_max_ = std::max(month_first_max_, value.seconds_month_first);
    return;
  }
  if (!has_unambiguous_date_) {
    date_min_ = date_max_ = value.seconds;
    has_unambiguous_date_ = true;
  }
  date_min_ = std::min(date_min_, value.seconds);
  date_max_ = std::max(date_max_, value.seconds);
}

// The numbers among the top-k values, with their counts. Exact while the
// table is: it then holds every distinct value of the column.
static std::vector<std::pair<double, std::uint64_t>> numbers_in(
    const std::vector<TopValues::Entry>& entries) {
  std::vector<std::pair<double, std::uint64_t>> numbers;
  for (const auto& entry : entries) {
    const ClassifiedValue classified = classify_value(trim_ascii_space(entry.value));
    if (is_numeric(classified.type)) numbers.emplace_back(classified.number, entry.count);
  }
  return numbers;
}

void ColumnState::leave_exact_top() {
  top_.for_each_hash([this](std::uint64_t held) { distinct_.add(held); });
  start_sketching();
}

void ColumnState::start_sketching() {
  sketching_ = true;
  for (const auto& [number, count] : numbers_in(top_.entries())) {
    for (std::uint64_t i = 0; i < count; ++i) numbers_.add(number);
  }
}

QuantileSketch::SortedView ColumnState::number_distribution() const {
  if (sketching_) return numbers_.sorted_view();
  return QuantileSketch::SortedView::exact(numbers_in(top_.entries()));
}

std::size_t ColumnState::observe_text_stats(std::string_view value) {
  const std::string_view prefix = value.substr(0, kTextRangeBytes);
  const std::size_t length = count_code_points(value);
  if (++text_count_ == 1) {
    text_min_.assign(prefix);
    text_max_.assign(prefix);
    length_min_ = length_max_ = length;
  } else {
    if (prefix < std::string_view(text_min_)) text_min_.assign(prefix);
    if (prefix > std::string_view(text_max_)) text_max_.assign(prefix);
    length_min_ = std::min(length_min_, length);
    length_max_ = std::max(length_max_, length);
  }
  length_sum_ += static_cast<double>(length);
  return length;
}

void ColumnState::add_example(std::string_view value) {
  const std::string_view shown = truncate_utf8(value, settings_->max_value_bytes);
  if (std::find(examples_.begin(), examples_.end(), shown) == examples_.end()) examples_.emplace_back(shown);
}

ValueType ColumnState::dominant_type(double& type_share, std::string& second, double& second_share) const {
  const auto counted = [this](ValueType type) { return type_counts_[static_cast<std::size_t>(type)]; };
  // How many values fit each type: an integer is also a decimal, a date is
  // also a datetime (at midnight). Ties go to the more specific type.
  const std::array<std::pair<ValueType, std::uint64_t>, kValueTypeCount> fits{{
      {ValueType::boolean, counted(ValueType::boolean)},
      {ValueType::integer, counted(ValueType::integer)},
      {ValueType::decimal, counted(ValueType::integer) + counted(ValueType::decimal)},
      {ValueType::date, counted(ValueType::date)},
      {ValueType::datetime, counted(ValueType::date) + counted(ValueType::datetime)},
      {ValueType::text, counted(ValueType::text)},
  }};
  auto best = fits[0];
  for (const auto& candidate : fits) {
    if (candidate.second > best.second) best = candidate;
  }
  type_share = share(best.second, count_);
  // The largest group of values that do not fit the chosen type.
  const auto fits_best = [best](ValueType type) {
    if (type == best.first) return true;
    if (best.first == ValueType::decimal && type == ValueType::integer) return true;
    if (best.first == ValueType::datetime && type == ValueType::date) return true;
    return false;
  };
  std::uint64_t second_count = 0;
  for (std::size_t i = 0; i < kValueTypeCount; ++i) {
    const auto type = static_cast<ValueType>(i);
    if (!fits_best(type) && type_counts_[i] > second_count) {
      second_count = type_counts_[i];
      second = value_type_name(type);
    }
  }
  second_share = share(second_count, count_);
  return best.first;
}

FinishedColumn ColumnState::finish(std::uint64_t rows) const {
  FinishedColumn finished;
  finished.rows = rows;
  finished.whitespace_values = whitespace_;
  ColumnProfile& profile = finished.profile;
  profile.name = name_;
  profile.count = count_;
  profile.empties = empties_;
  const std::uint64_t missing = rows > present_ ? rows - present_ : 0;
  profile.nulls = missing + json_nulls_ + empties_;
  if (count_ == 0) {
    profile.type = "empty";
    return finished;
  }
  profile.distinct = top_.exact() ? top_.size() : distinct_.count();
  profile.distinct_exact = top_.exact() || distinct_.exact();
  if (!profile.distinct_exact) profile.distinct = std::min(profile.distinct, count_);
  const ValueType type = dominant_type(profile.type_share, finished.second_type, finished.second_type_share);
  profile.type = value_type_name(type);
  if (is_numeric(type)) {
    finish_numeric(profile, finished);
  } else if (type == ValueType::date || type == ValueType::datetime) {
    finish_dates(profile, finished);
  } else {
    finish_text(profile);
  }
  if (type == ValueType::text || type == ValueType::integer) refine_text_type(profile);
  finish_top(profile, finished);
  finish_pii(profile);
  profile.examples = examples_;
  return finished;
}

void ColumnState::finish_numeric(ColumnProfile& profile, FinishedColumn& finished) const {
  const std::uint64_t n = number_count_;
  profile.min = number_min_;
  profile.max = number_max_;
  profile.mean = mean_;
  if (n >= 2) profile.stddev = std::sqrt(squared_deviations_ / static_cast<double>(n - 1));
  const QuantileSketch::SortedView view = number_distribution();
  const bool exact = !sketching_ || numbers_.exact();
  profile.p25 = view.quantile(0.25);
  profile.p50 = view.quantile(0.50);
  profile.p75 = view.quantile(0.75);
  profile.quantile_rank_error = exact ? 0.0 : QuantileSketch::kRankError;

  // The histogram comes from the sketch's CDF at the bin edges (one pass
  // cannot know [min, max] in advance): exact while the sketch is exact,
  // otherwise each edge's cumulative count is within the rank error.
  const double low = *profile.min, high = *profile.max;
  const bool integers = profile.type == "integer";
  std::size_t bins = std::max<std::size_t>(settings_->histogram_bins, 1);
  double width = (high - low) / static_cast<double>(bins);
  if (high == low) {
    bins = 1;
    width = 0;
  } else if (integers && high - low + 1 <= static_cast<double>(bins)) {
    bins = static_cast<std::size_t>(high - low) + 1;  // one bin per integer
    width = 1;
  }
  const auto edge_count = [&](std::size_t edge) -> std::uint64_t {
    if (edge == 0) return 0;
    if (edge == bins) return n;
    return static_cast<std::uint64_t>(
        std::llround(view.count_below(low + width * static_cast<double>(edge))));
  };
  std::uint64_t below = 0;
  for (std::size_t bin = 0; bin < bins; ++bin) {
    const std::uint64_t through = std::max(edge_count(bin + 1), below);
    const double upper =
        bin + 1 == bins ? (width == 1 && integers ? high + 1 : high) : low + width * (bin + 1);
    profile.histogram.push_back(HistogramBin{low + width * static_cast<double>(bin), upper, through - below});
    below = through;
  }

  const double iqr = *profile.p75 - *profile.p25;
  if (iqr > 0) {
    const double lower_fence = *profile.p25 - kOutlierIqrs * iqr;
    const double upper_fence = *profile.p75 + kOutlierIqrs * iqr;
    if (low < lower_fence || high > upper_fence) {
      const double beyond =
          view.count_below(lower_fence) + (static_cast<double>(n) - view.count_at_or_below(upper_fence));
      finished.outliers = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(beyond)));
      finished.outliers_estimated = !exact;
    }
  }
}

void ColumnState::finish_dates(ColumnProfile& profile, FinishedColumn& finished) const {
  // dd/mm vs mm/dd: values that say which (a part > 12) decide for the
  // ambiguous ones with the same separator; with no evidence, day first
  // (the Indian and European convention).
  std::array<std::uint64_t, kDateFormatCount> resolved = date_format_counts_;
  bool any_month_first = false;
  for (std::uint8_t separator = 0; separator < 3; ++separator) {
    const auto at = [&](DateOrder order) -> std::uint64_t& {
      return resolved[DateFormat{order, separator}.index()];
    };
    std::uint64_t& ambiguous = at(DateOrder::day_or_month);
    if (ambiguous == 0) continue;
    const bool month_first = at(DateOrder::month_day_year) > at(DateOrder::day_month_year);
    at(month_first ? DateOrder::month_day_year : DateOrder::day_month_year) += ambiguous;
    any_month_first = any_month_first || month_first;
    ambiguous = 0;
  }
  for (std::size_t index = 0; index < kDateFormatCount; ++index) {
    if (resolved[index] > 0)
      finished.date_formats.emplace_back(DateFormat::from_index(index).name(), resolved[index]);
  }
  std::sort(finished.date_formats.begin(), finished.date_formats.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });

  bool has_range = has_unambiguous_date_;
  double low = date_min_, high = date_max_;
  if (has_ambiguous_date_) {
    const double ambiguous_low = any_month_first ? month_first_min_ : day_first_min_;
    const double ambiguous_high = any_month_first ? month_first_max_ : day_first_max_;
    low = has_range ? std::min(low, ambiguous_low) : ambiguous_low;
    high = has_range ? std::max(high, ambiguous_high) : ambiguous_high;
    has_range = true;
  }
  if (!has_range) return;
  const bool with_time = profile.type == "datetime";
  profile.min_text = with_time ? format_datetime(low) : format_date(low);
  profile.max_text = with_time ? format_datetime(high) : format_date(high);
}

void ColumnState::finish_text(ColumnProfile& profile) const {
  if (text_count_ == 0) return;
  profile.min_text = std::string(truncate_utf8(text_min_, settings_->max_value_bytes));
  profile.max_text = std::string(truncate_utf8(text_max_, settings_->max_value_bytes));
  profile.length_min = static_cast<double>(length_min_);
  profile.length_max = static_cast<double>(length_max_);
  profile.length_mean = length_sum_ / static_cast<double>(text_count_);
}

void ColumnState::refine_text_type(ColumnProfile& profile) const {
  const double distinct = static_cast<double>(profile.distinct);
  const double count = static_cast<double>(count_);
  const bool text = profile.type == "text";
  if (count_ >= 2 && named_like_identifier(name_) && distinct >= kIdentifierNamedShare * count) {
    profile.type = "identifier";
    return;
  }
  if (!text) return;
  const bool all_distinct =
      profile.distinct_exact ? profile.distinct == count_ : distinct >= kIdentifierEstimatedShare * count;
  if (count_ >= 2 && all_distinct && length_max_ <= kIdentifierMaxLength) {
    profile.type = "identifier";
    return;
  }
  if (profile.distinct <= kCategoricalMaxDistinct && profile.distinct * kCategoricalMinRepeats <= count_) {
    profile.type = "categorical";
  }
}

void ColumnState::finish_top(ColumnProfile& profile, FinishedColumn& finished) const {
  finished.all_top = top_.entries();
  finished.all_top_exact = top_.exact();
  profile.top_exact = top_.exact();
  if (top_.exact()) {
    for (const auto& entry : finished.all_top) {
      if (profile.top.size() == settings_->top_values) break;
      profile.top.push_back(ValueCount{entry.value, entry.count});
    }
    return;
  }
  // After evictions a counter's count is an upper bound; report the
  // guaranteed lower bound, and only for values certainly seen twice.
  std::vector<ValueCount> certain;
  for (const auto& entry : finished.all_top) {
    if (entry.count - entry.error >= 2) certain.push_back(ValueCount{entry.value, entry.count - entry.error});
  }
  std::stable_sort(certain.begin(), certain.end(),
                   [](const ValueCount& a, const ValueCount& b) { return a.count > b.count; });
  if (certain.size() > settings_->top_values) certain.resize(settings_->top_values);
  profile.top = std::move(certain);
}

void ColumnState::finish_pii(ColumnProfile& profile) const {
  const std::uint8_t hints = pii_name_hints(name_);
  for (std::size_t kind = 0; kind < kPiiKindCount; ++kind) {
    const double kind_share = share(pii_counts_[kind], count_);
    const double needed = (hints & (1u << kind)) ? kPiiHintedShare : kPiiShare;
    if (pii_counts_[kind] > 0 && kind_share >= needed) {
      profile.pii.push_back(PiiFinding{std::string(pii_kind_name(static_cast<PiiKind>(kind))), kind_share});
    }
  }
}

std::size_t ColumnState::approximate_bytes() const {
  std::size_t bytes = sizeof(*this) + known_values_.capacity() * sizeof(KnownValue) + name_.capacity() +
                      distinct_.approximate_bytes() + top_.approximate_bytes() +
                      numbers_.approximate_bytes() + text_min_.capacity() + text_max_.capacity();
  for (const auto& example : examples_) bytes += sizeof(example) + example.capacity();
  return bytes;
}

}  // namespace iv::analysis
