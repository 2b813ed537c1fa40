// HTTP/1.1 server: one io_context and one SO_REUSEPORT acceptor per thread,
// one coroutine per connection.
//
// Timeouts are not armed per operation. Each connection publishes its phase
// and a deadline, and a per-thread sweeper (a coarse periodic timer) cancels
// the I/O of connections past their deadline. That costs a clock read per
// phase instead of a timer insertion and removal per read and write, and a
// head that is dribbled in byte by byte still meets its single deadline.
#include "web/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/security_headers.h"

namespace iv::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kMaxBodyReserve = 1024 * 1024;
constexpr std::size_t kMaxUserAgentLog = 200;
constexpr std::size_t kAccessLogBatch = 32 * 1024;
// Lingering close: after an error answer, unread input is drained for a short
// while so that closing does not send a reset that destroys the answer in
// flight to the client.
constexpr auto kLingerTotal = std::chrono::milliseconds(2000);
constexpr auto kLingerQuiet = std::chrono::milliseconds(300);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

void append_int(std::string& out, std::uint64_t v) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

// ---------------------------------------------------------------------------
// Parsing: a Beast parser that writes straight into iv::web::Request.

// Used instead of http::request_parser<string_body>, whose fields container
// allocates per field and whose message would then be copied into a Request.
// Reuses the Request's strings across the requests of one connection, so a
// keep-alive connection stops allocating once its buffers have grown. Beast
// still does the parsing and enforces header_limit and body_limit.
class RequestReader final : public http::basic_parser<true> {
 public:
  explicit RequestReader(Request& request) : request_(request) {}

  int version() const { return version_; }
  int host_count() const { return host_count_; }
  bool expects_continue() const { return expect_continue_; }

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target, int version,
                       error_code&) override {
    request_.method = iv::web::parse_method(std::string_view(method.data(), method.size()));
    request_.target.assign(target.data(), target.size());
    version_ = version;
  }

  void on_response_impl(int, beast::string_view, int, error_code&) override {}

  void on_field_impl(http::field field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    if (is_header_done()) return;  // chunked trailers: not part of the head handlers see
    if (field == http::field::host) ++host_count_;
    if (field == http::field::expect)
      expect_continue_ = iequals(std::string_view(value.data(), value.size()), "100-continue");
    if (fields_ == request_.headers.size()) request_.headers.emplace_back();
    Header& header = request_.headers[fields_++];
    header.name.resize(name.size());
    std::transform(name.begin(), name.end(), header.name.begin(), ascii_lower);
    header.value.assign(value.data(), value.size());
  }

  void on_header_impl(error_code&) override { request_.headers.resize(fields_); }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length)
      request_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, kMaxBodyReserve)));
  }

  std::size_t on_body_impl(beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  Request& request_;
  std::size_t fields_ = 0;
  int version_ = 11;
  int host_count_ = 0;
  bool expect_continue_ = false;
};

void reset_request(Request& request) {
  request.method = Method::other;
  request.target.clear();
  request.path.clear();
  request.raw_query.clear();
  if (!request.query.empty()) request.query = QueryParams{};
  request.body.clear();
  request.request_id.clear();
}

bool is_dot_segment(std::string_view segment) {
  return segment == "." || segment == "..";
}

// True when a decoded path has "." or ".." segments. Browsers resolve those
// before sending, so only probes for files outside the web root carry them.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (is_dot_segment(path.substr(start, end - start))) return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

// Fills path, raw_query and query from target. Returns false for a target
// that is not origin-form or absolute-form, a bad escape, an encoded NUL or a
// dot segment.
bool split_target(Request& request) {
  std::string_view target = request.target;
  if (!target.starts_with('/')) {
    // absolute-form (RFC 9112 3.2.2): keep only the path and query.
    const std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
    const std::size_t path_start = target.find_first_of("/?", scheme_end + 3);
    target = path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    if (target.starts_with('?')) return false;
  }
  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  if (raw_path.find('%') == std::string_view::npos) {
    request.path.assign(raw_path);
  } else {
    auto decoded = percent_decode(raw_path, false);
    if (!decoded) return false;
    request.path = std::move(*decoded);
  }
  if (has_dot_segment(request.path)) return false;
  if (question != std::string_view::npos) {
    request.raw_query.assign(target.substr(question + 1));
    if (!request.raw_query.empty()) {
      auto query = parse_query(request.raw_query);
      if (!query) return false;
      request.query = std::move(*query);
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Trace context (W3C traceparent).

using TraceId = std::array<char, 32>;
using SpanId = std::array<char, 16>;

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"; returns the trace id.
std::optional<std::string_view> trace_id_from(std::string_view traceparent) {
  if (traceparent.size() != 55 || !traceparent.starts_with("00-") || traceparent[35] != '-' ||
      traceparent[52] != '-') {
    return std::nullopt;
  }
  const std::string_view trace = traceparent.substr(3, 32);
  const std::string_view parent = traceparent.substr(36, 16);
  if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(traceparent.substr(53, 2))) {
    return std::nullopt;
  }
  if (all_zero(trace) || all_zero(parent)) return std::nullopt;
  return trace;
}

template <std::size_t N>
void fill_random_hex(std::array<char, N>& out, std::mt19937_64& random) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < N; i += 16) {
    std::uint64_t bits = random();
    if (bits == 0) bits = 1;  // an all-zero id is invalid
    for (std::size_t k = 0; k < 16 && i + k < N; ++k, bits >>= 4) out[i + k] = hex[bits & 0xF];
  }
}

