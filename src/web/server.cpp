// HTTP/1.1 server: one io_context and one SO_REUSEPORT acceptor per thread,
// one coroutine per connection. Timeouts are enforced by a per-thread
// deadline sweeper (see connection.h).
//
// The pieces live beside this file: http_reader (parsing into Request),
// request_line (target and version checks), response_writer (heads and the
// server's own answers), trace_context, wall_clock (Date), connection
// (phases, deadlines, closing) and exchange_log (metrics, access log).
#include "web/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/connection.h"
#include "web/exchange_log.h"
#include "web/http_reader.h"
#include "web/request_line.h"
#include "web/response_writer.h"
#include "web/security_headers.h"
#include "web/trace_context.h"
#include "web/wall_clock.h"

namespace iv::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Phase = ConnectionPhase;
using boost::system::error_code;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 4096;
// Lingering close: after an error answer, unread input is drained for a short
// while so that closing does not send a reset that destroys the answer in
// flight to the client.
constexpr auto kLingerTotal = std::chrono::milliseconds(2000);
constexpr auto kLingerQuiet = std::chrono::milliseconds(300);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view buffer_text(const beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

// ---------------------------------------------------------------------------
// Connections and workers.

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
  const ResponseHeadWriter head_writer;  // with the security headers
  const std::chrono::milliseconds sweep_interval;

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
      : server_(owner),
        index_(position),
        random_(std::random_device{}()),
        recorder_(owner.metrics, owner.logger, clock_, owner.settings.access_log) {}
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
  void wait_for_signal();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> reject(tcp::socket socket);
  // Reads a streaming route's body into its consumer and answers. Returns
  // false when the connection is finished with.
  asio::awaitable<bool> serve_stream(Connection& c, beast::flat_buffer& buffer, RequestReader& reader,
                                     Request& request, std::string& head, Exchange& x, StreamResult opened);
  // "100 Continue" when the client asked for it; false when the write failed.
  asio::awaitable<bool> send_continue(Connection& c, const RequestReader& reader);
  // Writes the head and body and records the exchange; false on a write error.
  asio::awaitable<bool> write_response(Connection& c, const Request& request, std::string& head, Exchange& x,
                                       Response& response, int version, bool keep_alive);
  asio::awaitable<void> answer_and_close(Connection& c, beast::flat_buffer& buffer, Request& request,
                                         std::string& head, Exchange& x, bool headers_valid);
  asio::awaitable<void> linger_close(Connection& c, beast::flat_buffer& buffer,
                                     std::chrono::milliseconds total);

  // Status for a failed read of the head or body; 0 means close silently.
  int status_for_read_error(const Connection& c, const error_code& ec, std::string_view unparsed);
  // Status for a parsed head that cannot be served; 0 when it can.
  int status_for_head(const RequestReader& reader, Request& request);
  Response call_handler(Request& request);
  // Suspends the connection (not the thread) until a deferred response arrives.
  static asio::awaitable<Response> await_pending(std::shared_ptr<PendingResponse> pending);
  void assign_trace(const Request& request, bool headers_valid, Exchange& x);
  void build_head(std::string& head, const Response& response, std::size_t content_length, bool keep_alive,
                  int version, const Exchange& x);

  ServerCore& server_;
  const std::size_t index_;
  ConnectionList connections_;
  bool stopping_ = false;  // this thread's view of the server stopping
  bool finished_ = false;
  bool destroying_ = false;
  WallClock clock_;
  std::mt19937_64 random_;
  // Its access-log batch is flushed when large, on every sweeper tick and
  // when the worker finishes.
  ExchangeRecorder recorder_;
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
  worker.connections_.add(c);
  if (counted_) worker.server_.connections_open.add(1);
}

