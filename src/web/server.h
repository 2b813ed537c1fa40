// The HTTP/1.1 server: Boost.Beast over Asio with C++20 coroutines, one
// io_context per thread, each with its own SO_REUSEPORT acceptor.
//
// Guarantees: keep-alive and pipelining (requests on one connection are
// answered in order), HEAD answered without a body, limits on header size
// (431), body size per route (413), header-read and idle timeouts (408 /
// close; slow-loris safe), a connection cap (503 then close), and graceful
// shutdown: stop() stops accepting, lets in-flight requests finish (up to
// `drain_timeout`), then run() returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "web/http.h"
#include "web/router.h"

namespace iv::observe {
class Logger;
class MetricsRegistry;
}  // namespace iv::observe

namespace iv::web {

// What the handler answers when a streaming route's head has arrived.
struct StreamOpening {
  StreamResult result;
  std::string_view route;  // pattern, for metrics and logs
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Largest body accepted for this request line (called after headers are read).
  virtual std::size_t body_limit(Method method, std::string_view path) const = 0;
  // For a streaming route (Router::add_stream) with this request's method and
  // path: the consumer of the body, or the Response refusing it, and the
  // route's label. nullopt for other routes, whose body is read whole before
  // handle() is called. Called only for methods that carry a body (not GET,
  // HEAD). Must not throw.
  virtual std::optional<StreamOpening> open_stream(Request& request) {
    (void)request;
    return std::nullopt;
  }
  // Produces the response. Must not throw (the dispatcher turns exceptions into 500).
  // Response::headers must not contain Content-Length, Connection or Date.
  virtual Response handle(Request& request) = 0;
};

struct ServerSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int threads = 0;            // 0: one per core
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{10000};  // whole request head must arrive within this
  std::chrono::milliseconds body_timeout{30000};    // whole body, after the head
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds drain_timeout{10000};  // graceful shutdown limit
  bool access_log = true;
  bool behind_tls = false;  // adds Strict-Transport-Security
};

class Server {
 public:
  Server(ServerSettings settings, RequestHandler& handler, observe::Logger& logger,
         observe::MetricsRegistry& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening sockets; throws std::runtime_error on failure.
  void bind();
  // Port actually bound (after bind()).
  std::uint16_t port() const;
  // Serves until stop() or SIGINT/SIGTERM; returns after draining.
  void run();
  // Thread-safe; may be called from a signal handler context via the server's own signal set.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iv::web
