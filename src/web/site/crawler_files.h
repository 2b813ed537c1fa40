// The two files written for crawlers: /sitemap.xml (sitemaps.org 0.9) and
// /robots.txt. Pure functions of their inputs, so they are easy to test.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iv::web::site {

struct SitemapEntry {
  std::string url;      // absolute
  std::string lastmod;  // ISO date, or empty when unknown
};

std::string sitemap_xml(const std::vector<SitemapEntry>& entries);

// Allows everything except the API and the admin area, and names the sitemap.
std::string robots_txt(std::string_view base_url);

}  // namespace iv::web::site
