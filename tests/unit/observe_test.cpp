// Logging (JSON lines) and metrics (Prometheus text format).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "observe/log.h"
#include "observe/metrics.h"
#include "support/log_capture.h"

namespace iv::observe {
namespace {

using test::CapturedLog;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "2026-11-22T02:40:00.123Z"
bool is_iso_utc_millis(std::string_view ts) {
  if (ts.size() != 24) return false;
  const std::string_view pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (pattern[i] == 'd' ? !is_digit(ts[i]) : ts[i] != pattern[i]) return false;
  }
  return true;
}

TEST(LoggerTest, WritesOneJsonObjectPerLineWithTypedFields) {
  CapturedLog captured;
  Logger logger({.min_level = LogLevel::info, .out = captured.file()});
  logger.info("listening", {{"port", 8080}, {"host", "127.0.0.1"}, {"ratio", 0.5}, {"tls", false}});
  logger.error("failed", {{"big", std::int64_t{1} << 40}});

  const auto lines = captured.lines();
  ASSERT_EQ(lines.size(), 2u);
  const boost::json::object first = boost::json::parse(lines[0]).as_object();
  EXPECT_TRUE(is_iso_utc_millis(first.at("ts").as_string())) << first.at("ts").as_string();
  EXPECT_EQ(first.at("level").as_string(), "info");
  EXPECT_EQ(first.at("msg").as_string(), "listening");
  EXPECT_EQ(first.at("port").as_int64(), 8080);
  EXPECT_EQ(first.at("host").as_string(), "127.0.0.1");
  EXPECT_DOUBLE_EQ(first.at("ratio").as_double(), 0.5);
  EXPECT_EQ(first.at("tls").as_bool(), false);
  // Field order: ts, level, msg first, then fields as given.
  EXPECT_TRUE(lines[0].starts_with("{\"ts\":\""));
  EXPECT_LT(lines[0].find("\"msg\""), lines[0].find("\"port\""));

  const boost::json::object second = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(second.at("level").as_string(), "error");
  EXPECT_EQ(second.at("big").as_int64(), std::int64_t{1} << 40);
}

TEST(LoggerTest, NonFiniteDoublesBecomeNull) {
  CapturedLog captured;
  Logger logger({.min_level = LogLevel::debug, .out = captured.file()});
  logger.warn("numbers", {{"nan", std::nan("")},
                          {"inf", std::numeric_limits<double>::infinity()},
                          {"ninf", -std::numeric_limits<double>::infinity()},
                          {"small", 1e-300}});
  const auto lines = captured.lines();
  ASSERT_EQ(lines.size(), 1u);
  const boost::json::object line = boost::json::parse(lines[0]).as_object();
  EXPECT_TRUE(line.at("nan").is_null());
  EXPECT_TRUE(line.at("inf").is_null());
  EXPECT_TRUE(line.at("ninf").is_null());
  EXPECT_DOUBLE_EQ(line.at("small").as_double(), 1e-300);
  EXPECT_EQ(line.at("level").as_string(), "warn");
}

TEST(LoggerTest, DropsEventsBelowTheMinimumLevel) {
  CapturedLog captured;
  Logger logger({.min_level = LogLevel::warn, .out = captured.file()});
  logger.debug("hidden");
  logger.info("hidden too");
  logger.warn("shown");
  EXPECT_FALSE(logger.enabled(LogLevel::info));
  EXPECT_TRUE(logger.enabled(LogLevel::error));
  const auto lines = captured.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"shown\""), std::string::npos);
}

TEST(LoggerTest, WriteLineAddsAMissingNewline) {
  CapturedLog captured;
  Logger logger({.out = captured.file()});
  logger.write_line("{\"a\":1}\n");
  logger.write_line("{\"b\":2}");
  EXPECT_EQ(captured.text(), "{\"a\":1}\n{\"b\":2}\n");
}