Worker::Registration::~Registration() {
  worker_.connections_.remove(c_);
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
  connections_.cancel_idle();
  drain_timer_.emplace(context_, server_.settings.drain_timeout);
  drain_timer_->async_wait([this](const error_code& wait_error) {
    if (wait_error || finished_) return;
    server_.logger.warn("drain timeout, closing remaining connections");
    close_all();
  });
  check_drained();
}

void Worker::close_all() {
  connections_.close_all();
}

void Worker::check_drained() {
  if (!stopping_ || finished_ || destroying_ || !connections_.empty()) return;
  finished_ = true;
  recorder_.flush();
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

void Worker::sweep() {
  recorder_.flush();
  connections_.cancel_expired(Clock::now());
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

    if (refusal == 0 && request.method != Method::get && request.method != Method::head) {
      if (auto opening = server_.handler.open_stream(request)) {
        x.method = request.method;
        assign_trace(request, true, x);
        request.request_id.assign(x.trace.trace_id.data(), x.trace.trace_id.size());
        x.route = opening->route;
        if (!co_await serve_stream(c, buffer, reader, request, head, x, std::move(opening->result)))
          co_return;
        continue;
      }
    }

    if (refusal == 0 && !reader.is_done()) {
      const std::size_t limit = server_.handler.body_limit(request.method, request.path);
      const auto length = reader.content_length();
      if (length && *length > limit) {
        refusal = 413;
        server_.rejected_too_large.inc();
      } else {
        reader.body_limit(limit);
        if (!co_await send_continue(c, reader)) break;
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
    request.request_id.assign(x.trace.trace_id.data(), x.trace.trace_id.size());
    c.enter_until(Phase::handling, Clock::time_point::max());
    server_.in_flight.add(1);
    Response response = call_handler(request);
    if (response.pending) response = co_await await_pending(std::move(response.pending));
    x.route = response.route;
    const bool keep_alive = reader.keep_alive() && !server_.stopping.load(std::memory_order_relaxed);
    const bool written = co_await write_response(c, request, head, x, response, reader.version(), keep_alive);
    server_.in_flight.add(-1);
    if (!written) break;
    if (!keep_alive) {
      close_now(c);
      break;
    }
  }
}

asio::awaitable<bool> Worker::send_continue(Connection& c, const RequestReader& reader) {
  if (!reader.expects_continue() || reader.version() < 11) co_return true;
  c.enter(Phase::writing, Clock::now(), server_.settings.write_timeout);
  auto [write_error, written] = co_await asio::async_write(c.socket, asio::buffer(kContinue), kAwait);
  co_return !write_error;
}

asio::awaitable<bool> Worker::write_response(Connection& c, const Request& request, std::string& head,
                                             Exchange& x, Response& response, int version, bool keep_alive) {
  if (response.status < 200 || response.status > 599) response.status = 500;
  x.status = response.status;
  const std::string_view body = has_no_body(response.status) ? std::string_view{} : response.body_view();
  const bool send_body = x.method != Method::head;
  build_head(head, response, body.size(), keep_alive, version, x);
  c.enter(Phase::writing, Clock::now(), server_.settings.write_timeout);
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head), asio::const_buffer(body.data(), send_body ? body.size() : 0)};
  auto [write_error, written] = co_await asio::async_write(c.socket, buffers, kAwait);
  x.body_bytes = send_body ? body.size() : 0;
  recorder_.record(x, request, true);
  co_return !write_error;
}

