// The read-only content API under /api/v1: services, case studies and impact
// stories as paged, filterable lists and as single objects, plus the OpenAPI
// document that describes them (openapi/openapi.json, kept true by
// tests/api/contract.mjs).
//
// Lists answer
//   {"data": [...], "meta": {"page", "per_page", "total", "total_pages"},
//    "links": {"self", "first", "last", "prev"?, "next"?}}
// with the same links in an RFC 8288 `Link` header. Links are relative URLs
// in the dispatcher's canonical form (declared filters, then page, per_page),
// so following them hits the response cache's fast path.
// Details answer the object itself with "links": {"self", "html"}.
// Every error is an RFC 9457 problem (see problem.h):
//   400 invalid-query-parameter: page or per_page not an integer in range, or a
//       filter value that no item has (the message lists the allowed values);
//   404 page-out-of-range: a page past the last one (page 1 of an empty list is 200);
//   404 not-found: unknown slug.
// 200s are `application/json` with `Cache-Control: public, max-age=60,
// stale-while-revalidate=600`; the dispatcher adds ETag, 304 and gzip.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "content/content_repository.h"
#include "web/router.h"

namespace iv::web {

struct ApiSettings {
  // Public origin for the `links.html` page URLs, e.g. "https://indivillage.com"
  // (no trailing slash); empty gives root-relative URLs.
  std::string base_url;
  int default_per_page = 20;  // 1..max_per_page
  int max_per_page = 100;     // 1..1000
  // The OpenAPI document served at /api/v1/openapi.json (SHARE_DIR/openapi/openapi.json).
  std::filesystem::path openapi_path;
};

// Highest page number accepted; beyond it the request is invalid (400), not
// merely past the end, so (page - 1) * per_page always fits in an int.
inline constexpr int kMaxPage = 100000;

class ContentApi {
 public:
  // Reads and parses the OpenAPI document once. Throws std::runtime_error when
  // it cannot be read or is not a JSON object, std::invalid_argument when the
  // paging limits are out of range (both are start-up failures).
  ContentApi(content::ContentRepository& repository, ApiSettings settings);

  // Registers the GET routes (cacheable, kind api). The handlers refer to this
  // object, which must outlive `router`.
  void register_routes(Router& router);

  // Every API URL without a query string: the lists' first pages, every
  // detail and the OpenAPI document. Canonical cache keys, for
  // Dispatcher::rebuild_cache and `export`.
  std::vector<std::string> public_paths();

 private:
  Response list_services(const Request& request);
  Response get_service(const Request& request, std::string_view slug);
  Response list_case_studies(const Request& request);
  Response get_case_study(const Request& request, std::string_view slug);
  Response list_impact_stories(const Request& request);
  Response get_impact_story(const Request& request, std::string_view slug);
  Response openapi_document() const;

  std::vector<content::Service> all_services();

  content::ContentRepository& repository_;
  ApiSettings settings_;
  std::shared_ptr<const std::string> openapi_json_;
};

}  // namespace iv::web