TEST(LoggerTest, ConcurrentWritersNeverInterleaveLines) {
  CapturedLog captured;
  Logger logger({.out = captured.file()});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 500; ++i)
        logger.info("tick", {{"thread", t}, {"i", i}, {"pad", std::string(200, 'x')}});
    });
  }
  for (auto& thread : threads) thread.join();
  const auto lines = captured.lines();
  ASSERT_EQ(lines.size(), 2000u);
  for (const auto& line : lines) ASSERT_NO_THROW(boost::json::parse(line)) << line;
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("line\nbreak\ttab\r"), "\"line\\nbreak\\ttab\\r\"");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(json_string(std::string_view("nul\0byte", 8)), "\"nul\\u0000byte\"");
}

TEST(JsonStringTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(json_string("bad\xFF"
                        "end"),
            "\"bad" + replacement + "end\"");
  EXPECT_EQ(json_string("trunc\xE2\x82"), "\"trunc" + replacement + replacement + "\"");
  EXPECT_EQ(json_string("\xC0\xAF"), "\"" + replacement + replacement + "\"");  // overlong '/'
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"" + replacement + replacement + replacement + "\"");  // surrogate
}

TEST(JsonStringTest, RoundTripsArbitraryBytesThroughAJsonParser) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::string encoded = json_string(all_bytes);
  const boost::json::value parsed = boost::json::parse(encoded);
  const std::string_view decoded = parsed.as_string();
  // ASCII comes back unchanged; each byte >= 0x80 (invalid alone) becomes U+FFFD.
  EXPECT_EQ(decoded.substr(0, 128), std::string_view(all_bytes).substr(0, 128));
  EXPECT_EQ(decoded.size(), 128u + 128u * 3u);
}

TEST(LogLevelTest, ParsesKnownNamesAndDefaultsToInfo) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::info);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::error);
  EXPECT_EQ(parse_log_level("verbose"), LogLevel::info);
  EXPECT_EQ(parse_log_level(""), LogLevel::info);
}

// --- metrics ------------------------------------------------------------------