// ---------------------------------------------------------------------------
// Clocks formatted once per second.

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10 % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

// The Date header line and the access-log timestamp prefix for the current
// second, recomputed only when the second changes.
class WallClock {
 public:
  std::string_view date_line() {
    refresh();
    return date_line_;
  }
  // "2026-11-22T02:40:00.123Z"
  void append_iso_timestamp(std::string& out) {
    const auto ms = refresh();
    out.append(iso_seconds_);
    out.push_back('.');
    out.push_back(static_cast<char>('0' + ms / 100));
    append_2(out, ms % 100);
    out.push_back('Z');
  }

 private:
  int refresh() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
    const std::time_t second = static_cast<std::time_t>(ms / 1000);
    if (second != second_) {
      second_ = second;
      std::tm utc{};
      gmtime_r(&second, &utc);
      const int year = utc.tm_year + 1900;
      date_line_.assign("Date: ");
      date_line_.append(kDays[static_cast<std::size_t>(utc.tm_wday)]).append(", ");
      append_2(date_line_, utc.tm_mday);
      date_line_.append(" ").append(kMonths[static_cast<std::size_t>(utc.tm_mon)]).append(" ");
      append_int(date_line_, static_cast<std::uint64_t>(year));
      date_line_.push_back(' ');
      append_2(date_line_, utc.tm_hour);
      date_line_.push_back(':');
      append_2(date_line_, utc.tm_min);
      date_line_.push_back(':');
      append_2(date_line_, utc.tm_sec);
      date_line_.append(" GMT\r\n");

      iso_seconds_.clear();
      append_int(iso_seconds_, static_cast<std::uint64_t>(year));
      iso_seconds_.push_back('-');
      append_2(iso_seconds_, utc.tm_mon + 1);
      iso_seconds_.push_back('-');
      append_2(iso_seconds_, utc.tm_mday);
      iso_seconds_.push_back('T');
      append_2(iso_seconds_, utc.tm_hour);
      iso_seconds_.push_back(':');
      append_2(iso_seconds_, utc.tm_min);
      iso_seconds_.push_back(':');
      append_2(iso_seconds_, utc.tm_sec);
    }
    return static_cast<int>(ms % 1000);
  }

  std::time_t second_ = -1;
  std::string date_line_;
  std::string iso_seconds_;
};

// ---------------------------------------------------------------------------
// Response heads.

