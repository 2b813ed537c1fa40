#include <map>

#include "web/site/content_views.h"
#include "web/site/crawler_files.h"
#include "web/site/pagination.h"
#include "web/site/site_common.h"
#include "web/site/site_pages.h"

// Every public URL (for pre-rendering and export) and the sitemap built from it.

namespace iv::web {

std::vector<std::string> SitePages::public_paths() {
  std::vector<std::string> paths = {"/", "/services"};
  const auto services = all_services();
  for (const auto& service : services) paths.push_back(site::service_path(service.slug));

  // Every list view a visitor can reach through the filter form or links, with all its pages.
  const auto add_list = [&](std::string_view base,
                            const std::vector<std::pair<std::string, std::string>>& filter,
                            std::int64_t total, int per_page) {
    const int pages = site::page_count(total, per_page);
    for (int number = 1; number <= pages; ++number) {
      auto params = filter;
      if (number > 1) params.emplace_back("page", std::to_string(number));
      paths.push_back(site::with_query(base, params));
    }
  };
  const auto all_studies = content_.list_case_studies({}, {.page = 1, .per_page = site::kAllItems});
  add_list("/case-studies", {}, all_studies.total, site::kCaseStudiesPerPage);
  for (const auto& industry : content_.case_study_industries()) {
    add_list("/case-studies", {{"industry", industry}},
             content_.list_case_studies({.industry = industry}, {.page = 1, .per_page = 1}).total,
             site::kCaseStudiesPerPage);
  }
  for (const auto& service : services) {
    add_list("/case-studies", {{"service", service.slug}},
             content_.list_case_studies({.service = service.slug}, {.page = 1, .per_page = 1}).total,
             site::kCaseStudiesPerPage);
  }
  for (const auto& study : all_studies.items) paths.push_back(site::case_study_path(study.slug));

  const auto all_stories = content_.list_impact_stories({}, {.page = 1, .per_page = site::kAllItems});
  add_list("/impact", {}, all_stories.total, site::kImpactStoriesPerPage);
  for (const auto& category : content_.impact_categories()) {
    add_list("/impact", {{"category", category}},
             content_.list_impact_stories({.category = category}, {.page = 1, .per_page = 1}).total,
             site::kImpactStoriesPerPage);
  }
  for (const auto& story : all_stories.items) paths.push_back(site::impact_path(story.slug));

  for (const std::string_view slug : {"about", "privacy"}) {
    if (content_.find_page(slug)) paths.push_back("/" + std::string(slug));
  }
  for (const std::string_view form : {"/contact", "/demo", "/quote"}) paths.emplace_back(form);
  for (const auto& service : services)
    paths.push_back(site::with_query("/quote", {{"service", service.slug}}));
  paths.emplace_back("/sitemap.xml");
  paths.emplace_back("/robots.txt");
  return paths;
}

Response SitePages::sitemap() {
  std::map<std::string, std::string, std::less<>> lastmod;
  for (const auto& study : content_.list_case_studies({}, {.page = 1, .per_page = site::kAllItems}).items) {
    lastmod[site::case_study_path(study.slug)] = study.published;
  }
  for (const auto& story : content_.list_impact_stories({}, {.page = 1, .per_page = site::kAllItems}).items) {
    lastmod[site::impact_path(story.slug)] = story.published;
  }
  std::vector<site::SitemapEntry> entries;
  for (const auto& path : public_paths()) {
    // Filter views and the crawler files themselves are not pages to index.
    if (path.find('?') != std::string::npos || path == "/sitemap.xml" || path == "/robots.txt") continue;
    const auto date = lastmod.find(path);
    entries.push_back(
        {.url = absolute(path), .lastmod = date == lastmod.end() ? std::string() : date->second});
  }
  return site::text_response("application/xml; charset=utf-8", site::sitemap_xml(entries));
}

}  // namespace iv::web