TEST(MetricsTest, CountersAndGaugesRenderWithHelpTypeAndLabels) {
  MetricsRegistry registry;
  registry.counter("requests_total", "Requests.", {{"route", "/"}, {"status", "200"}}).inc();
  registry.counter("requests_total", "Requests.", {{"route", "/"}, {"status", "200"}}).inc(2);
  registry.counter("requests_total", "Requests.", {{"route", "/about"}, {"status", "404"}}).inc(0.5);
  registry.gauge("in_flight", "In flight.").add(3);
  registry.gauge("in_flight", "In flight.").add(-1);

  const std::string text = registry.render();
  EXPECT_EQ(text,
            "# HELP in_flight In flight.\n"
            "# TYPE in_flight gauge\n"
            "in_flight 2\n"
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{route=\"/\",status=\"200\"} 3\n"
            "requests_total{route=\"/about\",status=\"404\"} 0.5\n");
}

TEST(MetricsTest, SameNameAndLabelsGiveTheSameSeries) {
  MetricsRegistry registry;
  Counter& a = registry.counter("c_total", "C.", {{"k", "v"}});
  Counter& b = registry.counter("c_total", "C.", {{"k", "v"}});
  Counter& other = registry.counter("c_total", "C.", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  Gauge& g = registry.gauge("g", "G.");
  g.set(7.25);
  EXPECT_DOUBLE_EQ(registry.gauge("g", "G.").value(), 7.25);
}

TEST(MetricsTest, EscapesLabelValuesAndHelpText) {
  MetricsRegistry registry;
  registry.counter("odd_total", "Line one\nback\\slash", {{"path", "a\"b\\c\nd"}}).inc();
  const std::string text = registry.render();
  EXPECT_NE(text.find("# HELP odd_total Line one\\nback\\\\slash\n"), std::string::npos) << text;
  EXPECT_NE(text.find("odd_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(render_labels({}), "");
  EXPECT_EQ(render_labels({{"a", "x"}, {"b", "y"}}), "{a=\"x\",b=\"y\"}");
}

TEST(MetricsTest, RejectsConflictingRegistrationsAndBadNames) {
  MetricsRegistry registry;
  registry.counter("thing", "T.");
  EXPECT_THROW(registry.gauge("thing", "T."), std::logic_error);
  EXPECT_THROW(registry.counter("bad-name", "B."), std::logic_error);
  EXPECT_THROW(registry.counter("ok_total", "B.", {{"bad label", "x"}}), std::logic_error);
  registry.histogram("h", "H.", {1, 2});
  EXPECT_THROW(registry.histogram("h", "H.", {1, 3}), std::logic_error);
}

TEST(MetricsTest, HistogramRendersCumulativeBucketsSumAndCount) {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("latency_seconds", "Latency.", {0.001, 0.01, 0.1}, {{"route", "/"}});
  h.observe(0.0005);
  h.observe(0.001);  // upper bounds are inclusive
  h.observe(0.05);
  h.observe(3);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_NEAR(h.sum(), 3.0515, 1e-9);
  EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{2, 2, 3, 4}));

  const std::string text = registry.render();
  EXPECT_EQ(text,
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/\",le=\"0.001\"} 2\n"
            "latency_seconds_bucket{route=\"/\",le=\"0.01\"} 2\n"
            "latency_seconds_bucket{route=\"/\",le=\"0.1\"} 3\n"
            "latency_seconds_bucket{route=\"/\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{route=\"/\"} 3.0515\n"
            "latency_seconds_count{route=\"/\"} 4\n");
}

TEST(MetricsTest, UnlabelledHistogramGetsOnlyTheLeLabel) {
  MetricsRegistry registry;
  registry.histogram("size_bytes", "Size.", {100}).observe(150);
  const std::string text = registry.render();
  EXPECT_NE(text.find("size_bytes_bucket{le=\"100\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("size_bytes_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("size_bytes_sum 150\n"), std::string::npos) << text;
}

TEST(MetricsTest, LatencyBucketsSpanHundredMicrosecondsToTenSeconds) {
  const auto& buckets = MetricsRegistry::latency_buckets();
  ASSERT_FALSE(buckets.empty());
  EXPECT_DOUBLE_EQ(buckets.front(), 0.0001);
  EXPECT_DOUBLE_EQ(buckets.back(), 10.0);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
  MetricsRegistry registry;
  registry.histogram("d_seconds", "D.", buckets).observe(0.0002);
  EXPECT_NE(registry.render().find("d_seconds_bucket{le=\"0.0001\"} 0\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry registry;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  registry.counter("hits_total", "Hits.", {{"kind", "shared"}});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      // Series are looked up concurrently too; most are created by racing threads.
      Counter& shared = registry.counter("hits_total", "Hits.", {{"kind", "shared"}});
      Counter& own = registry.counter("hits_total", "Hits.", {{"kind", "t" + std::to_string(t % 2)}});
      Gauge& gauge = registry.gauge("level", "Level.");
      Histogram& histogram = registry.histogram("d_seconds", "D.", MetricsRegistry::latency_buckets());
      for (int i = 0; i < kPerThread; ++i) {
        shared.inc();
        own.inc();
        gauge.add(1);
        gauge.add(-1);
        histogram.observe(0.002);
      }
    });
  }
  // Rendering while others write must be safe.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(registry.render().empty());
  for (auto& thread : threads) thread.join();

  EXPECT_DOUBLE_EQ(registry.counter("hits_total", "Hits.", {{"kind", "shared"}}).value(),
                   kThreads * kPerThread);
  EXPECT_DOUBLE_EQ(registry.counter("hits_total", "Hits.", {{"kind", "t0"}}).value(),
                   kThreads / 2 * kPerThread);
  EXPECT_DOUBLE_EQ(registry.gauge("level", "Level.").value(), 0);
  Histogram& histogram = registry.histogram("d_seconds", "D.", MetricsRegistry::latency_buckets());
  EXPECT_EQ(histogram.count(), std::uint64_t{kThreads} * kPerThread);
  EXPECT_NEAR(histogram.sum(), 0.002 * kThreads * kPerThread, 1e-6);
}

}  // namespace
}  // namespace iv::observe
