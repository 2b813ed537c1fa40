// The application's request handler: static assets, the response cache, the
// router, error pages and problem documents. Everything between the server
// (bytes) and the handlers (pages, API) that is common to all routes.
//
// Cacheable GET routes are rendered once per content generation; every later
// request is a map lookup plus ETag / gzip variant selection.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "web/response_cache.h"
#include "web/router.h"
#include "web/server.h"

namespace iv::observe {
class Logger;
class MetricsRegistry;
class Counter;
}  // namespace iv::observe

namespace iv::web {

class StaticAssets;

struct ErrorPages {
  std::function<Response(const Request&)> not_found;     // HTML 404
  std::function<Response(const Request&)> server_error;  // HTML 500; must not touch the database
};

struct DispatcherSettings {
  std::size_t max_cache_entries = 5000;
  std::size_t default_body_limit = 64 * 1024;  // for requests that match no route
};

class Dispatcher final : public RequestHandler {
 public:
  Dispatcher(DispatcherSettings settings, const Router& router, const StaticAssets& assets,
             ErrorPages error_pages, observe::Logger& logger, observe::MetricsRegistry& metrics);

  std::size_t body_limit(Method method, std::string_view path) const override;
  Response handle(Request& request) override;
  std::optional<StreamOpening> open_stream(Request& request) override;

  // Renders `targets` (paths with optional canonical query) into a new cache
  // generation and swaps it in. Used at start and whenever content changes.
  // Returns the number of entries rendered.
  std::size_t rebuild_cache(const std::vector<std::string>& targets);

  // Renders one GET target as a client would see it (through the cache), for `export`.
  Response get(std::string_view target);

 private:
  Response dispatch(Request& request);
  Response run_handler(const Route& route, const Request& request, const RouteParams& params);
  Response not_found(const Request& request);
  Response method_not_allowed(const Request& request, const std::vector<Method>& allowed);
  Response server_error(const Request& request);
  std::shared_ptr<const Entity> render_cacheable(const Route& route, Request& request,
                                                 const RouteParams& params);

  DispatcherSettings settings_;
  const Router& router_;
  const StaticAssets& assets_;
  ErrorPages error_pages_;
  observe::Logger& logger_;
  ResponseCache cache_;
  observe::Counter& cache_hits_;
  observe::Counter& cache_misses_;
  observe::Counter& handler_errors_;
};

// Canonical cache key for a request on `route`: the path, then only the
// route's declared query parameters, in declaration order, first value each.
std::string canonical_target(std::string_view path, const QueryParams& query,
                             const std::vector<std::string>& declared);

}  // namespace iv::web
