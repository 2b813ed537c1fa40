#include "web/api/content_api.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/json.hpp>

#include "web/api/problem.h"

namespace iv::web {
namespace {

namespace json = boost::json;

constexpr std::string_view kServicesPath = "/api/v1/services";
constexpr std::string_view kCaseStudiesPath = "/api/v1/case-studies";
constexpr std::string_view kImpactStoriesPath = "/api/v1/impact-stories";
constexpr std::string_view kOpenApiPath = "/api/v1/openapi.json";

// Plain application/json (not application/vnd.oai.openapi+json) for the
// OpenAPI document too: browsers show it, every tool accepts it.
constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kCacheControl = "public, max-age=60, stale-while-revalidate=600";

// Page size used when reading whole collections (filter menus, pre-rendering).
constexpr int kBatchSize = 100;

// Filters that were given, in the route's declared order, as (name, value).
using Filters = std::vector<std::pair<std::string_view, std::string>>;

struct Paging {
  int page = 1;
  int per_page = 20;
};

// A decimal integer in [min, max], digits only (no sign, space or fraction).
std::optional<int> parse_int_in(std::string_view text, int min, int max) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    return std::nullopt;
  return value;
}

Paging parse_paging(const QueryParams& query, const ApiSettings& settings, std::vector<FieldError>& errors) {
  Paging paging{.page = 1, .per_page = settings.default_per_page};
  if (const auto text = query.get("page")) {
    if (const auto page = parse_int_in(*text, 1, kMaxPage)) {
      paging.page = *page;
    } else {
      errors.push_back({"page", "must be an integer from 1 to " + std::to_string(kMaxPage)});
    }
  }
  if (const auto text = query.get("per_page")) {
    if (const auto per_page = parse_int_in(*text, 1, settings.max_per_page)) {
      paging.per_page = *per_page;
    } else {
      errors.push_back({"per_page", "must be an integer from 1 to " + std::to_string(settings.max_per_page)});
    }
  }
  return paging;
}

// Records an error unless `value` is one of `allowed`; the message lists them
// so a client can correct the request without reading documentation.
void require_known(std::string_view field, std::string_view value,
                   const std::set<std::string, std::less<>>& allowed, std::vector<FieldError>& errors) {
  if (allowed.contains(value)) return;
  std::string message = "unknown value; ";
  if (allowed.empty()) {
    message += "no values are available";
  } else {
    message += "must be one of: ";
    bool first = true;
    for (const auto& option : allowed) {
      if (!first) message += ", ";
      message += json::serialize(json::string(option));  // quoted, so values with commas stay readable
      first = false;
    }
  }
  errors.push_back({std::string(field), std::move(message)});
}

// The request path as a URI reference: each segment percent-encoded again.
std::string instance_for(const Request& request) {
  std::string out;
  std::string_view rest = request.path;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    out += percent_encode(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    out += '/';
    rest.remove_prefix(slash + 1);
  }
  return out;
}

Response invalid_query(const Request& request, std::vector<FieldError> errors) {
  return problem_response(400, "One or more query parameters are invalid.", "invalid-query-parameter",
                          std::move(errors), instance_for(request));
}

Response json_response(std::string body, std::vector<Header> extra_headers = {}) {
  Response response;
  response.status = 200;
  response.headers.push_back({"Content-Type", std::string(kJsonType)});
  response.headers.push_back({"Cache-Control", std::string(kCacheControl)});
  for (auto& header : extra_headers) response.headers.push_back(std::move(header));
  response.body = std::move(body);
  return response;
}

std::string list_url(std::string_view path, const Filters& filters, int page, int per_page) {
  std::string url(path);
  for (const auto& [name, value] : filters) {
    url += url.size() == path.size() ? '?' : '&';
    url += name;
    url += '=';
    url += percent_encode(value);
  }
  url += url.size() == path.size() ? '?' : '&';
  url += "page=" + std::to_string(page) + "&per_page=" + std::to_string(per_page);
  return url;
}

// Builds the list envelope, or the page-out-of-range problem.
Response list_response(const Request& request, std::string_view path, const Filters& filters, Paging paging,
                       std::int64_t total, json::array data) {
  // An empty list still has one (empty) page, so its first and last links resolve.
  const std::int64_t total_pages = std::max<std::int64_t>(1, (total + paging.per_page - 1) / paging.per_page);
  if (paging.page > total_pages) {
    return problem_response(404,
                            "Page " + std::to_string(paging.page) + " is past the last page (" +
                                std::to_string(total_pages) + ").",
                            "page-out-of-range", {}, instance_for(request));
  }
  const auto url = [&](std::int64_t page) {
    return list_url(path, filters, static_cast<int>(page), paging.per_page);
  };

  json::object links;
  links["self"] = url(paging.page);
  links["first"] = url(1);
  links["last"] = url(total_pages);
  std::string link_header = "<" + url(1) + ">; rel=\"first\"";
  if (paging.page > 1) {
    links["prev"] = url(paging.page - 1);
    link_header += ", <" + url(paging.page - 1) + ">; rel=\"prev\"";
  }
  if (paging.page < total_pages) {
    links["next"] = url(paging.page + 1);
    link_header += ", <" + url(paging.page + 1) + ">; rel=\"next\"";
  }
  link_header += ", <" + url(total_pages) + ">; rel=\"last\"";

  json::object body;
  body["data"] = std::move(data);
  body["meta"] = json::object{
      {"page", paging.page}, {"per_page", paging.per_page}, {"total", total}, {"total_pages", total_pages}};
  body["links"] = std::move(links);
  return json_response(json::serialize(body), {{"Link", std::move(link_header)}});
}

Response unknown_slug(const Request& request, std::string_view kind, std::string_view slug) {
  return problem_response(
      404, "No " + std::string(kind) + " has the slug " + json::serialize(json::string(slug)) + ".",
      "not-found", {}, instance_for(request));
}

json::array strings_json(const std::vector<std::string>& values) {
  json::array out;
  out.reserve(values.size());
  for (const auto& value : values) out.emplace_back(value);
  return out;
}

json::array figures_json(const std::vector<content::Figure>& figures) {
  json::array out;
  out.reserve(figures.size());
  for (const auto& figure : figures)
    out.push_back(json::object{{"value", figure.value}, {"label", figure.label}});
  return out;
}

json::array features_json(const std::vector<content::Feature>& features) {
  json::array out;
  out.reserve(features.size());
  for (const auto& feature : features)
    out.push_back(json::object{{"title", feature.title}, {"text", feature.text}});
  return out;
}

json::object resource_links(std::string_view api_path, std::string_view page_path, std::string_view slug,
                            const std::string& base_url) {
  const std::string encoded = percent_encode(slug);
  return json::object{{"self", std::string(api_path) + "/" + encoded},
                      {"html", base_url + std::string(page_path) + "/" + encoded}};
}

json::object service_json(const content::Service& s, const std::string& base_url) {
  return json::object{{"slug", s.slug},
                      {"title", s.title},
                      {"summary", s.summary},
                      {"icon", s.icon},
                      {"order", s.order},
                      {"features", features_json(s.features)},
                      {"use_cases", strings_json(s.use_cases)},
                      {"industries", strings_json(s.industries)},
                      {"figures", figures_json(s.figures)},
                      {"body_html", s.body_html},
                      {"links", resource_links(kServicesPath, "/services", s.slug, base_url)}};
}

json::object case_study_json(const content::CaseStudy& c, const std::string& base_url) {
  return json::object{{"slug", c.slug},
                      {"title", c.title},
                      {"client", c.client},
                      {"industry", c.industry},
                      {"summary", c.summary},
                      {"services", strings_json(c.services)},
                      {"challenge_html", c.challenge_html},
                      {"solution_html", c.solution_html},
                      {"results", figures_json(c.results)},
                      {"published", c.published},
                      {"body_html", c.body_html},
                      {"links", resource_links(kCaseStudiesPath, "/case-studies", c.slug, base_url)}};
}

json::object impact_story_json(const content::ImpactStory& i, const std::string& base_url) {
  return json::object{{"slug", i.slug},
                      {"title", i.title},
                      {"category", i.category},
                      {"summary", i.summary},
                      {"location", i.location},
                      {"figures", figures_json(i.figures)},
                      {"published", i.published},
                      {"body_html", i.body_html},
                      {"links", resource_links(kImpactStoriesPath, "/impact", i.slug, base_url)}};
}

template <class T, class ToJson>
json::array items_json(const std::vector<T>& items, ToJson to_json) {
  json::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

// Reads a whole collection through the paged repository interface.
template <class T, class ListPage>
std::vector<T> collect_all(ListPage list_page) {
  std::vector<T> all;
  for (int page = 1;; ++page) {
    content::PageOf<T> batch = list_page(content::PageRequest{.page = page, .per_page = kBatchSize});
    const bool last = batch.items.size() < static_cast<std::size_t>(kBatchSize);
    std::move(batch.items.begin(), batch.items.end(), std::back_inserter(all));
    if (last || static_cast<std::int64_t>(all.size()) >= batch.total) return all;
  }
}

std::string read_document(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the OpenAPI document " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string document = std::move(text).str();
  boost::system::error_code ec;
  const json::value parsed = json::parse(document, ec);
  if (ec || !parsed.is_object()) {
    throw std::runtime_error("the OpenAPI document " + path.string() + " is not a JSON object" +
                             (ec ? ": " + ec.message() : std::string()));
  }
  return document;
}

void check_settings(const ApiSettings& settings) {
  if (settings.max_per_page < 1 || settings.max_per_page > 1000) {
    throw std::invalid_argument("API max_per_page must be from 1 to 1000");
  }
  if (settings.default_per_page < 1 || settings.default_per_page > settings.max_per_page) {
    throw std::invalid_argument("API default_per_page must be from 1 to max_per_page");
  }
}

}  // namespace

ContentApi::ContentApi(content::ContentRepository& repository, ApiSettings settings)
    : repository_(repository), settings_(std::move(settings)) {
  check_settings(settings_);
  openapi_json_ = std::make_shared<const std::string>(read_document(settings_.openapi_path));
}

void ContentApi::register_routes(Router& router) {
  const auto options = [](std::vector<std::string> query_params) {
    return RouteOptions{
        .cacheable = true, .query_params = std::move(query_params), .kind = RouteOptions::Kind::api};
  };
  // Filters are declared before page and per_page: the dispatcher's canonical
  // cache key follows this order, and list_url writes links in the same order.
  router.add(
      Method::get, std::string(kServicesPath),
      [this](const Request& request, const RouteParams&) { return list_services(request); },
      options({"industry", "page", "per_page"}));
  router.add(
      Method::get, std::string(kServicesPath) + "/{slug}",
      [this](const Request& request, const RouteParams& params) {
        return get_service(request, params.get("slug"));
      },
      options({}));
  router.add(
      Method::get, std::string(kCaseStudiesPath),
      [this](const Request& request, const RouteParams&) { return list_case_studies(request); },
      options({"industry", "service", "page", "per_page"}));
  router.add(
      Method::get, std::string(kCaseStudiesPath) + "/{slug}",
      [this](const Request& request, const RouteParams& params) {
        return get_case_study(request, params.get("slug"));
      },
      options({}));
  router.add(
      Method::get, std::string(kImpactStoriesPath),
      [this](const Request& request, const RouteParams&) { return list_impact_stories(request); },
      options({"category", "page", "per_page"}));
  router.add(
      Method::get, std::string(kImpactStoriesPath) + "/{slug}",
      [this](const Request& request, const RouteParams& params) {
        return get_impact_story(request, params.get("slug"));
      },
      options({}));
  router.add(
      Method::get, std::string(kOpenApiPath),
      [this](const Request&, const RouteParams&) { return openapi_document(); }, options({}));
}

std::vector<std::string> ContentApi::public_paths() {
  std::vector<std::string> targets{std::string(kServicesPath), std::string(kCaseStudiesPath),
                                   std::string(kImpactStoriesPath), std::string(kOpenApiPath)};
  const auto add_details = [&targets](std::string_view path, const auto& items) {
    for (const auto& item : items) targets.push_back(std::string(path) + "/" + percent_encode(item.slug));
  };
  add_details(kServicesPath, all_services());
  add_details(kCaseStudiesPath, collect_all<content::CaseStudy>([this](content::PageRequest page) {
                return repository_.list_case_studies({}, page);
              }));
  add_details(kImpactStoriesPath, collect_all<content::ImpactStory>([this](content::PageRequest page) {
                return repository_.list_impact_stories({}, page);
              }));
  return targets;
}

std::vector<content::Service> ContentApi::all_services() {
  return collect_all<content::Service>(
      [this](content::PageRequest page) { return repository_.list_services({}, page); });
}

Response ContentApi::list_services(const Request& request) {
  std::vector<FieldError> errors;
  const Paging paging = parse_paging(request.query, settings_, errors);
  content::ServiceFilter filter;
  Filters filters;
  if (const auto industry = request.query.get("industry")) {
    std::set<std::string, std::less<>> industries;
    for (const auto& service : all_services())
      industries.insert(service.industries.begin(), service.industries.end());
    require_known("industry", *industry, industries, errors);
    filter.industry = std::string(*industry);
    filters.emplace_back("industry", *filter.industry);
  }
  if (!errors.empty()) return invalid_query(request, std::move(errors));

  const auto page = repository_.list_services(filter, {.page = paging.page, .per_page = paging.per_page});
  const auto to_json = [this](const content::Service& s) { return service_json(s, settings_.base_url); };
  return list_response(request, kServicesPath, filters, paging, page.total, items_json(page.items, to_json));
}

Response ContentApi::get_service(const Request& request, std::string_view slug) {
  const auto service = repository_.find_service(slug);
  if (!service) return unknown_slug(request, "service", slug);
  return json_response(json::serialize(service_json(*service, settings_.base_url)));
}

Response ContentApi::list_case_studies(const Request& request) {
  std::vector<FieldError> errors;
  const Paging paging = parse_paging(request.query, settings_, errors);
  content::CaseStudyFilter filter;
  Filters filters;
  if (const auto industry = request.query.get("industry")) {
    const auto known = repository_.case_study_industries();
    require_known("industry", *industry, {known.begin(), known.end()}, errors);
    filter.industry = std::string(*industry);
    filters.emplace_back("industry", *filter.industry);
  }
  if (const auto service = request.query.get("service")) {
    std::set<std::string, std::less<>> slugs;
    for (const auto& s : all_services()) slugs.insert(s.slug);
    require_known("service", *service, slugs, errors);
    filter.service = std::string(*service);
    filters.emplace_back("service", *filter.service);
  }
  if (!errors.empty()) return invalid_query(request, std::move(errors));

  const auto page = repository_.list_case_studies(filter, {.page = paging.page, .per_page = paging.per_page});
  const auto to_json = [this](const content::CaseStudy& c) { return case_study_json(c, settings_.base_url); };
  return list_response(request, kCaseStudiesPath, filters, paging, page.total,
                       items_json(page.items, to_json));
}

Response ContentApi::get_case_study(const Request& request, std::string_view slug) {
  const auto study = repository_.find_case_study(slug);
  if (!study) return unknown_slug(request, "case study", slug);
  return json_response(json::serialize(case_study_json(*study, settings_.base_url)));
}

Response ContentApi::list_impact_stories(const Request& request) {
  std::vector<FieldError> errors;
  const Paging paging = parse_paging(request.query, settings_, errors);
  content::ImpactFilter filter;
  Filters filters;
  if (const auto category = request.query.get("category")) {
    const auto known = repository_.impact_categories();
    require_known("category", *category, {known.begin(), known.end()}, errors);
    filter.category = std::string(*category);
    filters.emplace_back("category", *filter.category);
  }
  if (!errors.empty()) return invalid_query(request, std::move(errors));

  const auto page =
      repository_.list_impact_stories(filter, {.page = paging.page, .per_page = paging.per_page});
  const auto to_json = [this](const content::ImpactStory& i) {
    return impact_story_json(i, settings_.base_url);
  };
  return list_response(request, kImpactStoriesPath, filters, paging, page.total,
                       items_json(page.items, to_json));
}

Response ContentApi::get_impact_story(const Request& request, std::string_view slug) {
  const auto story = repository_.find_impact_story(slug);
  if (!story) return unknown_slug(request, "impact story", slug);
  return json_response(json::serialize(impact_story_json(*story, settings_.base_url)));
}

Response ContentApi::openapi_document() const {
  Response response = json_response({});
  response.shared_body = openapi_json_;
  return response;
}

}  // namespace iv::web