asio::awaitable<bool> Worker::serve_stream(Connection& c, beast::flat_buffer& buffer, RequestReader& reader,
                                           Request& request, std::string& head, Exchange& x,
                                           StreamResult opened) {
  if (auto* refusal = std::get_if<Response>(&opened)) {
    // Refused before reading the body: answer, then close (the unread body
    // would otherwise be taken for the next request).
    co_await write_response(c, request, head, x, *refusal, reader.version(), false);
    co_await linger_close(c, buffer, kLingerTotal);
    co_return false;
  }
  std::unique_ptr<BodyConsumer> consumer = std::move(std::get<std::unique_ptr<BodyConsumer>>(opened));
  const std::size_t limit = server_.handler.body_limit(request.method, request.path);
  const auto length = reader.content_length();
  bool complete = reader.is_done();
  int failure = 0;  // server answer when the body could not be read
  if (length && *length > limit) {
    failure = 413;
    server_.rejected_too_large.inc();
  } else if (!complete) {
    reader.body_limit(limit);
    reader.stream_body_to(consumer.get());
    if (!co_await send_continue(c, reader)) co_return false;
    // An inactivity timeout, not a limit on the whole body: a large upload on
    // a slow line is fine as long as bytes keep coming.
    while (!reader.is_done()) {
      c.enter(Phase::body, Clock::now(), server_.settings.body_timeout);
      auto [read_error, n] = co_await http::async_read_some(c.socket, buffer, reader, kAwait);
      if (!read_error) continue;
      if (!reader.consumer_refused()) {
        failure = read_error == http::error::body_limit ? 413 : status_for_read_error(c, read_error, {});
        if (failure == 413) server_.rejected_too_large.inc();
      }
      break;
    }
    complete = reader.is_done();
  }

  c.enter_until(Phase::handling, Clock::time_point::max());
  server_.in_flight.add(1);
  Response response;
  try {
    response = consumer->finish(complete);
  } catch (const std::exception& e) {
    server_.logger.error("body consumer threw", {{"error", e.what()}, {"request_id", request.request_id}});
    response = server_answer(500, request.target, "The server could not complete the request.");
  }
  consumer.reset();
  if (response.pending) response = co_await await_pending(std::move(response.pending));
  server_.in_flight.add(-1);
  if (failure != 0) response = server_answer(failure, request.target, detail_for(failure));
  response.route = x.route;
  if (!complete && failure == 0 && !reader.consumer_refused()) {
    // The client went away or stalled: nobody to answer.
    x.status = 499;
    recorder_.record(x, request, true);
    close_now(c);
    co_return false;
  }
  const bool keep_alive =
      complete && reader.keep_alive() && !server_.stopping.load(std::memory_order_relaxed);
  const bool written = co_await write_response(c, request, head, x, response, reader.version(), keep_alive);
  if (!written) co_return false;
  if (!keep_alive) {
    co_await linger_close(c, buffer, kLingerTotal);
    co_return false;
  }
  co_return true;
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
  recorder_.record(x, request, headers_valid);
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

asio::awaitable<Response> Worker::await_pending(std::shared_ptr<PendingResponse> pending) {
  auto executor = co_await asio::this_coro::executor;
  // A named local, not a lambda written inside the co_await expression: g++ 12
  // destroys such a temporary twice (heap corruption under load).
  auto initiation = [pending = std::move(pending), executor](auto handler) {
    // std::function needs a copyable callable; the completion handler is move-only.
    auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
    pending->on_ready([shared_handler, executor](Response response) {
      // The producer may be any thread: resume the coroutine on its own I/O thread.
      asio::post(executor, [shared_handler, response = std::move(response)]() mutable {
        (*shared_handler)(std::move(response));
      });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      std::move(initiation), asio::use_awaitable);
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
  if (headers_valid) incoming = request.header("traceparent");
  x.trace = next_trace_context(incoming, random_);
}

void Worker::build_head(std::string& head, const Response& response, std::size_t content_length,
                        bool keep_alive, int version, const Exchange& x) {
  server_.head_writer.write(head, response, {content_length, keep_alive, version}, clock_.date_line(),
                            x.trace);
}
// --- the server -------------------------------------------------------------

ServerCore::ServerCore(ServerSettings s, RequestHandler& h, observe::Logger& l, observe::MetricsRegistry& m)
    : settings(std::move(s)),
      handler(h),
      logger(l),
      metrics(m),
      head_writer(security_headers(settings.behind_tls)),
      sweep_interval(sweep_period(settings)),
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