bool has_no_body(int status) {
  return status < 200 || status == 204 || status == 304;
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Rejects header names and values that would break the framing of the
// response (CR, LF or NUL in a value: response splitting).
bool is_safe_header(const Header& h) {
  if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), is_token_char)) return false;
  return std::none_of(h.value.begin(), h.value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Headers the server owns: framing, and the security set it appends itself.
bool is_server_owned(std::string_view name, const std::vector<std::string>& security_names) {
  static constexpr std::array<std::string_view, 5> framing = {"content-length", "transfer-encoding",
                                                              "connection", "date", "keep-alive"};
  for (std::string_view owned : framing) {
    if (iequals(name, owned)) return true;
  }
  return std::any_of(security_names.begin(), security_names.end(),
                     [&](const std::string& owned) { return iequals(name, owned); });
}

bool starts_with_api(std::string_view target) {
  return target.starts_with("/api/");
}

// The answer the server gives by itself to requests it cannot hand to the
// handler: problem+json under /api/, plain text elsewhere.
Response server_answer(int status, std::string_view target, std::string_view detail) {
  Response response;
  response.status = status;
  if (starts_with_api(target)) {
    response.headers.push_back({"Content-Type", "application/problem+json"});
    response.body = "{\"type\":\"about:blank\",\"title\":";
    observe::append_json_string(response.body, reason_phrase(status));
    response.body.append(",\"status\":");
    append_int(response.body, static_cast<std::uint64_t>(status));
    response.body.append(",\"detail\":");
    observe::append_json_string(response.body, detail);
    response.body.push_back('}');
  } else {
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    append_int(response.body, static_cast<std::uint64_t>(status));
    response.body.append(" ").append(reason_phrase(status)).append("\n").append(detail).append("\n");
  }
  response.headers.push_back({"Cache-Control", "no-store"});
  if (status == 503) response.headers.push_back({"Retry-After", "1"});
  return response;
}

std::string_view detail_for(int status) {
  switch (status) {
    case 400:
      return "The request could not be understood.";
    case 408:
      return "The request did not arrive in time.";
    case 413:
      return "The request body is larger than this endpoint accepts.";
    case 431:
      return "The request header fields are too large.";
    case 503:
      return "The server is at its connection limit; retry in a moment.";
    case 505:
      return "Only HTTP/1.0 and HTTP/1.1 are supported.";
    default:
      return "";
  }
}

std::string_view buffer_text(const beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

// Beast parses HTTP/1.x only. A well-formed request line naming another major
// version ("PRI * HTTP/2.0") deserves 505 rather than 400.
bool names_other_http_version(std::string_view input) {
  std::string_view line = input.substr(0, input.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() < 10 || line[line.size() - 9] != ' ') return false;
  const std::string_view version = line.substr(line.size() - 8);
  const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  return version.starts_with("HTTP/") && digit(version[5]) && version[6] == '.' && digit(version[7]) &&
         version[5] != '1';
}

bool is_parse_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// ---------------------------------------------------------------------------
// Connections and workers.

enum class Phase : std::uint8_t { idle, header, body, handling, writing, lingering };

// One accepted socket, linked into its worker's list for the sweeper and for
// shutdown. Lives in the connection's coroutine frame.
struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  Phase phase = Phase::idle;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  Connection* prev = nullptr;
  Connection* next = nullptr;

  void enter(Phase p, Clock::time_point now, std::chrono::milliseconds limit) {
    phase = p;
    deadline = now + limit;
    timed_out = false;
  }
  void enter_until(Phase p, Clock::time_point until) {
    phase = p;
    deadline = until;
    timed_out = false;
  }
};

// What one exchange produced, for metrics and the access log.
struct Exchange {
  Method method = Method::other;
  int status = 0;
  std::size_t body_bytes = 0;
  std::string_view route;
  Clock::time_point started;
  TraceId trace{};
  SpanId span{};
};

// Closes after an answer that ends the connection. Input that already arrived
// is drained first: closing a socket with unread data sends a reset, which can
// destroy the answer before the client has read it.
void close_now(Connection& c) {
  error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  c.socket.non_blocking(true, ec);
  std::array<char, 4096> sink;
  for (int i = 0; i < 16 && !ec; ++i) c.socket.read_some(asio::buffer(sink), ec);
  c.socket.close(ec);
}

// The peer's address as text; IPv4 clients of a dual-stack listener appear
// as plain IPv4 rather than "::ffff:a.b.c.d".
std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  const auto address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

class Worker;

// State shared by all threads of one server.
struct ServerCore {
  ServerCore(ServerSettings s, RequestHandler& h, observe::Logger& l, observe::MetricsRegistry& m);
  ~ServerCore();

  void bind();
  void run();
  void stop();

  ServerSettings settings;
  RequestHandler& handler;
  observe::Logger& logger;
  observe::MetricsRegistry& metrics;
  std::string security_block;  // pre-formatted "Name: value\r\n" lines
  std::vector<std::string> security_names;
  std::chrono::milliseconds sweep_interval{100};

  observe::Gauge& in_flight;
  observe::Gauge& connections_open;
  observe::Counter& rejected_limit;
  observe::Counter& rejected_timeout;
  observe::Counter& rejected_too_large;
  observe::Counter& rejected_malformed;
  observe::Counter& rejected_version;

  std::atomic<std::size_t> open_connections{0};
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;
  bool bound = false;
  std::vector<std::unique_ptr<Worker>> workers;
};

// One thread's share of the server: its io_context, acceptor and connections.
// Everything here is used only by that thread, except `context` (post, stop).
class Worker {
 public:
  Worker(ServerCore& owner, std::size_t position)
      : server_(owner), index_(position), random_(std::random_device{}()) {}
  ~Worker() { destroying_ = true; }

  asio::io_context& context() { return context_; }
  std::optional<tcp::acceptor>& acceptor() { return acceptor_; }

  // Starts accepting, the sweeper and (on the first worker) signal handling.
  void start();
  // Stop accepting, close idle connections, let the others finish their
  // exchange; after drain_timeout close everything.
  void begin_drain();
  // Closes every connection now (drain timeout, second signal).
  void close_all();

 private:
  // Keeps the connection in the worker's list while its coroutine runs.
  class Registration {
   public:
    Registration(Worker& worker, Connection& c, bool counted);
    ~Registration();
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    Worker& worker_;
    Connection& c_;
    bool counted_;
  };

  template <class Task>
  void spawn(Task task);
  void check_drained();
  void arm_sweeper();
  void sweep();
  void flush_access_log();
  void wait_for_signal();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> reject(tcp::socket socket);
  asio::awaitable<void> answer_and_close(Connection& c, beast::flat_buffer& buffer, Request& request,
                                         std::string& head, Exchange& x, bool headers_valid);
  asio::awaitable<void> linger_close(Connection& c, beast::flat_buffer& buffer,
                                     std::chrono::milliseconds total);

  // Status for a failed read of the head or body; 0 means close silently.
  int status_for_read_error(const Connection& c, const error_code& ec, std::string_view unparsed);
  // Status for a parsed head that cannot be served; 0 when it can.
  int status_for_head(const RequestReader& reader, Request& request);
  Response call_handler(Request& request);
  void assign_trace(const Request& request, bool headers_valid, Exchange& x);
  void build_head(std::string& head, const Response& response, std::size_t content_length, bool keep_alive,
                  int version, const Exchange& x);
  void record(const Exchange& x, const Request& request, bool headers_valid);
  observe::Counter& requests_counter(std::string_view route, std::string_view method, int status);
  observe::Histogram& duration_histogram(std::string_view route);

  ServerCore& server_;
  const std::size_t index_;
  Connection* connections_ = nullptr;  // intrusive list of live connections
  bool stopping_ = false;              // this thread's view of the server stopping
  bool finished_ = false;
  bool destroying_ = false;
  WallClock clock_;
  std::mt19937_64 random_;
  // Access-log lines not yet written: one write per batch instead of one per
  // request (a write per line costs more than the rest of a small request).
  // Flushed when large, on every sweeper tick and when the worker finishes.
  std::string access_log_;
  std::string key_;
  // Metric series by label values, so the hot path takes no registry lock.
  std::unordered_map<std::string, observe::Counter*> request_counters_;
  std::unordered_map<std::string, observe::Histogram*> durations_;
  Clock::time_point last_accept_warning_{};
  // Declared after the state above and before the I/O objects: destroyed after
  // the I/O objects and before the state, so coroutine frames still pending in
  // it can unregister their connections.
  asio::io_context context_{1};
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::steady_timer> sweeper_;
  std::optional<asio::steady_timer> drain_timer_;
  std::optional<asio::signal_set> signals_;
};

// --- lifecycle --------------------------------------------------------------

Worker::Registration::Registration(Worker& worker, Connection& c, bool counted)
    : worker_(worker), c_(c), counted_(counted) {
  c.next = worker.connections_;
  if (c.next) c.next->prev = &c;
  worker.connections_ = &c;
  if (counted_) worker.server_.connections_open.add(1);
}

Worker::Registration::~Registration() {
  if (c_.prev) {
    c_.prev->next = c_.next;
  } else {
    worker_.connections_ = c_.next;
  }
  if (c_.next) c_.next->prev = c_.prev;
  if (counted_) {
    worker_.server_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    worker_.server_.connections_open.add(-1);
  }
  worker_.check_drained();
}

template <class Task>
void Worker::spawn(Task task) {
  asio::co_spawn(context_, std::move(task), [this](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      server_.logger.error("connection failed", {{"error", e.what()}});
    } catch (...) {
      server_.logger.error("connection failed", {{"error", "unknown exception"}});
    }
  });
}

