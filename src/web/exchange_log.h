// Metrics and the access log for answered requests, recorded per I/O thread
// so that the hot path takes no lock and makes no write per request.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "web/http.h"
#include "web/trace_context.h"

namespace iv::observe {
class Counter;
class Histogram;
class Logger;
class MetricsRegistry;
}  // namespace iv::observe

namespace iv::web {

class WallClock;

// What one request and its answer produced.
struct Exchange {
  Method method = Method::other;
  int status = 0;
  std::size_t body_bytes = 0;                     // body bytes sent (none for HEAD)
  std::string_view route;                         // route pattern; empty when none matched
  std::chrono::steady_clock::time_point started;  // when its head began to be read
  TraceContext trace;
};

// Not thread-safe: each I/O thread owns one.
class ExchangeRecorder {
 public:
  // `metrics`, `logger` and `clock` must outlive the recorder; `access_log`
  // false records metrics only.
  ExchangeRecorder(observe::MetricsRegistry& metrics, observe::Logger& logger, WallClock& clock,
                   bool access_log);
  ExchangeRecorder(const ExchangeRecorder&) = delete;
  ExchangeRecorder& operator=(const ExchangeRecorder&) = delete;

  // Counts `x` in http_requests_total{route,method,status} and, with the time
  // since x.started, in http_request_duration_seconds{route} (route
  // "unmatched" when empty), and queues its access-log line: a JSON object
  // with ts, level, msg "request", request_id (the trace id), method, path
  // (request.path, or the target without its query when the path is unknown:
  // query strings may carry personal data), route, status, bytes,
  // duration_ms, remote and user_agent (only when `headers_valid`, cut to 200
  // bytes). Lines are written in batches: when 32 KiB are pending, or by
  // flush(); a write per line would cost more than a small request.
  void record(const Exchange& x, const Request& request, bool headers_valid);

  // Writes the pending access-log lines, if any.
  void flush();

 private:
  observe::Counter& requests_counter(std::string_view route, std::string_view method, int status);
  observe::Histogram& duration_histogram(std::string_view route);
  void append_access_log_line(const Exchange& x, const Request& request, bool headers_valid,
                              std::string_view route, std::string_view method, double seconds);

  observe::MetricsRegistry& metrics_;
  observe::Logger& logger_;
  WallClock& clock_;
  const bool access_log_enabled_;
  std::string access_log_;  // pending lines
  std::string key_;         // scratch for the series lookups
  // Metric series by label values, so the hot path takes no registry lock.
  std::unordered_map<std::string, observe::Counter*> request_counters_;
  std::unordered_map<std::string, observe::Histogram*> durations_;
};

}  // namespace iv::web
