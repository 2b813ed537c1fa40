// Maps (method, path) to a handler. Patterns are literal segments and
// "{name}" placeholders that match exactly one non-empty segment:
//   router.add(Method::get, "/services/{slug}", handler, {.cacheable = true});
#pragma once

#include <functional>
#include <string>
#include <string_view>
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

struct RouteOptions {
  // GET responses with status 200 are stored in the response cache
  // (keyed by path and the declared query parameters), compressed once and
  // served with ETag / 304 until content changes.
  bool cacheable = false;
  // Query parameters the handler reads; others are dropped from the cache key
  // and from the Request the handler sees, so junk parameters cannot grow the cache.
  std::vector<std::string> query_params;
  // Largest request body accepted; bigger bodies are refused with 413.
  std::size_t max_body_bytes = 64 * 1024;
  // "html" routes answer errors with HTML pages, "api" routes with problem+json.
  enum class Kind { html, api, plain } kind = Kind::html;
};

struct Route {
  Method method;
  std::string pattern;  // also the route label in metrics and logs
  RouteOptions options;
  Handler handler;
};

class Router {
 public:
  // Adds a route. A GET route also answers HEAD.
  void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

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
