// Maps (method, path) to a handler. Patterns are literal segments and
// "{name}" placeholders that match exactly one non-empty segment:
//   router.add(Method::get, "/services/{slug}", handler, {.cacheable = true});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "web/http.h"

namespace iv::web {

class RouteParams {
 public:
  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  // Value of placeholder `name`; empty when the pattern has no such placeholder.
  std::string_view get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

using Handler = std::function<Response(const Request&, const RouteParams&)>;

// Receives a request body piece by piece, for bodies too large to hold in
// memory (dataset uploads: tus PATCH, multipart form posts). The server never
// buffers such a body whole; memory stays bounded by its read buffer.
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // The next piece of the body, in order. Runs on the server's I/O thread:
  // keep it short (a write to a file is fine, an fsync is not). Return false
  // to stop reading early (the consumer has decided to refuse the body);
  // finish(false) follows at once.
  virtual bool consume(std::string_view chunk) = 0;
  // Called exactly once. `complete` is true when the whole body arrived, false
  // when the client went away or stalled past the body inactivity timeout, or
  // consume() returned false. The returned response is sent when the
  // connection is still usable; it may be pending (Response::pending) so that
  // slow work (fsync, database commit) runs off the I/O thread. After an
  // incomplete body the connection is closed once the answer is written.
  virtual Response finish(bool complete) = 0;
};

// Called once the request head is known (Request::body is empty). Returns a
// consumer for the body, or a Response to refuse it without reading it
// (401, 404, 409, 413, 415, ...): the server then answers and closes the
// connection. A request without a body still gets a consumer, whose finish(true)
// is called at once.
using StreamResult = std::variant<std::unique_ptr<BodyConsumer>, Response>;
using StreamHandler = std::function<StreamResult(const Request&, const RouteParams&)>;

struct RouteOptions {
  // GET responses with status 200 are stored in the response cache
  // (keyed by path and the declared query parameters), compressed once and
  // served with ETag / 304 until content changes.
  bool cacheable = false;
  // Query parameters the handler reads; others are dropped from the cache key
  // and from the Request the handler sees, so junk parameters cannot grow the cache.
  std::vector<std::string> query_params;
  // Largest request body accepted; bigger bodies are refused with 413.
  // For streaming routes (Router::add_stream) this is checked against
  // Content-Length and against the bytes actually received.
  std::size_t max_body_bytes = 64 * 1024;
  // "html" routes answer errors with HTML pages, "api" routes with problem+json.
  enum class Kind { html, api, plain } kind = Kind::html;
};

struct Route {
  Method method;
  std::string pattern;  // also the route label in metrics and logs
  RouteOptions options;
  Handler handler;       // empty for streaming routes
  StreamHandler stream;  // set only for streaming routes
};

class Router {
 public:
  // Adds a route. A GET route also answers HEAD.
  void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
  // Adds a route whose body streams into a BodyConsumer (never cacheable).
  // The server's body timeout for such a route is an inactivity timeout
  // (no byte for that long), not a limit on the whole body.
  void add_stream(Method method, std::string pattern, StreamHandler stream, RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;  // null when nothing matched
    RouteParams params;
    // Set when the path matched some route but not with this method (405).
    std::vector<Method> allowed_methods;
  };
  Match match(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace iv::web
