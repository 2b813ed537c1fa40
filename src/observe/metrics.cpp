#include "observe/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace iv::observe {
namespace {

constexpr double kMicro = 1e6;

// Values are kept as integer millionths so that concurrent increments are
// plain atomic additions; llround keeps 0.1 + 0.2 exact at that resolution.
std::int64_t to_micro(double v) {
  return static_cast<std::int64_t>(std::llround(v * kMicro));
}

// Prometheus accepts Go float syntax; fixed notation keeps `le` labels and
// small values readable ("0.0001" rather than "1e-04").
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buffer[64];
  const double magnitude = std::fabs(v);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  const auto [end, ec] = fixed ? std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed)
                               : std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, ec == std::errc{} ? end : buffer);
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

std::string_view type_name(bool counter, bool gauge) {
  if (counter) return "counter";
  if (gauge) return "gauge";
  return "histogram";
}

// Inserts le="..." into a rendered label set: "" -> {le="x"}, {a="b"} -> {a="b",le="x"}.
void append_labels_with_le(std::string& out, std::string_view labels, double bound) {
  if (labels.empty()) {
    out.append("{le=\"");
  } else {
    out.append(labels.substr(0, labels.size() - 1));
    out.append(",le=\"");
  }
  append_number(out, bound);
  out.append("\"}");
}

}  // namespace

void Counter::inc(double v) {
  micro_.fetch_add(static_cast<std::uint64_t>(to_micro(v)), std::memory_order_relaxed);
}

double Counter::value() const {
  return static_cast<double>(static_cast<std::int64_t>(micro_.load(std::memory_order_relaxed))) / kMicro;
}

void Gauge::set(double v) {
  micro_.store(to_micro(v), std::memory_order_relaxed);
}
void Gauge::add(double v) {
  micro_.fetch_add(to_micro(v), std::memory_order_relaxed);
}
double Gauge::value() const {
  return static_cast<double>(micro_.load(std::memory_order_relaxed)) / kMicro;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::logic_error("histogram bounds must be strictly increasing");
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  // Buckets are "less than or equal": the first bound >= v; past the end is +Inf.
  const auto index = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  // Two's complement addition keeps negative observations right in the unsigned sum.
  sum_micro_.fetch_add(static_cast<std::uint64_t>(to_micro(v)), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> counts(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    counts[i] = running;
  }
  return counts;
}

double Histogram::sum() const {
  return static_cast<double>(static_cast<std::int64_t>(sum_micro_.load(std::memory_order_relaxed))) / kMicro;
}

std::uint64_t Histogram::count() const {
  return count_.load(std::memory_order_relaxed);
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!is_valid_name(labels[i].first, false) || labels[i].first.starts_with("__")) {
      throw std::logic_error("invalid metric label name: " + labels[i].first);
    }
    if (i > 0) out.push_back(',');
    out.append(labels[i].first);
    out.append("=\"");
    for (char c : labels[i].second) {
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '"') {
        out.append("\\\"");
      } else if (c == '\n') {
        out.append("\\n");
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, Type type, std::string_view help,
                                                 const std::vector<double>& bounds) {
  // Called with the exclusive lock held.
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (!is_valid_name(name, true)) throw std::logic_error("invalid metric name: " + std::string(name));
    Family created{.type = type, .help = std::string(help), .bounds = bounds};
    it = families_.emplace(std::string(name), std::move(created)).first;
  }
  Family& found = it->second;
  if (found.type != type) throw std::logic_error("metric registered with two types: " + std::string(name));
  if (type == Type::histogram && found.bounds != bounds) {
    throw std::logic_error("histogram registered with two bucket layouts: " + std::string(name));
  }
  return found;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  const std::string key = render_labels(labels);
  {
    std::shared_lock lock(mutex_);
    if (auto f = families_.find(name); f != families_.end() && f->second.type == Type::counter) {
      if (auto s = f->second.counters.find(key); s != f->second.counters.end()) return *s->second;
    }
  }
  std::unique_lock lock(mutex_);
  auto& series = family(name, Type::counter, help, {}).counters[key];
  if (!series) series = std::make_unique<Counter>();
  return *series;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  const std::string key = render_labels(labels);
  {
    std::shared_lock lock(mutex_);
    if (auto f = families_.find(name); f != families_.end() && f->second.type == Type::gauge) {
      if (auto s = f->second.gauges.find(key); s != f->second.gauges.end()) return *s->second;
    }
  }
  std::unique_lock lock(mutex_);
  auto& series = family(name, Type::gauge, help, {}).gauges[key];
  if (!series) series = std::make_unique<Gauge>();
  return *series;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      const std::vector<double>& bounds, const Labels& labels) {
  const std::string key = render_labels(labels);
  {
    std::shared_lock lock(mutex_);
    if (auto f = families_.find(name);
        f != families_.end() && f->second.type == Type::histogram && f->second.bounds == bounds) {
      if (auto s = f->second.histograms.find(key); s != f->second.histograms.end()) return *s->second;
    }
  }
  std::unique_lock lock(mutex_);
  Family& f = family(name, Type::histogram, help, bounds);
  auto& series = f.histograms[key];
  if (!series) series = std::make_unique<Histogram>(f.bounds);
  return *series;
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::shared_lock lock(mutex_);
  for (const auto& [name, f] : families_) {
    out.append("# HELP ").append(name).push_back(' ');
    append_escaped_help(out, f.help);
    out.append("\n# TYPE ").append(name).push_back(' ');
    out.append(type_name(f.type == Type::counter, f.type == Type::gauge)).push_back('\n');
    for (const auto& [labels, series] : f.counters) {
      out.append(name).append(labels).push_back(' ');
      append_number(out, series->value());
      out.push_back('\n');
    }
    for (const auto& [labels, series] : f.gauges) {
      out.append(name).append(labels).push_back(' ');
      append_number(out, series->value());
      out.push_back('\n');
    }
    for (const auto& [labels, series] : f.histograms) {
      // Read the counts once so _bucket{le="+Inf"} and _count agree even while
      // other threads keep observing.
      const std::vector<std::uint64_t> counts = series->cumulative_counts();
      const auto& bounds = series->bounds();
      for (std::size_t i = 0; i < counts.size(); ++i) {
        out.append(name).append("_bucket");
        append_labels_with_le(out, labels, i < bounds.size() ? bounds[i] : HUGE_VAL);
        out.push_back(' ');
        append_number(out, static_cast<double>(counts[i]));
        out.push_back('\n');
      }
      out.append(name).append("_sum").append(labels).push_back(' ');
      append_number(out, series->sum());
      out.push_back('\n');
      out.append(name).append("_count").append(labels).push_back(' ');
      append_number(out, static_cast<double>(counts.back()));
      out.push_back('\n');
    }
  }
  return out;
}

const std::vector<double>& MetricsRegistry::latency_buckets() {
  static const std::vector<double> buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                              0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return buckets;
}

}  // namespace iv::observe
