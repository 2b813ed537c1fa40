// Constants and small helpers shared by the site's page, layout and path code.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/http.h"

namespace iv::web::site {

// Pages may be cached for a minute and served stale while a fresh copy renders.
inline constexpr std::string_view kPageCacheControl = "public, max-age=60, stale-while-revalidate=600";
inline constexpr int kCaseStudiesPerPage = 12;
inline constexpr int kImpactStoriesPerPage = 12;
// "Every item" for lists that are never long (services, all case studies for the sitemap).
inline constexpr int kAllItems = 1000;

Response html_response(int status, std::string body, std::string_view cache_control);
// A 200 response for sitemap.xml and robots.txt, cached like pages.
Response text_response(std::string content_type, std::string body);

// "/case-studies" + {{"industry", "Retail & E-commerce"}, {"page", "2"}} ->
// "/case-studies?industry=Retail%20%26%20E-commerce&page=2". Empty values are left out,
// so every view has exactly one URL.
std::string with_query(std::string_view path, const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace iv::web::site