void Worker::start() {
  spawn(accept_loop());
  sweeper_.emplace(context_);
  arm_sweeper();
  if (index_ == 0) {
    signals_.emplace(context_, SIGINT, SIGTERM);
    wait_for_signal();
  }
}

void Worker::wait_for_signal() {
  signals_->async_wait([this](const error_code& ec, int signal_number) {
    if (ec) return;
    if (!server_.stopping.load()) {
      server_.logger.info("signal received, draining", {{"signal", signal_number}});
      server_.stop();
    } else {
      // A second signal: the operator does not want to wait for the drain.
      server_.logger.warn("second signal, closing all connections", {{"signal", signal_number}});
      for (auto& worker : server_.workers)
        asio::post(worker->context(), [w = worker.get()] { w->close_all(); });
    }
    wait_for_signal();
  });
}

void Worker::begin_drain() {
  if (stopping_) return;
  stopping_ = true;
  error_code ec;
  if (acceptor_) acceptor_->close(ec);
  for (Connection* c = connections_; c; c = c->next) {
    if (c->phase == Phase::idle) c->socket.cancel(ec);
  }
  drain_timer_.emplace(context_, server_.settings.drain_timeout);
  drain_timer_->async_wait([this](const error_code& wait_error) {
    if (wait_error || finished_) return;
    server_.logger.warn("drain timeout, closing remaining connections");
    close_all();
  });
  check_drained();
}

