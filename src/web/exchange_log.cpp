#include "web/exchange_log.h"

#include <charconv>
#include <cstdint>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/number_text.h"
#include "web/wall_clock.h"

namespace iv::web {
namespace {

constexpr std::size_t kMaxUserAgentLog = 200;
constexpr std::size_t kAccessLogBatch = 32 * 1024;

}  // namespace

ExchangeRecorder::ExchangeRecorder(observe::MetricsRegistry& metrics, observe::Logger& logger,
                                   WallClock& clock, bool access_log)
    : metrics_(metrics), logger_(logger), clock_(clock), access_log_enabled_(access_log) {}

void ExchangeRecorder::record(const Exchange& x, const Request& request, bool headers_valid) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - x.started).count();
  const std::string_view route = x.route.empty() ? std::string_view("unmatched") : x.route;
  const std::string_view method = method_name(x.method);
  requests_counter(route, method, x.status).inc();
  duration_histogram(route).observe(seconds);
  if (!access_log_enabled_) return;
  append_access_log_line(x, request, headers_valid, route, method, seconds);
  if (access_log_.size() >= kAccessLogBatch) flush();
}

void ExchangeRecorder::flush() {
  if (access_log_.empty()) return;
  logger_.write_line(access_log_);
  access_log_.clear();
}

observe::Counter& ExchangeRecorder::requests_counter(std::string_view route, std::string_view method,
                                                     int status) {
  key_.assign(route);
  key_.push_back(' ');
  key_.append(method);
  key_.push_back(' ');
  append_decimal(key_, static_cast<std::uint64_t>(status));
  auto it = request_counters_.find(key_);
  if (it == request_counters_.end()) {
    observe::Counter& counter = metrics_.counter(
        "http_requests_total", "HTTP requests answered, by route pattern, method and status.",
        {{"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}});
    it = request_counters_.emplace(key_, &counter).first;
  }
  return *it->second;
}

observe::Histogram& ExchangeRecorder::duration_histogram(std::string_view route) {
  key_.assign(route);
  auto it = durations_.find(key_);
  if (it == durations_.end()) {
    observe::Histogram& histogram =
        metrics_.histogram("http_request_duration_seconds",
                           "Time from the first byte of a request to the last byte of its answer.",
                           observe::MetricsRegistry::latency_buckets(), {{"route", std::string(route)}});
    it = durations_.emplace(key_, &histogram).first;
  }
  return *it->second;
}

void ExchangeRecorder::append_access_log_line(const Exchange& x, const Request& request, bool headers_valid,
                                              std::string_view route, std::string_view method,
                                              double seconds) {
  const std::string_view path = !request.path.empty()
                                    ? std::string_view(request.path)
                                    : std::string_view(request.target).substr(0, request.target.find('?'));
  std::string_view user_agent;
  if (headers_valid) user_agent = request.header("user-agent").value_or(std::string_view{});

  std::string& line = access_log_;  // appended to the pending batch
  line.append("{\"ts\":\"");
  clock_.append_iso_timestamp(line);
  line.append("\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"");
  line.append(x.trace.trace_id.data(), x.trace.trace_id.size());
  line.append("\",\"method\":\"").append(method).append("\",\"path\":");
  observe::append_json_string(line, path);
  line.append(",\"route\":");
  observe::append_json_string(line, route);
  line.append(",\"status\":");
  append_decimal(line, static_cast<std::uint64_t>(x.status));
  line.append(",\"bytes\":");
  append_decimal(line, x.body_bytes);
  line.append(",\"duration_ms\":");
  char number[32];
  const auto [end, ec] =
      std::to_chars(number, number + sizeof number, seconds * 1000.0, std::chars_format::fixed, 3);
  line.append(number, ec == std::errc{} ? end : number);
  line.append(",\"remote\":");
  observe::append_json_string(line, request.remote_address);
  line.append(",\"user_agent\":");
  observe::append_json_string(line, user_agent.substr(0, kMaxUserAgentLog));
  line.append("}\n");
}

}  // namespace iv::web
