// The HTTP server against the real binary: limits, timeouts, keep-alive,
// pipelining, HEAD, bad input, trace context, security headers, access log and
// graceful shutdown. Each test starts its own server (ctest runs every test in
// its own process).
#include <chrono>
#include <csignal>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "harness.h"

namespace iv::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::string_view_literals;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string get_request(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers) +
         "\r\n";
}

bool is_lower_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void expect_security_headers(const HttpResponse& r) {
  const auto csp = r.header("content-security-policy");
  ASSERT_TRUE(csp) << "status " << r.status;
  EXPECT_NE(csp->find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp->find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos);
  EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp->find("object-src 'none'"), std::string::npos);
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("referrer-policy"), "strict-origin-when-cross-origin");
  EXPECT_TRUE(r.header("permissions-policy").has_value());
  EXPECT_EQ(r.header("x-frame-options"), "DENY");
  EXPECT_EQ(r.header("cross-origin-opener-policy"), "same-origin");
  EXPECT_EQ(r.count("content-security-policy"), 1u);
  // Not configured as behind TLS.
  EXPECT_FALSE(r.header("strict-transport-security").has_value());
}

// --- bad input ----------------------------------------------------------------

TEST(ServerLimits, MalformedRequestLineIs400AndTheServerKeepsServing) {
  ServerProcess server;
  for (std::string_view garbage :
       {"GARBAGE\r\n\r\n"sv, "GET /\r\n\r\n"sv, "GET / HTTP/1.1 extra\r\n\r\n"sv,
        "G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n"sv, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"sv}) {
    Connection c(server.port());
    ASSERT_TRUE(c.send(garbage));
    const auto r = c.read_response();
    ASSERT_TRUE(r) << "no answer to: " << garbage;
    EXPECT_EQ(r->status, 400) << garbage;
    EXPECT_EQ(r->header("connection"), "close");
    expect_security_headers(*r);
    EXPECT_TRUE(c.wait_closed(5s));
  }
  const auto ok = get(server.port(), "/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerLimits, RequestsWithoutHostOrWithAnotherHttpVersionAreRefused) {
  ServerProcess server;
  {
    Connection c(server.port());
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\n\r\n"));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
  {
    Connection c(server.port());
    ASSERT_TRUE(c.send("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n"));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 505);
  }
  {
    Connection c(server.port());
    ASSERT_TRUE(c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 505);
  }
}

TEST(ServerLimits, HeaderOver16KiBIs431WithSecurityHeaders) {
  ServerProcess server;
  Connection c(server.port());
  ASSERT_TRUE(c.send(get_request("/", "X-Filler: " + std::string(17 * 1024, 'a') + "\r\n")));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("connection"), "close");
  expect_security_headers(*r);
  EXPECT_TRUE(c.wait_closed(5s));

  // Under /api/ the server answers with a problem document.
  Connection api(server.port());
  ASSERT_TRUE(api.send(get_request("/api/v1/services", "X-Filler: " + std::string(17 * 1024, 'a') + "\r\n")));
  const auto problem = api.read_response();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 431);
  EXPECT_EQ(problem->header("content-type"), "application/problem+json");
  const auto json = boost::json::parse(problem->body).as_object();
  EXPECT_EQ(json.at("status").as_int64(), 431);
  EXPECT_TRUE(json.contains("title"));
  EXPECT_TRUE(json.contains("type"));
  EXPECT_TRUE(json.contains("detail"));

  // A header just under the limit is fine.
  Connection fine(server.port());
  ASSERT_TRUE(fine.send(get_request("/healthz", "X-Filler: " + std::string(8 * 1024, 'a') + "\r\n")));
  const auto ok = fine.read_response();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerLimits, BodyOverTheRouteLimitIs413) {
  ServerProcess server;
  // Declared by Content-Length: refused before the body is read.
  {
    Connection c(server.port());
    ASSERT_TRUE(
        c.send("POST /api/v1/services HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: 2097152\r\n\r\n"));
    ASSERT_TRUE(c.send(std::string(64 * 1024, 'a')));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->header("content-type"), "application/problem+json");
    expect_security_headers(*r);
  }
  // Chunked: refused once the received body passes the limit.
  {
    Connection c(server.port());
    std::string bytes = "POST /api/v1/services HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) bytes += "8000\r\n" + std::string(0x8000, 'b') + "\r\n";
    bytes += "0\r\n\r\n";
    c.send(bytes);  // the server may stop reading early
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  const auto ok = get(server.port(), "/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerLimits, BadPercentEncodingInThePathIs400) {
  ServerProcess server;
  for (std::string_view target : {"/services/%zz", "/services/%4", "/a%00b", "/api/v1/services/%G1"}) {
    const auto r = get(server.port(), target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
  }
  const auto bad_query = get(server.port(), "/case-studies?industry=%zz");
  ASSERT_TRUE(bad_query);
  EXPECT_EQ(bad_query->status, 400);
}

TEST(ServerLimits, PathTraversalNeverServesFilesOutsideTheWebRoot) {
  ServerProcess server;
  for (std::string_view target :
       {"/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..%2F..%2Fetc%2Fpasswd",
        "/static/%252e%252e%252f%252e%252e%252fetc%252fpasswd", "/static/....//....//etc/passwd",
        "/static/..\\..\\etc\\passwd", "/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/./../CMakeLists.txt"}) {
    const auto r = get(server.port(), target);
    ASSERT_TRUE(r) << target;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << target << " -> " << r->status;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(r->body.find("cmake_minimum_required"), std::string::npos) << target;
  }
}

// --- timeouts -----------------------------------------------------------------

TEST(ServerLimits, SlowLorisGets408WhenTheHeadTimeoutExpires) {
  ServerProcess server({.args = {"--header-timeout-ms", "2000"}});
  Connection c(server.port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n"));
  std::optional<HttpResponse> r;
  // Dribble a byte every 500 ms: activity must not extend the deadline.
  while (!r && seconds_since(start) < 6) {
    r = c.read_response(false, 500ms);
    if (!r && !c.send("X")) break;
  }
  if (!r) r = c.read_response(false, 1s);
  const double elapsed = seconds_since(start);
  ASSERT_TRUE(r) << "no 408 after " << elapsed << " s";
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->header("connection"), "close");
  expect_security_headers(*r);
  EXPECT_GE(elapsed, 1.9);
  EXPECT_LE(elapsed, 3.0);  // the timeout plus the sweeper's period, with room for a loaded machine
  EXPECT_TRUE(c.wait_closed(1s));
}

TEST(ServerLimits, SilentConnectionIsClosedWithoutAnAnswer) {
  ServerProcess server({.args = {"--header-timeout-ms", "1000"}});
  Connection c(server.port());
  const auto start = Clock::now();
  EXPECT_EQ(c.read_until_close(5s), "");
  EXPECT_GE(seconds_since(start), 0.9);
  EXPECT_LE(seconds_since(start), 2.5);
}

TEST(ServerLimits, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerProcess server({.args = {"--idle-timeout-ms", "1000"}});
  Connection c(server.port());
  ASSERT_TRUE(c.send(get_request("/healthz")));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->header("connection").has_value());  // kept alive
  const auto start = Clock::now();
  EXPECT_TRUE(c.wait_closed(5s));
  EXPECT_GE(seconds_since(start), 0.9);
  EXPECT_LE(seconds_since(start), 2.5);
}

// --- connection cap -----------------------------------------------------------

TEST(ServerLimits, ConnectionsOverTheCapGet503AndTheCapRecovers) {
  ServerProcess server({.args = {"--max-connections", "4"}});
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<Connection>(server.port()));
    ASSERT_TRUE(held.back()->send(get_request("/healthz")));
    const auto r = held.back()->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  Connection fifth(server.port());
  fifth.send(get_request("/healthz"));
  const auto refused = fifth.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_EQ(refused->header("connection"), "close");
  expect_security_headers(*refused);
  EXPECT_TRUE(fifth.wait_closed(3s));

  held.pop_back();
  std::optional<HttpResponse> after;
  for (int attempt = 0; attempt < 50 && (!after || after->status != 200); ++attempt) {
    std::this_thread::sleep_for(20ms);  // the server notices the close asynchronously
    after = get(server.port(), "/healthz");
  }
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

// --- keep-alive, pipelining, HEAD ---------------------------------------------

TEST(ServerLimits, PipelinedRequestsAreAnsweredInOrder) {
  ServerProcess server;
  const std::array<std::string, 3> trace_ids = {"11111111111111111111111111111111",
                                                "22222222222222222222222222222222",
                                                "33333333333333333333333333333333"};
  const std::array<std::string, 3> targets = {"/healthz", "/", "/api/v1/services"};
  std::string bytes;
  for (std::size_t i = 0; i < 3; ++i) {
    bytes += get_request(targets[i], "traceparent: 00-" + trace_ids[i] + "-00f067aa0ba902b7-01\r\n");
  }
  Connection c(server.port());
  ASSERT_TRUE(c.send(bytes));  // one write
  for (std::size_t i = 0; i < 3; ++i) {
    const auto r = c.read_response();
    ASSERT_TRUE(r) << "response " << i;
    EXPECT_EQ(r->status, 200) << targets[i];
    EXPECT_EQ(r->header("x-request-id"), trace_ids[i]);
  }
  // Still open for more.
  ASSERT_TRUE(c.send(get_request("/healthz", "Connection: close\r\n")));
  const auto last = c.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->status, 200);
  EXPECT_EQ(last->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST(ServerLimits, Http10ClosesUnlessKeepAliveIsAsked) {
  ServerProcess server;
  {
    Connection c(server.port());
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\n\r\n"));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.wait_closed(3s));
  }
  {
    Connection c(server.port());
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\n\r\n"));
    const auto second = c.read_response();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 200);
  }
}

TEST(ServerLimits, HeadHasTheHeadersOfGetAndNoBody) {
  ServerProcess server;
  Connection c(server.port());
  ASSERT_TRUE(c.send(get_request("/")));
  const auto full = c.read_response();
  ASSERT_TRUE(full);
  ASSERT_EQ(full->status, 200);
  ASSERT_FALSE(full->body.empty());
  ASSERT_TRUE(c.send("HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const auto head = c.read_response(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(full->body.size()));
  EXPECT_EQ(head->header("content-type"), full->header("content-type"));
  // If HEAD had sent a body, it would be read here as the next response.
  ASSERT_TRUE(c.send(get_request("/healthz", "Connection: close\r\n")));
  const auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST(ServerLimits, ExpectContinueGetsAnInterimAnswerBeforeTheBodyIsSent) {
  ServerProcess server;
  Connection c(server.port());
  ASSERT_TRUE(
      c.send("POST /api/v1/services HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  const auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("{}"));
  const auto final_answer = c.read_response();
  ASSERT_TRUE(final_answer);
  EXPECT_GE(final_answer->status, 200);
  expect_security_headers(*final_answer);

  // Too large a body is refused at once, without the interim answer.
  Connection big(server.port());
  ASSERT_TRUE(
      big.send("POST /api/v1/services HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
               "Expect: 100-continue\r\n\r\n"));
  const auto refused = big.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413);
}

TEST(ServerLimits, NotModifiedHasNoBodyAndNoContentLength) {
  ServerProcess server;
  const auto first = get(server.port(), "/");
  ASSERT_TRUE(first);
  const auto etag = first->header("etag");
  ASSERT_TRUE(etag) << "the home page is cacheable";
  Connection c(server.port());
  ASSERT_TRUE(c.send(get_request("/", "If-None-Match: " + *etag + "\r\n") + get_request("/healthz")));
  const auto not_modified = c.read_response();
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_FALSE(not_modified->header("content-length").has_value());
  const auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

// --- headers on every response ------------------------------------------------

TEST(ServerLimits, SecurityHeadersAndDateOn200And404) {
  ServerProcess server;
  const auto ok = get(server.port(), "/");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  expect_security_headers(*ok);
  const auto missing = get(server.port(), "/no-such-page");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  expect_security_headers(*missing);
  const auto api_missing = get(server.port(), "/api/v1/no-such-thing");
  ASSERT_TRUE(api_missing);
  EXPECT_EQ(api_missing->status, 404);
  expect_security_headers(*api_missing);
  for (const auto* r : {&*ok, &*missing}) {
    const auto date = r->header("date");
    ASSERT_TRUE(date);
    EXPECT_TRUE(date->ends_with(" GMT")) << *date;
    EXPECT_EQ(r->count("content-length"), 1u);
  }
}

TEST(ServerLimits, HstsIsSentOnlyWhenBehindTls) {
  ServerProcess server({.env = {{"BEHIND_TLS", "1"}}});
  const auto r = get(server.port(), "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("strict-transport-security"), "max-age=63072000; includeSubDomains");
}

TEST(ServerLimits, TraceparentIsHonouredAndEmitted) {
  ServerProcess server;
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const auto r = get(server.port(), "/healthz", {"traceparent: 00-" + trace + "-00f067aa0ba902b7-01"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("x-request-id"), trace);
  const auto traceparent = r->header("traceparent");
  ASSERT_TRUE(traceparent);
  ASSERT_EQ(traceparent->size(), 55u);
  EXPECT_TRUE(traceparent->starts_with("00-" + trace + "-"));
  const std::string span = traceparent->substr(36, 16);
  EXPECT_TRUE(is_lower_hex(span));
  EXPECT_NE(span, "00f067aa0ba902b7");  // our own span, not the caller's
  EXPECT_TRUE(traceparent->ends_with("-01"));

  // Invalid trace contexts are replaced by a fresh random trace id.
  for (const std::string& bad : std::vector<std::string>{
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-" + trace + "-0000000000000000-01",
           "ff-" + trace + "-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "garbage"}) {
    const auto fresh = get(server.port(), "/healthz", {"traceparent: " + bad});
    ASSERT_TRUE(fresh);
    const auto id = fresh->header("x-request-id");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->size(), 32u);
    EXPECT_TRUE(is_lower_hex(*id)) << *id;
    EXPECT_NE(*id, trace) << bad;
    EXPECT_NE(*id, std::string(32, '0'));
  }
  // Without a traceparent every request gets its own id.
  const auto a = get(server.port(), "/healthz");
  const auto b = get(server.port(), "/healthz");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->header("x-request-id"), b->header("x-request-id"));
}

// --- access log and metrics ---------------------------------------------------

TEST(ServerLimits, AccessLogHasOneJsonLinePerRequestWithoutTheQuery) {
  ServerProcess server;
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  const auto r =
      get(server.port(), "/case-studies?email=someone%40example.com",
          {"traceparent: 00-" + trace + "-b7ad6b7169203331-01", "User-Agent: " + std::string(300, 'u')});
  ASSERT_TRUE(r);
  std::optional<boost::json::object> entry;
  for (int attempt = 0; attempt < 100 && !entry; ++attempt) {
    std::istringstream lines(server.log());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(trace) == std::string::npos) continue;
      boost::system::error_code ec;
      auto value = boost::json::parse(line, ec);
      ASSERT_FALSE(ec) << line;
      if (value.as_object().at("msg").as_string() == "request") entry = value.as_object();
    }
    if (!entry) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(entry) << server.log();
  EXPECT_EQ(entry->at("level").as_string(), "info");
  EXPECT_EQ(entry->at("request_id").as_string(), trace);
  EXPECT_EQ(entry->at("method").as_string(), "GET");
  EXPECT_EQ(entry->at("path").as_string(), "/case-studies");
  EXPECT_EQ(entry->at("route").as_string(), "/case-studies");
  EXPECT_EQ(entry->at("status").as_int64(), r->status);
  EXPECT_EQ(entry->at("bytes").as_int64(), static_cast<std::int64_t>(r->body.size()));
  EXPECT_GE(entry->at("duration_ms").to_number<double>(), 0.0);
  EXPECT_EQ(entry->at("remote").as_string(), "127.0.0.1");
  EXPECT_EQ(entry->at("user_agent").as_string().size(), 200u);
  EXPECT_TRUE(entry->contains("ts"));
  const std::string all = server.log();
  EXPECT_EQ(all.find("someone"), std::string::npos) << "query strings stay out of the log";
}

TEST(ServerLimits, MetricsCountRequestsByRouteAndStatus) {
  ServerProcess server;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(get(server.port(), "/healthz"));
  ASSERT_TRUE(get(server.port(), "/no-such-page"));
  // A request is counted after its response is written, possibly on another
  // I/O thread than the one answering /metrics: poll briefly for the count.
  const std::string healthz_count = "http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 3";
  // Both counts, since the 404 may be recorded on yet another thread.
  const auto counted = [&](const std::string& body) {
    return body.find(healthz_count) != std::string::npos && body.find("status=\"404\"}") != std::string::npos;
  };
  auto metrics = get(server.port(), "/metrics");
  for (int i = 0; i < 40 && metrics && !counted(metrics->body); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = get(server.port(), "/metrics");
  }
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_NE(text.find("# TYPE http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status=\"404\"}"), std::string::npos);
  EXPECT_NE(text.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("http_requests_in_flight"), std::string::npos);
  EXPECT_NE(text.find("http_connections_open"), std::string::npos);
  EXPECT_NE(text.find("http_connections_rejected_total{reason=\"limit\"}"), std::string::npos);
}

// --- shutdown -----------------------------------------------------------------

TEST(ServerLimits, SigtermDrainsAndExitsZero) {
  ServerProcess server;
  Connection idle(server.port());
  ASSERT_TRUE(idle.send(get_request("/healthz")));
  ASSERT_TRUE(idle.read_response());
  // A request whose head is complete when the signal arrives is still answered.
  Connection busy(server.port());
  ASSERT_TRUE(busy.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  std::this_thread::sleep_for(100ms);

  const auto start = Clock::now();
  server.send_signal(SIGTERM);
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(busy.send("\r\n"));
  const auto answered = busy.read_response();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, 200);
  EXPECT_EQ(answered->header("connection"), "close");

  EXPECT_TRUE(idle.wait_closed(2s));
  const auto status = server.wait_for_exit(2s);
  ASSERT_TRUE(status) << "still running " << seconds_since(start) << " s after SIGTERM";
  EXPECT_EQ(*status, 0) << server.log();
  EXPECT_LE(seconds_since(start), 2.0);
  EXPECT_TRUE(connection_refused(server.port()));
}

}  // namespace
}  // namespace iv::test