void Worker::close_all() {
  error_code ec;
  for (Connection* c = connections_; c; c = c->next) c->socket.close(ec);
}

void Worker::check_drained() {
  if (!stopping_ || finished_ || destroying_ || connections_ != nullptr) return;
  finished_ = true;
  flush_access_log();
  context_.stop();
}

void Worker::arm_sweeper() {
  sweeper_->expires_after(server_.sweep_interval);
  sweeper_->async_wait([this](const error_code& ec) {
    if (ec || finished_) return;
    sweep();
    arm_sweeper();
  });
}

void Worker::flush_access_log() {
  if (access_log_.empty()) return;
  server_.logger.write_line(access_log_);
  access_log_.clear();
}

void Worker::sweep() {
  flush_access_log();
  const auto now = Clock::now();
  for (Connection* c = connections_; c; c = c->next) {
    if (!c->timed_out && c->deadline <= now) {
      c->timed_out = true;
      error_code ec;
      c->socket.cancel(ec);
    }
  }
}

// --- accepting --------------------------------------------------------------

asio::awaitable<void> Worker::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(kAwait);
    if (stopping_) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
          ec == asio::error::no_memory) {
        // Out of file descriptors: back off instead of spinning on accept.
        const auto now = Clock::now();
        if (now - last_accept_warning_ > std::chrono::seconds(1)) {
          last_accept_warning_ = now;
          server_.logger.warn("accept failed", {{"error", ec.message()}});
        }
        asio::steady_timer pause(context_, std::chrono::milliseconds(50));
        co_await pause.async_wait(kAwait);
      }
      continue;
    }
    if (server_.open_connections.fetch_add(1, std::memory_order_relaxed) >=
        server_.settings.max_connections) {
      server_.open_connections.fetch_sub(1, std::memory_order_relaxed);
      server_.rejected_limit.inc();
      spawn(reject(std::move(socket)));
      continue;
    }
    spawn(serve(std::move(socket)));
  }
}

asio::awaitable<void> Worker::reject(tcp::socket socket) {
  Connection c(std::move(socket));
  Registration registration(*this, c, false);
  Exchange x;
  x.started = Clock::now();
  assign_trace(Request{}, false, x);
  const Response response = server_answer(503, {}, detail_for(503));
  std::string head;
  build_head(head, response, response.body.size(), false, 11, x);
  c.enter(Phase::writing, Clock::now(), server_.settings.write_timeout);
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head), asio::buffer(response.body)};
  auto [ec, n] = co_await asio::async_write(c.socket, buffers, kAwait);
  if (ec) co_return;
  beast::flat_buffer sink;
  co_await linger_close(c, sink, std::chrono::milliseconds(500));
}

// --- one connection ---------------------------------------------------------

