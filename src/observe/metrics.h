// Prometheus metrics: counters, gauges and histograms with labels, rendered in
// the text exposition format (version 0.0.4) for GET /metrics.
//
// Families are registered once at wiring time; recording is lock-free on the
// hot path after a series' first use (series lookup takes a shared lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace iv::observe {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(double v = 1.0);
  double value() const;

 private:
  std::atomic<std::uint64_t> micro_{0};  // value * 1e6, so increments stay atomic integers
};

class Gauge {
 public:
  void set(double v);
  void add(double v);
  double value() const;

 private:
  std::atomic<std::int64_t> micro_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound plus +Inf, sum, count.
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const;
  std::uint64_t count() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<std::uint64_t> sum_micro_{0};
  std::atomic<std::uint64_t> count_{0};
};

class MetricsRegistry {
 public:
  // Returns the series for (name, labels), creating family and series on first
  // use. The reference stays valid for the registry's lifetime.
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                       const Labels& labels = {});

  // Text exposition format, families sorted by name.
  std::string render() const;

  // Default latency buckets in seconds, 100 µs .. 10 s.
  static const std::vector<double>& latency_buckets();

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(std::string_view name, Type type, std::string_view help, const std::vector<double>& bounds);

  mutable std::shared_mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

// Renders {a="x",b="y"} with Prometheus escaping; empty labels give "".
std::string render_labels(const Labels& labels);

}  // namespace iv::observe
