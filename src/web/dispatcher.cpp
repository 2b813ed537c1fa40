#include "web/dispatcher.h"

#include <exception>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/api/problem.h"
#include "web/static_assets.h"

namespace iv::web {
namespace {

// Key of the shared 404 page; cannot collide with a target, which starts with '/'.
constexpr std::string_view kNotFoundKey = "\x01not-found";

bool is_api_path(std::string_view path) {
  return path.starts_with("/api/");
}

std::string allow_header(const std::vector<Method>& allowed) {
  std::string out;
  bool has_get = false;
  for (const Method m : allowed) {
    if (!out.empty()) out += ", ";
    out += method_name(m);
    has_get = has_get || m == Method::get;
  }
  if (has_get) out += ", HEAD";
  return out;
}

// Splits a target "/path?query" for building synthetic requests.
Request make_get_request(std::string_view target) {
  Request request;
  request.method = Method::get;
  request.target = std::string(target);
  const std::size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    request.raw_query = std::string(target.substr(q + 1));
    request.query = parse_query(request.raw_query).value_or(QueryParams{});
  }
  return request;
}

std::shared_ptr<const Entity> to_entity(Response response) {
  std::string content_type = "application/octet-stream";
  std::string cache_control;
  std::vector<Header> extra;
  for (auto& h : response.headers) {
    if (iequals(h.name, "Content-Type")) {
      content_type = std::move(h.value);
    } else if (iequals(h.name, "Cache-Control")) {
      cache_control = std::move(h.value);
    } else {
      extra.push_back(std::move(h));
    }
  }
  std::string body = response.shared_body ? *response.shared_body : std::move(response.body);
  return Entity::make(response.status, std::move(content_type), std::move(cache_control), std::move(body),
                      std::move(extra));
}

}  // namespace

std::string canonical_target(std::string_view path, const QueryParams& query,
                             const std::vector<std::string>& declared) {
  std::string key(path);
  char separator = '?';
  for (const auto& name : declared) {
    const auto value = query.get(name);
    if (!value) continue;
    key += separator;
    key += percent_encode(name);
    key += '=';
    key += percent_encode(*value);
    separator = '&';
  }
  return key;
}

Dispatcher::Dispatcher(DispatcherSettings settings, const Router& router, const StaticAssets& assets,
                       ErrorPages error_pages, observe::Logger& logger, observe::MetricsRegistry& metrics)
    : settings_(settings),
      router_(router),
      assets_(assets),
      error_pages_(std::move(error_pages)),
      logger_(logger),
      cache_(settings.max_cache_entries),
      cache_hits_(metrics.counter("http_cache_requests_total", "Response cache lookups by result.",
                                  {{"result", "hit"}})),
      cache_misses_(metrics.counter("http_cache_requests_total", "Response cache lookups by result.",
                                    {{"result", "miss"}})),
      handler_errors_(metrics.counter("http_handler_exceptions_total",
                                      "Handlers that threw; each was answered with 500.")) {}

std::size_t Dispatcher::body_limit(Method method, std::string_view path) const {
  const auto match = router_.match(method, path);
  return match.route ? match.route->options.max_body_bytes : settings_.default_body_limit;
}

Response Dispatcher::handle(Request& request) {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    handler_errors_.inc();
    logger_.error("handler failed",
                  {{"request_id", request.request_id}, {"path", request.path}, {"error", e.what()}});
    return server_error(request);
  }
}

std::optional<StreamOpening> Dispatcher::open_stream(Request& request) {
  auto match = router_.match(request.method, request.path);
  if (!match.route || !match.route->stream) return std::nullopt;
  const Route& route = *match.route;
  try {
    StreamOpening opening{route.stream(request, match.params), route.pattern};
    if (auto* refusal = std::get_if<Response>(&opening.result)) refusal->route = route.pattern;
    return opening;
  } catch (const std::exception& e) {
    handler_errors_.inc();
    logger_.error("stream handler failed",
                  {{"request_id", request.request_id}, {"path", request.path}, {"error", e.what()}});
    return StreamOpening{server_error(request), route.pattern};
  }
}