asio::awaitable<void> Worker::serve(tcp::socket socket) {
  Connection c(std::move(socket));
  Registration registration(*this, c, true);
  const ServerSettings& settings = server_.settings;
  error_code ec;
  c.socket.set_option(tcp::no_delay(true), ec);

  Request request;
  request.remote_address = peer_address(c.socket);
  beast::flat_buffer buffer;
  std::string head;
  bool first = true;

  for (;;) {
    // Wait for the first byte of the next request: the idle phase.
    if (buffer.size() == 0) {
      if (stopping_) break;
      if (buffer.capacity() > 64 * 1024) buffer.shrink_to_fit();  // after a large body
      // A new connection gets the head timeout: silence is a slow-loris too.
      c.enter(Phase::idle, Clock::now(), first ? settings.header_timeout : settings.idle_timeout);
      auto [read_error, n] = co_await c.socket.async_read_some(buffer.prepare(kReadChunk), kAwait);
      if (read_error) break;  // closed, reset, idle timeout or shutdown: nothing to answer
      buffer.commit(n);
    }
    first = false;

    Exchange x;
    x.started = Clock::now();
    reset_request(request);
    RequestReader reader(request);
    reader.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(settings.max_header_bytes, UINT32_MAX)));
    // Content-Length is checked against the route's limit once the path is
    // known; Beast would otherwise refuse it against its own default.
    reader.body_limit(boost::none);

    c.enter(Phase::header, x.started, settings.header_timeout);
    auto [head_error, head_bytes] = co_await http::async_read_header(c.socket, buffer, reader, kAwait);
    int refusal = head_error ? status_for_read_error(c, head_error, buffer_text(buffer))
                             : status_for_head(reader, request);
    if (head_error && refusal == 0) break;
    const bool headers_valid = !head_error;

    if (refusal == 0 && !reader.is_done()) {
      const std::size_t limit = server_.handler.body_limit(request.method, request.path);
      const auto length = reader.content_length();
      if (length && *length > limit) {
        refusal = 413;
        server_.rejected_too_large.inc();
      } else {
        reader.body_limit(limit);
        if (reader.expects_continue() && reader.version() >= 11) {
          c.enter(Phase::writing, Clock::now(), settings.write_timeout);
          auto [write_error, w] = co_await asio::async_write(c.socket, asio::buffer(kContinue), kAwait);
          if (write_error) break;
        }
        c.enter(Phase::body, Clock::now(), settings.body_timeout);
        auto [body_error, body_bytes] = co_await http::async_read(c.socket, buffer, reader, kAwait);
        if (body_error) {
          refusal = status_for_read_error(c, body_error, {});
          if (refusal == 0) break;
        }
      }
    }
    if (refusal != 0) {
      x.status = refusal;
      co_await answer_and_close(c, buffer, request, head, x, headers_valid);
      co_return;
    }

    x.method = request.method;
    assign_trace(request, true, x);
    request.request_id.assign(x.trace.data(), x.trace.size());
    c.enter_until(Phase::handling, Clock::time_point::max());
    server_.in_flight.add(1);
    Response response = call_handler(request);
    if (response.status < 200 || response.status > 599) response.status = 500;
    x.status = response.status;
    x.route = response.route;
    const bool keep_alive = reader.keep_alive() && !server_.stopping.load(std::memory_order_relaxed);
    const std::string_view body = has_no_body(response.status) ? std::string_view{} : response.body_view();
    const bool send_body = x.method != Method::head;
    build_head(head, response, body.size(), keep_alive, reader.version(), x);

    c.enter(Phase::writing, Clock::now(), settings.write_timeout);
    const std::array<asio::const_buffer, 2> buffers = {
        asio::buffer(head), asio::const_buffer(body.data(), send_body ? body.size() : 0)};
    auto [write_error, written] = co_await asio::async_write(c.socket, buffers, kAwait);
    server_.in_flight.add(-1);
    x.body_bytes = send_body ? body.size() : 0;
    record(x, request, true);
    if (write_error) break;
    if (!keep_alive) {
      close_now(c);
      break;
    }
  }
}

asio::awaitable<void> Worker::answer_and_close(Connection& c, beast::flat_buffer& buffer, Request& request,
                                               std::string& head, Exchange& x, bool headers_valid) {
  // A head that failed half-way may leave fields of an earlier request behind.
  if (!headers_valid) request.headers.clear();
  x.method = request.method;
  assign_trace(request, headers_valid, x);
  const Response response = server_answer(x.status, request.target, detail_for(x.status));
  build_head(head, response, response.body.size(), false, 11, x);
  c.enter(Phase::writing, Clock::now(), server_.settings.write_timeout);
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head), asio::buffer(response.body)};
  auto [ec, n] = co_await asio::async_write(c.socket, buffers, kAwait);
  x.body_bytes = response.body.size();
  record(x, request, headers_valid);
  if (ec) co_return;
  if (x.status == 408) {
    // The client is slow on purpose or broken: do not wait for it any longer.
    close_now(c);
  } else {
    co_await linger_close(c, buffer, kLingerTotal);
  }
}

asio::awaitable<void> Worker::linger_close(Connection& c, beast::flat_buffer& buffer,
                                           std::chrono::milliseconds total) {
  error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  const auto until = Clock::now() + total;
  for (;;) {
    buffer.clear();
    const auto now = Clock::now();
    if (now >= until) break;
    c.enter_until(Phase::lingering, std::min(until, now + kLingerQuiet));
    auto [read_error, n] = co_await c.socket.async_read_some(buffer.prepare(kReadChunk), kAwait);
    if (read_error) break;
  }
  c.socket.close(ec);
}

int Worker::status_for_read_error(const Connection& c, const error_code& ec, std::string_view unparsed) {
  if (c.timed_out) {
    if (c.phase == Phase::header || c.phase == Phase::body) {
      server_.rejected_timeout.inc();
      return 408;
    }
    return 0;
  }
  if (ec == http::error::header_limit || ec == http::error::body_limit) {
    server_.rejected_too_large.inc();
    return ec == http::error::header_limit ? 431 : 413;
  }
  if (ec == http::error::bad_version && names_other_http_version(unparsed)) {
    server_.rejected_version.inc();
    return 505;
  }
  if (is_parse_error(ec)) {
    server_.rejected_malformed.inc();
    return 400;
  }
  return 0;
}

int Worker::status_for_head(const RequestReader& reader, Request& request) {
  if (reader.version() / 10 != 1) {
    server_.rejected_version.inc();
    return 505;
  }
  // RFC 9112 3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
  const bool host_ok = reader.version() == 10 ? reader.host_count() <= 1 : reader.host_count() == 1;
  if (!host_ok || !split_target(request)) {
    server_.rejected_malformed.inc();
    return 400;
  }
  return 0;
}

