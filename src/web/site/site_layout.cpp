#include <chrono>
#include <exception>

#include "web/site/site_common.h"
#include "web/site/site_pages.h"

// The layout every page shares (head metadata, navigation, breadcrumbs,
// JSON-LD) and the error pages, which use it without touching the database.

namespace iv::web {
namespace {

using boost::json::array;
using boost::json::object;

constexpr std::string_view kTitleSeparator = " — ";

struct NavItem {
  std::string_view label;
  std::string_view path;
};
constexpr NavItem kMainNav[] = {{"Services", "/services"},
                                {"Case studies", "/case-studies"},
                                {"Impact", "/impact"},
                                {"About", "/about"},
                                {"Contact", "/contact"}};

// "page" for the current page itself, "true" inside its section (a service
// under Services), nothing elsewhere.
std::string aria_current_for(std::string_view item_path, std::string_view request_path) {
  if (request_path == item_path) return "page";
  if (request_path.starts_with(item_path) && request_path.size() > item_path.size() &&
      request_path[item_path.size()] == '/') {
    return "true";
  }
  return {};
}

int current_year() {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(today).year());
}

}  // namespace

Response SitePages::not_found_page(const Request& request) {
  PageView view{.template_name = "pages/not-found"};
  view.head = {.title = "Page not found",
               .description =
                   "The page you asked for does not exist. Find our services, case studies and impact "
                   "stories from here.",
               .noindex = true};
  return site::html_response(404, render_layout(view, request.path), site::kPageCacheControl);
}

Response SitePages::server_error_page(const Request& request) {
  PageView view{.template_name = "pages/server-error"};
  view.head = {.title = "Something went wrong",
               .description = "An unexpected error stopped this page from loading.",
               .noindex = true};
  try {
    return site::html_response(500, render_layout(view, request.path), "no-store");
  } catch (const std::exception&) {
    // The templates themselves failed; still answer with a readable page.
    return site::html_response(
        500,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went "
        "wrong — " +
            settings_.site_name +
            "</title></head><body><main><h1>Something went wrong</h1><p>Please try again in a "
            "moment, or go to the <a href=\"/\">home page</a>.</p></main></body></html>",
        "no-store");
  }
}

Response SitePages::render_page(const Request& request, const MaybePage& page) {
  if (!page) return not_found_page(request);
  return site::html_response(200, render_layout(*page, request.path), site::kPageCacheControl);
}

std::string SitePages::render_layout(const PageView& page, std::string_view request_path) const {
  object context = layout_context(page.head, request_path);
  for (const auto& item : page.data) context[item.key()] = item.value();
  return templates_.render(page.template_name, context);
}

std::string SitePages::render_in_layout(const PageHead& head, std::string_view template_name, object data,
                                        std::string_view request_path) const {
  return render_layout(
      PageView{.template_name = std::string(template_name), .head = head, .data = std::move(data)},
      request_path);
}

object SitePages::layout_context(const PageHead& head, std::string_view request_path) const {
  const bool canonical = !head.path.empty();
  object meta{{"title", head.title + std::string(kTitleSeparator) + settings_.site_name},
              {"heading", head.title},
              {"description", head.description},
              {"has_canonical", canonical},
              {"canonical", canonical ? absolute(head.path) : std::string()},
              {"og_type", head.og_type},
              {"og_image", og_image_url_},
              {"noindex", head.noindex}};

  array nav;
  for (const auto& item : kMainNav) {
    const std::string current = aria_current_for(item.path, request_path);
    nav.push_back(object{{"label", item.label},
                         {"url", item.path},
                         {"has_current", !current.empty()},
                         {"aria_current", current}});
  }

  array breadcrumbs;
  std::vector<site::Crumb> absolute_trail;
  for (std::size_t i = 0; i < head.breadcrumbs.size(); ++i) {
    const auto& crumb = head.breadcrumbs[i];
    breadcrumbs.push_back(
        object{{"name", crumb.name}, {"url", crumb.url}, {"is_current", i + 1 == head.breadcrumbs.size()}});
    absolute_trail.push_back({crumb.name, absolute(crumb.url)});
  }

  array json_ld{boost::json::string(site::script_json(site::organization_data(organization_)))};
  for (const auto& block : head.structured_data) json_ld.emplace_back(site::script_json(block.as_object()));
  if (!absolute_trail.empty()) json_ld.emplace_back(site::script_json(site::breadcrumb_data(absolute_trail)));

  return {{"site", object{{"name", settings_.site_name},
                          {"base_url", settings_.base_url},
                          {"contact_email", settings_.contact_email},
                          {"year", current_year()}}},
          {"meta", std::move(meta)},
          {"assets", asset_urls_},
          {"nav", std::move(nav)},
          {"is_home", request_path == "/"},
          {"aside", object{{"quote_url", "/quote"}, {"has_topic", false}}},
          {"has_breadcrumbs", !breadcrumbs.empty()},
          {"breadcrumbs", std::move(breadcrumbs)},
          {"json_ld", std::move(json_ld)}};
}

std::string SitePages::icon_svg(std::string_view icon) const {
  const std::string name = "icons/" + std::string(icon);
  return templates_.render(templates_.contains(name) ? name : "icons/default", {});
}

}  // namespace iv::web