Response Dispatcher::dispatch(Request& request) {
  const bool is_get = request.method == Method::get || request.method == Method::head;
  if (is_get) {
    if (request.path.starts_with("/static/")) {
      if (auto asset = assets_.find(request.path)) {
        Response response = respond_with(request, asset);
        response.route = "/static/{asset}";
        return response;
      }
      return not_found(request);
    }
    // Fast path: the raw target is already a canonical key of a cached page.
    if (auto hit = cache_.find(request.target); hit.entity) {
      cache_hits_.inc();
      Response response = respond_with(request, hit.entity);
      response.route = hit.route;
      return response;
    }
  }

  auto match = router_.match(request.method, request.path);
  if (!match.route) {
    if (!match.allowed_methods.empty()) return method_not_allowed(request, match.allowed_methods);
    return not_found(request);
  }
  const Route& route = *match.route;
  Response response;
  if (is_get && route.options.cacheable) {
    response = respond_with(request, render_cacheable(route, request, match.params));
  } else {
    response = run_handler(route, request, match.params);
  }
  response.route = route.pattern;
  return response;
}

std::shared_ptr<const Entity> Dispatcher::render_cacheable(const Route& route, Request& request,
                                                           const RouteParams& params) {
  std::string key = canonical_target(request.path, request.query, route.options.query_params);
  if (auto hit = cache_.find(key); hit.entity) {
    cache_hits_.inc();
    return hit.entity;
  }
  cache_misses_.inc();
  // The handler sees only the declared parameters, exactly as keyed.
  std::vector<std::pair<std::string, std::string>> kept;
  for (const auto& name : route.options.query_params) {
    if (auto value = request.query.get(name)) kept.emplace_back(name, std::string(*value));
  }
  request.query = QueryParams(std::move(kept));
  Response response = route.handler(request, params);
  auto entity = to_entity(std::move(response));
  // Only successful answers are cached: a 404 per random slug would let
  // anyone fill the cache, and errors may be transient.
  if (entity->status == 200) cache_.store(std::move(key), {entity, route.pattern});
  return entity;
}

Response Dispatcher::run_handler(const Route& route, const Request& request, const RouteParams& params) {
  return route.handler(request, params);
}

Response Dispatcher::not_found(const Request& request) {
  if (is_api_path(request.path) || !error_pages_.not_found) {
    return problem_response(404, "No resource exists at this URL.", "not-found", {}, request.path);
  }
  if (auto cached = cache_.find(kNotFoundKey); cached.entity) return respond_with(request, cached.entity);
  auto entity = to_entity(error_pages_.not_found(request));
  cache_.store(std::string(kNotFoundKey), {entity, {}});
  return respond_with(request, entity);
}

Response Dispatcher::method_not_allowed(const Request& request, const std::vector<Method>& allowed) {
  Response response;
  if (is_api_path(request.path)) {
    response = problem_response(
        405, "This resource does not support the " + std::string(method_name(request.method)) + " method.",
        "method-not-allowed", {}, request.path);
  } else {
    response.status = 405;
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.headers.push_back({"Cache-Control", "no-store"});
    response.body = "405 Method Not Allowed\n";
  }
  response.set_header("Allow", allow_header(allowed));
  return response;
}

Response Dispatcher::server_error(const Request& request) {
  if (is_api_path(request.path) || !error_pages_.server_error) {
    return problem_response(500, "The server failed to answer this request. It has been logged.",
                            "internal-error", {}, request.path);
  }
  try {
    Response response = error_pages_.server_error(request);
    response.set_header("Cache-Control", "no-store");
    return response;
  } catch (const std::exception&) {
    Response response;
    response.status = 500;
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.body = "500 Internal Server Error\n";
    return response;
  }
}

std::size_t Dispatcher::rebuild_cache(const std::vector<std::string>& targets) {
  ResponseCache::Map generation;
  for (const auto& target : targets) {
    Request request = make_get_request(target);
    auto match = router_.match(Method::get, request.path);
    if (!match.route || !match.route->options.cacheable) continue;
    std::string key = canonical_target(request.path, request.query, match.route->options.query_params);
    Response response = match.route->handler(request, match.params);
    generation.emplace(std::move(key), CachedResponse{to_entity(std::move(response)), match.route->pattern});
  }
  const std::size_t count = generation.size();
  cache_.replace(std::move(generation));
  return count;
}

Response Dispatcher::get(std::string_view target) {
  Request request = make_get_request(target);
  return handle(request);
}

}  // namespace iv::web
