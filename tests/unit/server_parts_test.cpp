// The pure pieces of the HTTP server: trace context, the cached clock,
// request-line checks, response heads, the server's own answers, and the
// per-thread metrics and access log. The server as a whole is tested against
// the real binary in tests/http.
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/exchange_log.h"
#include "web/http.h"
#include "web/request_line.h"
#include "web/response_writer.h"
#include "web/security_headers.h"
#include "web/trace_context.h"
#include "web/wall_clock.h"

namespace iv::web {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kValidTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool is_lower_hex_not_zero(std::string_view s) {
  bool nonzero = false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    nonzero = nonzero || c != '0';
  }
  return nonzero;
}

std::string_view text(const TraceId& id) {
  return {id.data(), id.size()};
}
std::string_view text(const SpanId& id) {
  return {id.data(), id.size()};
}

// --- trace context -----------------------------------------------------------

TEST(TraceContext, ReadsTheTraceIdOfAValidTraceparent) {
  const auto trace = trace_id_from(kValidTraceparent);
  ASSERT_TRUE(trace);
  EXPECT_EQ(*trace, kTraceId);
  EXPECT_EQ(trace->data(), kValidTraceparent.data() + 3);  // a view into the input
  EXPECT_TRUE(trace_id_from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
}

TEST(TraceContext, RejectsMalformedTraceparents) {
  const std::string valid(kValidTraceparent);
  EXPECT_FALSE(trace_id_from(""));
  EXPECT_FALSE(trace_id_from(valid + "-extra"));     // version 00 has exactly four fields
  EXPECT_FALSE(trace_id_from(valid.substr(0, 54)));  // short flags
  EXPECT_FALSE(trace_id_from("01" + valid.substr(2)));
  EXPECT_FALSE(trace_id_from("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));  // upper case
  EXPECT_FALSE(trace_id_from("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  EXPECT_FALSE(trace_id_from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  EXPECT_FALSE(trace_id_from("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(trace_id_from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"));
  EXPECT_FALSE(trace_id_from("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(trace_id_from("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(TraceContext, ContinuesAValidIncomingTraceWithANewSpan) {
  std::mt19937_64 random(42);
  const TraceContext first = next_trace_context(kValidTraceparent, random);
  const TraceContext second = next_trace_context(kValidTraceparent, random);
  EXPECT_EQ(text(first.trace_id), kTraceId);
  EXPECT_EQ(text(second.trace_id), kTraceId);
  EXPECT_TRUE(is_lower_hex_not_zero(text(first.span_id)));
  EXPECT_NE(text(first.span_id), text(second.span_id));
  EXPECT_NE(text(first.span_id), "00f067aa0ba902b7");  // never the caller's span
}

TEST(TraceContext, StartsNewRandomTracesWithoutAValidIncomingOne) {
  std::mt19937_64 random(7);
  std::set<std::string> traces;
  for (const std::optional<std::string_view> incoming :
       {std::optional<std::string_view>{}, std::optional<std::string_view>{"garbage"},
        std::optional<std::string_view>{"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}) {
    const TraceContext context = next_trace_context(incoming, random);
    EXPECT_TRUE(is_lower_hex_not_zero(text(context.trace_id)));
    EXPECT_TRUE(is_lower_hex_not_zero(text(context.span_id)));
    traces.emplace(text(context.trace_id));
  }
  EXPECT_EQ(traces.size(), 3u);
}

TEST(TraceContext, SameSeedGivesSameIds) {
  std::mt19937_64 a(123);
  std::mt19937_64 b(123);
  const TraceContext x = next_trace_context(std::nullopt, a);
  const TraceContext y = next_trace_context(std::nullopt, b);
  EXPECT_EQ(text(x.trace_id), text(y.trace_id));
  EXPECT_EQ(text(x.span_id), text(y.span_id));
}

TEST(TraceContext, AppendedTraceparentIsValidAndSampled) {
  std::mt19937_64 random(1);
  const TraceContext context = next_trace_context(kValidTraceparent, random);
  std::string out = "traceparent: ";
  append_traceparent(out, context);
  EXPECT_EQ(out,
            "traceparent: 00-" + std::string(kTraceId) + "-" + std::string(text(context.span_id)) + "-01");
  EXPECT_EQ(trace_id_from(std::string_view(out).substr(13)), kTraceId);
}

// --- wall clock --------------------------------------------------------------

WallClock::TimePoint utc(std::chrono::year_month_day day, std::chrono::milliseconds time_of_day) {
  return std::chrono::sys_days(day) + time_of_day;
}

TEST(WallClock, FormatsTheDateHeaderLine) {
  using std::chrono::November, std::chrono::March;
  WallClock clock;
  EXPECT_EQ(clock.date_line(utc(2026y / November / 22, 2h + 40min)),
            "Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n");
  EXPECT_EQ(clock.date_line(utc(2024y / March / 5, 23h + 5min + 9s + 999ms)),
            "Date: Tue, 05 Mar 2024 23:05:09 GMT\r\n");
}

TEST(WallClock, FormatsIsoTimestampsWithMilliseconds) {
  using std::chrono::November, std::chrono::January;
  WallClock clock;
  std::string out = ">";
  clock.append_iso_timestamp(out, utc(2026y / November / 22, 2h + 40min + 123ms));
  EXPECT_EQ(out, ">2026-11-22T02:40:00.123Z");
  out.clear();
  clock.append_iso_timestamp(out, utc(2027y / January / 1, 7ms));
  EXPECT_EQ(out, "2027-01-01T00:00:00.007Z");
}

TEST(WallClock, RecomputesWhenTheSecondChanges) {
  using std::chrono::November;
  WallClock clock;
  const auto t = utc(2026y / November / 22, 2h + 40min);
  EXPECT_EQ(clock.date_line(t), "Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n");
  EXPECT_EQ(clock.date_line(t + 999ms), "Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n");
  EXPECT_EQ(clock.date_line(t + 1s), "Date: Sun, 22 Nov 2026 02:40:01 GMT\r\n");
  std::string out;
  clock.append_iso_timestamp(out, t + 1s + 500ms);
  EXPECT_EQ(out, "2026-11-22T02:40:01.500Z");
  EXPECT_EQ(clock.date_line(t + 24h), "Date: Mon, 23 Nov 2026 02:40:00 GMT\r\n");
}

TEST(WallClock, DefaultsToTheCurrentTime) {
  WallClock clock;
  const std::string line(clock.date_line());
  EXPECT_TRUE(line.starts_with("Date: "));
  EXPECT_TRUE(line.ends_with(" GMT\r\n"));
  EXPECT_EQ(line.size(), std::string_view("Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n").size());
}

// --- request line ------------------------------------------------------------

Request with_target(std::string target) {
  Request request;
  request.target = std::move(target);
  return request;
}

TEST(SplitTarget, SplitsOriginFormIntoDecodedPathAndQuery) {
  Request request = with_target("/case%20studies/retail?industry=Retail%20%26%20E-commerce&page=2");
  ASSERT_TRUE(split_target(request));
  EXPECT_EQ(request.path, "/case studies/retail");
  EXPECT_EQ(request.raw_query, "industry=Retail%20%26%20E-commerce&page=2");
  EXPECT_EQ(request.query.get("industry"), "Retail & E-commerce");
  EXPECT_EQ(request.query.get("page"), "2");

  Request bare = with_target("/about?");
  ASSERT_TRUE(split_target(bare));
  EXPECT_EQ(bare.path, "/about");
  EXPECT_EQ(bare.raw_query, "");
  EXPECT_TRUE(bare.query.empty());
}

TEST(SplitTarget, KeepsOnlyPathAndQueryOfAbsoluteForm) {
  Request request = with_target("http://www.indivillage.com/services/a?x=1");
  ASSERT_TRUE(split_target(request));
  EXPECT_EQ(request.path, "/services/a");
  EXPECT_EQ(request.raw_query, "x=1");

  Request host_only = with_target("https://www.indivillage.com");
  ASSERT_TRUE(split_target(host_only));
  EXPECT_EQ(host_only.path, "/");

  Request query_without_path = with_target("http://www.indivillage.com?x=1");
  EXPECT_FALSE(split_target(query_without_path));
}

TEST(SplitTarget, RejectsOtherForms) {
  for (const char* target : {"*", "www.indivillage.com/a", "://host/a", "", "a/b"}) {
    Request request = with_target(target);
    EXPECT_FALSE(split_target(request)) << target;
  }
}

TEST(SplitTarget, RejectsDotSegmentsAlsoWhenEncoded) {
  for (const char* target :
       {"/..", "/.", "/a/../b", "/a/./b", "/a/..", "/%2e%2e/etc/passwd", "/a/%2E/b", "http://h/../x"}) {
    Request request = with_target(target);
    EXPECT_FALSE(split_target(request)) << target;
  }
  for (const char* target : {"/.well-known/security.txt", "/a/..b", "/a../b", "/a/...", "/"}) {
    Request request = with_target(target);
    EXPECT_TRUE(split_target(request)) << target;
  }
}

TEST(SplitTarget, RejectsBadEscapes) {
  for (const char* target : {"/a%zz", "/a%4", "/a%00b", "/a?x=%G1"}) {
    Request request = with_target(target);
    EXPECT_FALSE(split_target(request)) << target;
  }
}

TEST(NamesOtherHttpVersion, RecognisesWellFormedOtherMajorVersions) {
  EXPECT_TRUE(names_other_http_version("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
  EXPECT_TRUE(names_other_http_version("GET / HTTP/3.0\r\nHost: x\r\n"));
  EXPECT_TRUE(names_other_http_version("GET / HTTP/0.9\n"));
  EXPECT_TRUE(names_other_http_version("GET / HTTP/2.0"));  // line not finished yet
}

TEST(NamesOtherHttpVersion, RejectsHttp1AndGarbage) {
  EXPECT_FALSE(names_other_http_version("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(names_other_http_version("GET / HTTP/1.9\r\n"));
  EXPECT_FALSE(names_other_http_version("GET / HTTP/2\r\n"));
  EXPECT_FALSE(names_other_http_version("GET /HTTP/2.0\r\n"));
  EXPECT_FALSE(names_other_http_version("GET / http/2.0\r\n"));
  EXPECT_FALSE(names_other_http_version("GET / HTTP/x.0\r\n"));
  EXPECT_FALSE(names_other_http_version("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"));
  EXPECT_FALSE(names_other_http_version(""));
}

// --- response heads ----------------------------------------------------------

constexpr std::string_view kDateLine = "Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n";

TraceContext fixed_trace() {
  TraceContext trace;
  std::copy(kTraceId.begin(), kTraceId.end(), trace.trace_id.begin());
  const std::string_view span = "00f067aa0ba902b7";
  std::copy(span.begin(), span.end(), trace.span_id.begin());
  return trace;
}

std::string write_head(const ResponseHeadWriter& writer, const Response& response, HeadFraming framing) {
  std::string head = "left over from the previous response";
  writer.write(head, response, framing, kDateLine, fixed_trace());
  return head;
}

TEST(ResponseHead, WritesStatusLineServerHeadersAndResponseHeadersInOrder) {
  const ResponseHeadWriter writer({{"X-Frame-Options", "DENY"}, {"Referrer-Policy", "no-referrer"}});
  Response response;
  response.status = 404;
  response.headers = {{"Content-Type", "text/html; charset=utf-8"}, {"Cache-Control", "no-cache"}};
  EXPECT_EQ(write_head(writer, response, {.content_length = 1234, .keep_alive = true, .request_version = 11}),
            "HTTP/1.1 404 " + std::string(reason_phrase(404)) +
                "\r\n"
                "Date: Sun, 22 Nov 2026 02:40:00 GMT\r\n"
                "Content-Length: 1234\r\n"
                "X-Frame-Options: DENY\r\n"
                "Referrer-Policy: no-referrer\r\n"
                "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
                "X-Request-Id: 4bf92f3577b34da6a3ce929d0e0e4736\r\n"
                "Content-Type: text/html; charset=utf-8\r\n"
                "Cache-Control: no-cache\r\n"
                "\r\n");
}

TEST(ResponseHead, AnnouncesConnectionHandling) {
  const ResponseHeadWriter writer(std::vector<Header>{});
  const Response response;
  const auto head = [&](bool keep_alive, int version) {
    return write_head(writer, response,
                      {.content_length = 0, .keep_alive = keep_alive, .request_version = version});
  };
  EXPECT_EQ(head(true, 11).find("Connection:"), std::string::npos);
  EXPECT_NE(head(true, 10).find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(head(false, 11).find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_NE(head(false, 10).find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(head(false, 10).find("keep-alive"), std::string::npos);
  EXPECT_NE(head(true, 11).find("\r\nContent-Length: 0\r\n"), std::string::npos);
}

TEST(ResponseHead, OmitsContentLengthForStatusesWithoutBody) {
  EXPECT_TRUE(has_no_body(100));
  EXPECT_TRUE(has_no_body(101));
  EXPECT_TRUE(has_no_body(204));
  EXPECT_TRUE(has_no_body(304));
  EXPECT_FALSE(has_no_body(200));
  EXPECT_FALSE(has_no_body(205));
  EXPECT_FALSE(has_no_body(404));

  const ResponseHeadWriter writer(std::vector<Header>{});
  for (int status : {204, 304}) {
    Response response;
    response.status = status;
    const std::string head = write_head(writer, response, {.content_length = 99});
    EXPECT_TRUE(head.starts_with("HTTP/1.1 " + std::to_string(status) + " ")) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  }
}

TEST(ResponseHead, DropsServerOwnedAndUnsafeResponseHeaders) {
  const ResponseHeadWriter writer(std::vector<Header>{{"X-Frame-Options", "DENY"}});
  Response response;
  response.headers = {
      {"content-length", "5"},
      {"Transfer-Encoding", "chunked"},
      {"CONNECTION", "keep-alive"},
      {"date", "yesterday"},
      {"Keep-Alive", "timeout=5"},
      {"x-frame-options", "ALLOWALL"},
      {"X-Bad", "a\r\nSet-Cookie: x"},
      {"X-Nul", std::string("a\0b", 3)},
      {"X-Lf", "a\nb"},
      {"Bad Name", "v"},
      {"", "empty name"},
      {"Bad:Name", "v"},
      {"X-Kept", "yes"},
  };
  const std::string head = write_head(writer, response, {.content_length = 7});
  EXPECT_NE(head.find("\r\nContent-Length: 7\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Frame-Options: DENY\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Kept: yes\r\n\r\n"), std::string::npos);
  for (std::string_view dropped :
       {"content-length: 5", "chunked", "CONNECTION", "yesterday", "timeout=5", "ALLOWALL", "Set-Cookie",
        "X-Bad", "X-Nul", "X-Lf", "Bad Name", "empty name", "Bad:Name"}) {
    EXPECT_EQ(head.find(dropped), std::string::npos) << dropped;
  }
}

TEST(ResponseHead, CarriesTheSecurityHeadersOfTheServer) {
  const ResponseHeadWriter plain(security_headers(false));
  const ResponseHeadWriter tls(security_headers(true));
  Response response;
  response.headers = {{"Content-Security-Policy", "default-src *"}};
  const std::string plain_head = write_head(plain, response, {});
  const std::string tls_head = write_head(tls, response, {});
  EXPECT_EQ(plain_head.find("default-src *"), std::string::npos);  // the handler cannot weaken it
  for (const Header& header : security_headers(true)) {
    EXPECT_NE(tls_head.find("\r\n" + header.name + ": " + header.value + "\r\n"), std::string::npos)
        << header.name;
  }
  EXPECT_EQ(plain_head.find("Strict-Transport-Security"), std::string::npos);
  EXPECT_NE(tls_head.find("Strict-Transport-Security"), std::string::npos);
}

// --- the server's own answers ------------------------------------------------

TEST(ServerAnswer, GivesProblemJsonUnderApi) {
  const Response response = server_answer(413, "/api/v1/leads?x=1", "Too \"big\".");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.header("content-type"), "application/problem+json");
  EXPECT_EQ(response.header("cache-control"), "no-store");
  EXPECT_FALSE(response.header("retry-after"));
  const boost::json::object problem = boost::json::parse(response.body).as_object();
  EXPECT_EQ(problem.at("type").as_string(), "about:blank");
  EXPECT_EQ(problem.at("title").as_string(), reason_phrase(413));
  EXPECT_EQ(problem.at("status").as_int64(), 413);
  EXPECT_EQ(problem.at("detail").as_string(), "Too \"big\".");
}

TEST(ServerAnswer, GivesPlainTextElsewhere) {
  for (std::string_view target : {"/contact", "/apis", "/api", "", "*"}) {
    const Response response = server_answer(400, target, detail_for(400));
    EXPECT_EQ(response.header("content-type"), "text/plain; charset=utf-8") << target;
    EXPECT_EQ(response.header("cache-control"), "no-store");
    EXPECT_EQ(response.body,
              "400 " + std::string(reason_phrase(400)) + "\n" + std::string(detail_for(400)) + "\n");
  }
}

TEST(ServerAnswer, AsksToRetryOnlyAt503) {
  EXPECT_EQ(server_answer(503, {}, detail_for(503)).header("retry-after"), "1");
  EXPECT_EQ(server_answer(503, "/api/v1/services", detail_for(503)).header("retry-after"), "1");
  EXPECT_FALSE(server_answer(500, {}, "x").header("retry-after"));
}

TEST(ServerAnswer, HasDetailsForTheProtocolErrorsItProduces) {
  for (int status : {400, 408, 413, 431, 503, 505}) EXPECT_FALSE(detail_for(status).empty()) << status;
  EXPECT_EQ(detail_for(200), "");
  EXPECT_EQ(detail_for(500), "");
}

// --- metrics and access log --------------------------------------------------

// A Logger whose output can be read back.
class CapturedLog {
 public:
  CapturedLog() : file_(std::tmpfile()), logger_(observe::LogSettings{.out = file_.get()}) {}
  observe::Logger& logger() { return logger_; }
  std::string text() {
    std::FILE* file = file_.get();
    std::fflush(file);
    std::rewind(file);
    std::string out;
    char chunk[4096];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) out.append(chunk, n);
    std::fseek(file, 0, SEEK_END);
    return out;
  }

 private:
  struct Close {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, Close> file_;  // declared first: outlives the logger, which flushes it
  observe::Logger logger_;
};

Exchange exchange(std::string_view route, int status) {
  Exchange x;
  x.method = Method::get;
  x.status = status;
  x.body_bytes = 1234;
  x.route = route;
  x.started = std::chrono::steady_clock::now() - 5ms;
  x.trace = fixed_trace();
  return x;
}

double requests_total(observe::MetricsRegistry& metrics, const std::string& route,
                      const std::string& status) {
  return metrics.counter("http_requests_total", "", {{"route", route}, {"method", "GET"}, {"status", status}})
      .value();
}

TEST(ExchangeRecorder, CountsRequestsByRouteMethodAndStatus) {
  CapturedLog log;
  observe::MetricsRegistry metrics;
  WallClock clock;
  ExchangeRecorder recorder(metrics, log.logger(), clock, false);
  Request request;
  recorder.record(exchange("/services/{slug}", 200), request, true);
  recorder.record(exchange("/services/{slug}", 200), request, true);
  recorder.record(exchange("/services/{slug}", 404), request, true);
  recorder.record(exchange("", 404), request, true);
  EXPECT_EQ(requests_total(metrics, "/services/{slug}", "200"), 2.0);
  EXPECT_EQ(requests_total(metrics, "/services/{slug}", "404"), 1.0);
  EXPECT_EQ(requests_total(metrics, "unmatched", "404"), 1.0);
  const auto& buckets = observe::MetricsRegistry::latency_buckets();
  observe::Histogram& durations =
      metrics.histogram("http_request_duration_seconds", "", buckets, {{"route", "/services/{slug}"}});
  EXPECT_EQ(durations.count(), 3u);
  EXPECT_GE(durations.sum(), 0.015);
  recorder.flush();
  EXPECT_EQ(log.text(), "");  // access log off
}

TEST(ExchangeRecorder, WritesJsonAccessLogLinesOnFlush) {
  CapturedLog log;
  observe::MetricsRegistry metrics;
  WallClock clock;
  ExchangeRecorder recorder(metrics, log.logger(), clock, true);
  Request request;
  request.target = "/case-studies/retail?email=someone%40example.com";
  request.path = "/case-studies/retail";
  request.remote_address = "203.0.113.7";
  request.headers = {{"user-agent", "Mozilla/5.0 \"test\""}};
  recorder.record(exchange("/case-studies/{slug}", 200), request, true);
  EXPECT_EQ(log.text(), "");  // batched until flushed
  recorder.flush();
  const std::string written = log.text();
  ASSERT_TRUE(written.ends_with("}\n"));
  EXPECT_EQ(written.find("someone"), std::string::npos);  // no query strings in logs
  const boost::json::object line = boost::json::parse(written).as_object();
  EXPECT_EQ(line.at("level").as_string(), "info");
  EXPECT_EQ(line.at("msg").as_string(), "request");
  EXPECT_EQ(line.at("request_id").as_string(), kTraceId);
  EXPECT_EQ(line.at("method").as_string(), "GET");
  EXPECT_EQ(line.at("path").as_string(), "/case-studies/retail");
  EXPECT_EQ(line.at("route").as_string(), "/case-studies/{slug}");
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_EQ(line.at("bytes").as_int64(), 1234);
  EXPECT_GE(line.at("duration_ms").to_number<double>(), 5.0);
  EXPECT_EQ(line.at("remote").as_string(), "203.0.113.7");
  EXPECT_EQ(line.at("user_agent").as_string(), "Mozilla/5.0 \"test\"");
  const std::string_view ts = line.at("ts").as_string();
  EXPECT_EQ(ts.size(), std::string_view("2026-11-22T02:40:00.123Z").size());
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_EQ(ts[10], 'T');
}

TEST(ExchangeRecorder, LogsRejectedRequestsWithoutTrustingTheirHead) {
  CapturedLog log;
  observe::MetricsRegistry metrics;
  WallClock clock;
  ExchangeRecorder recorder(metrics, log.logger(), clock, true);
  Request request;
  request.target = "/a/../etc?secret=1";  // path never split
  request.headers = {{"user-agent", "left over from an earlier request"}};
  recorder.record(exchange("", 400), request, false);
  recorder.flush();
  const boost::json::object line = boost::json::parse(log.text()).as_object();
  EXPECT_EQ(line.at("path").as_string(), "/a/../etc");
  EXPECT_EQ(line.at("route").as_string(), "unmatched");
  EXPECT_EQ(line.at("user_agent").as_string(), "");
}

TEST(ExchangeRecorder, CutsLongUserAgentsAndWritesLargeBatchesWithoutFlush) {
  CapturedLog log;
  observe::MetricsRegistry metrics;
  WallClock clock;
  ExchangeRecorder recorder(metrics, log.logger(), clock, true);
  Request request;
  request.path = "/";
  request.headers = {{"user-agent", std::string(1000, 'u')}};
  int records = 0;
  while (log.text().empty() && records < 1000) {
    recorder.record(exchange("/", 200), request, true);
    ++records;
  }
  const std::string written = log.text();
  ASSERT_FALSE(written.empty());
  EXPECT_GE(written.size(), 32u * 1024);
  EXPECT_GT(records, 1);
  const std::string first_line = written.substr(0, written.find('\n'));
  const boost::json::object line = boost::json::parse(first_line).as_object();
  EXPECT_EQ(line.at("user_agent").as_string(), std::string(200, 'u'));
}

}  // namespace
}  // namespace iv::web
