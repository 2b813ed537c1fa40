#include "web/router.h"

#include <algorithm>

namespace iv::web {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const std::size_t end = std::min(path.find('/', pos), path.size());
    segments.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return segments;
}

bool is_placeholder(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches `path` against `pattern`, filling `params`. Trailing slashes do not
// match ("/services/" is not "/services"), so every page has one URL.
bool match_pattern(std::string_view pattern, std::string_view path, RouteParams& params) {
  if (path.empty() || path.front() != '/') return false;
  if (path.size() > 1 && path.back() == '/') return false;
  const auto want = split_path(pattern);
  const auto have = split_path(path);
  if (want.size() != have.size()) return false;
  RouteParams found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (is_placeholder(want[i])) {
      found.add(std::string(want[i].substr(1, want[i].size() - 2)), std::string(have[i]));
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

std::string_view RouteParams::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return value;
  }
  return {};
}

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  routes_.push_back(Route{method, std::move(pattern), std::move(options), std::move(handler)});
}

void Router::add_stream(Method method, std::string pattern, StreamHandler stream, RouteOptions options) {
  options.cacheable = false;
  routes_.push_back(Route{method, std::move(pattern), std::move(options), Handler{}, std::move(stream)});
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match result;
  // Literal routes win over placeholder routes regardless of registration order,
  // so "/api/v1/openapi.json" is never taken for a slug.
  for (const bool literal_pass : {true, false}) {
    for (const Route& route : routes_) {
      const bool literal = route.pattern.find('{') == std::string::npos;
      if (literal != literal_pass) continue;
      RouteParams params;
      if (!match_pattern(route.pattern, path, params)) continue;
      const bool method_ok =
          route.method == method || (method == Method::head && route.method == Method::get);
      if (method_ok) {
        result.route = &route;
        result.params = std::move(params);
        result.allowed_methods.clear();
        return result;
      }
      if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) ==
          result.allowed_methods.end()) {
        result.allowed_methods.push_back(route.method);
      }
    }
  }
  return result;
}

}  // namespace iv::web