Response Worker::call_handler(Request& request) {
  try {
    return server_.handler.handle(request);
  } catch (const std::exception& e) {
    server_.logger.error("handler threw", {{"error", e.what()}, {"request_id", request.request_id}});
  } catch (...) {
    server_.logger.error("handler threw",
                         {{"error", "unknown exception"}, {"request_id", request.request_id}});
  }
  return server_answer(500, request.target, "The server could not complete the request.");
}

void Worker::assign_trace(const Request& request, bool headers_valid, Exchange& x) {
  std::optional<std::string_view> incoming;
  if (headers_valid) {
    if (auto traceparent = request.header("traceparent")) incoming = trace_id_from(*traceparent);
  }
  if (incoming) {
    std::copy(incoming->begin(), incoming->end(), x.trace.begin());
  } else {
    fill_random_hex(x.trace, random_);
  }
  fill_random_hex(x.span, random_);
}

void Worker::build_head(std::string& head, const Response& response, std::size_t content_length,
                        bool keep_alive, int version, const Exchange& x) {
  head.clear();
  head.append("HTTP/1.1 ");
  append_int(head, static_cast<std::uint64_t>(response.status));
  head.push_back(' ');
  head.append(reason_phrase(response.status));
  head.append("\r\n");
  head.append(clock_.date_line());
  if (!has_no_body(response.status)) {
    head.append("Content-Length: ");
    append_int(head, content_length);
    head.append("\r\n");
  }
  if (!keep_alive) {
    head.append("Connection: close\r\n");
  } else if (version == 10) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append(server_.security_block);
  head.append("traceparent: 00-").append(x.trace.data(), x.trace.size()).push_back('-');
  head.append(x.span.data(), x.span.size()).append("-01\r\n");
  head.append("X-Request-Id: ").append(x.trace.data(), x.trace.size()).append("\r\n");
  for (const Header& h : response.headers) {
    if (is_server_owned(h.name, server_.security_names) || !is_safe_header(h)) continue;
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  head.append("\r\n");
}

// --- metrics and access log -------------------------------------------------

observe::Counter& Worker::requests_counter(std::string_view route, std::string_view method, int status) {
  key_.assign(route);
  key_.push_back(' ');
  key_.append(method);
  key_.push_back(' ');
  append_int(key_, static_cast<std::uint64_t>(status));
  auto it = request_counters_.find(key_);
  if (it == request_counters_.end()) {
    observe::Counter& counter = server_.metrics.counter(
        "http_requests_total", "HTTP requests answered, by route pattern, method and status.",
        {{"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}});
    it = request_counters_.emplace(key_, &counter).first;
  }
  return *it->second;
}

observe::Histogram& Worker::duration_histogram(std::string_view route) {
  key_.assign(route);
  auto it = durations_.find(key_);
  if (it == durations_.end()) {
    observe::Histogram& histogram = server_.metrics.histogram(
        "http_request_duration_seconds",
        "Time from the first byte of a request to the last byte of its answer.",
        observe::MetricsRegistry::latency_buckets(), {{"route", std::string(route)}});
    it = durations_.emplace(key_, &histogram).first;
  }
  return *it->second;
}

void Worker::record(const Exchange& x, const Request& request, bool headers_valid) {
  const double seconds = std::chrono::duration<double>(Clock::now() - x.started).count();
  const std::string_view route = x.route.empty() ? std::string_view("unmatched") : x.route;
  const std::string_view method = method_name(x.method);
  requests_counter(route, method, x.status).inc();
  duration_histogram(route).observe(seconds);
  if (!server_.settings.access_log) return;

  // The path only: query strings may carry personal data.
  const std::string_view path = !request.path.empty()
                                    ? std::string_view(request.path)
                                    : std::string_view(request.target).substr(0, request.target.find('?'));
  std::string_view user_agent;
  if (headers_valid) user_agent = request.header("user-agent").value_or(std::string_view{});

  std::string& line = access_log_;  // appended to the pending batch
  line.append("{\"ts\":\"");
  clock_.append_iso_timestamp(line);
  line.append("\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"");
  line.append(x.trace.data(), x.trace.size());
  line.append("\",\"method\":\"").append(method).append("\",\"path\":");
  observe::append_json_string(line, path);
  line.append(",\"route\":");
  observe::append_json_string(line, route);
  line.append(",\"status\":");
  append_int(line, static_cast<std::uint64_t>(x.status));
  line.append(",\"bytes\":");
  append_int(line, x.body_bytes);
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
  if (line.size() >= kAccessLogBatch) flush_access_log();
}

// --- the server -------------------------------------------------------------

ServerCore::ServerCore(ServerSettings s, RequestHandler& h, observe::Logger& l, observe::MetricsRegistry& m)
    : settings(std::move(s)),
      handler(h),
      logger(l),
      metrics(m),
      in_flight(m.gauge("http_requests_in_flight", "Requests being handled or written.")),
      connections_open(m.gauge("http_connections_open", "Open client connections.")),
      rejected_limit(m.counter("http_connections_rejected_total",
                               "Connections or requests refused by the server itself, by reason.",
                               {{"reason", "limit"}})),
      rejected_timeout(m.counter("http_connections_rejected_total",
                                 "Connections or requests refused by the server itself, by reason.",
                                 {{"reason", "timeout"}})),
      rejected_too_large(m.counter("http_connections_rejected_total",
                                   "Connections or requests refused by the server itself, by reason.",
                                   {{"reason", "too_large"}})),
      rejected_malformed(m.counter("http_connections_rejected_total",
                                   "Connections or requests refused by the server itself, by reason.",
                                   {{"reason", "malformed"}})),
      rejected_version(m.counter("http_connections_rejected_total",
                                 "Connections or requests refused by the server itself, by reason.",
                                 {{"reason", "version"}})) {
  for (const Header& header : security_headers(settings.behind_tls)) {
    security_block.append(header.name).append(": ").append(header.value).append("\r\n");
    security_names.push_back(header.name);
  }
  // The sweeper's period bounds how late a timeout fires: a twentieth of the
  // shortest timeout, between 10 and 100 ms.
  const auto shortest = std::min(
      {settings.header_timeout, settings.body_timeout, settings.idle_timeout, settings.write_timeout});
  sweep_interval = std::clamp(shortest / 20, std::chrono::milliseconds(10), std::chrono::milliseconds(100));
  const unsigned threads = settings.threads > 0 ? static_cast<unsigned>(settings.threads)
                                                : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(*this, i));
}

ServerCore::~ServerCore() = default;

void ServerCore::bind() {
  if (bound) return;
  error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(settings.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, settings.port);
  } else {
    tcp::resolver resolver(workers.front()->context());
    const auto results = resolver.resolve(settings.host, std::to_string(settings.port), ec);
    if (ec || results.empty()) {
      throw std::runtime_error("cannot resolve listen address " + settings.host + ": " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  const auto fail = [&](std::string_view step) {
    throw std::runtime_error("cannot listen on " + settings.host + ":" + std::to_string(endpoint.port()) +
                             " (" + std::string(step) + "): " + ec.message());
  };
  for (std::size_t i = 0; i < workers.size(); ++i) {
    auto& acceptor = workers[i]->acceptor().emplace(workers[i]->context());
    acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("socket");
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    // Each thread has its own listening socket on the same port; the kernel
    // spreads new connections across them.
    const int on = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
      ec = error_code(errno, boost::system::system_category());
      fail("SO_REUSEPORT");
    }
    endpoint.port(i == 0 ? settings.port : bound_port);
    acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
    if (i == 0) bound_port = acceptor.local_endpoint().port();
  }
  bound = true;
}

void ServerCore::run() {
  bind();
  for (auto& worker : workers) worker->start();
  logger.info("listening", {{"host", settings.host},
                            {"port", static_cast<int>(bound_port)},
                            {"threads", static_cast<int>(workers.size())}});
  const auto run_worker = [this](Worker& worker) {
    for (;;) {
      try {
        worker.context().run();
        return;
      } catch (const std::exception& e) {
        // A handler escaped its own error handling; keep the thread serving.
        logger.error("io thread error", {{"error", e.what()}});
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers.size(); ++i) threads.emplace_back(run_worker, std::ref(*workers[i]));
  run_worker(*workers.front());
  for (auto& thread : threads) thread.join();
  logger.info("server stopped");
}

void ServerCore::stop() {
  if (stopping.exchange(true)) return;
  for (auto& worker : workers) asio::post(worker->context(), [w = worker.get()] { w->begin_drain(); });
}

}  // namespace

struct Server::Impl {
  Impl(ServerSettings settings, RequestHandler& handler, observe::Logger& logger,
       observe::MetricsRegistry& metrics)
      : core(std::move(settings), handler, logger, metrics) {}
  ServerCore core;
};

Server::Server(ServerSettings settings, RequestHandler& handler, observe::Logger& logger,
               observe::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), handler, logger, metrics)) {}

Server::~Server() = default;

void Server::bind() {
  impl_->core.bind();
}
std::uint16_t Server::port() const {
  return impl_->core.bound_port;
}
void Server::run() {
  impl_->core.run();
}
void Server::stop() {
  impl_->core.stop();
}

}  // namespace iv::web
