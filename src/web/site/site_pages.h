// The public website: one handler per page type, rendered from content with
// Mustache templates. Handlers only build a context object and pick a
// template; the dispatcher caches the HTML and adds ETag, gzip and the
// security headers.
//
// Every HTML response carries `Content-Type: text/html; charset=utf-8` and
// `Cache-Control: public, max-age=60, stale-while-revalidate=600`. Unknown
// slugs, unknown filter values and bad page numbers answer the 404 page, so
// the set of cacheable URLs stays bounded by the content.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "content/content_repository.h"
#include "web/http.h"
#include "web/router.h"
#include "web/site/structured_data.h"
#include "web/static_assets.h"
#include "web/templates.h"

namespace iv::web {

struct SiteSettings {
  std::string base_url =
      "http://127.0.0.1:8080";  // absolute origin for canonical/OG/sitemap, no trailing slash
  std::string site_name = "IndiVillage";
  std::string contact_email = "hello@indivillage.com";
};

class SitePages {
 public:
  // Looks up the asset URLs the layout needs; throws std::out_of_range when
  // one is missing from static/, so a broken deployment fails at start.
  SitePages(SiteSettings settings, content::ContentRepository& content, const TemplateEngine& templates,
            const StaticAssets& assets);

  // Registers every public page (GET, cacheable, HTML). Without
  // `with_lead_forms` the GET routes of /contact, /demo and /quote are left to
  // LeadPages (web/site/lead_pages.h), which adds a CSRF token per request.
  void register_routes(Router& router, bool with_lead_forms = true);

  // The contact / demo / quote page with the visitor's `values` and per-field
  // `errors` (see site::lead_form_view); `form_extras` is merged into the form's
  // template data (security token, general message, ...). nullopt for an
  // unknown kind or an unknown ?service= (the caller answers 404).
  std::optional<std::string> render_lead_form(std::string_view kind, const Request& request,
                                              const boost::json::object& values,
                                              const boost::json::object& errors,
                                              const boost::json::object& form_extras);
  // The thank-you page after a submission (noindex). `reference` is shown when
  // not empty; the caller passes only ids it has checked for shape.
  std::optional<std::string> render_lead_thanks(std::string_view kind, std::string_view reference);

  // What the <head> and the layout need to know about one page.
  struct PageHead {
    std::string title;        // without the " — IndiVillage" suffix
    std::string description;  // meta description
    std::string path;         // canonical path (+ "?page=N"); empty: no canonical link (error pages)
    std::string og_type = "website";
    std::vector<site::Crumb> breadcrumbs;  // relative URLs, "Home" first, current page last; empty: none
    boost::json::array structured_data;    // page-specific JSON-LD blocks
    bool noindex = false;
  };

  // `template_name` rendered with `data` (merged into the layout context at
  // the top level) inside the site layout, for pages built outside this class
  // (web/site/upload_pages.h). `request_path` marks the current navigation item.
  std::string render_in_layout(const PageHead& head, std::string_view template_name, boost::json::object data,
                               std::string_view request_path) const;

  // Every public URL path, including filter views such as
  // "/case-studies?industry=Healthcare", for the page-cache pre-render,
  // the sitemap and `export`. Starts with "/".
  std::vector<std::string> public_paths();

  // Status 404 in the full layout, with links to the main sections.
  Response not_found_page(const Request& request);
  // Status 500 in the full layout. Never touches the database, so it works
  // when the database is the thing that failed.
  Response server_error_page(const Request& request);

 private:
  // A rendered page before it becomes a Response: the template and its data.
  struct PageView {
    std::string template_name;
    PageHead head;
    boost::json::object data;  // merged into the layout context at the top level
  };
  using MaybePage = std::optional<PageView>;

  MaybePage home_page();
  MaybePage services_page();
  MaybePage service_page(std::string_view slug);
  MaybePage case_studies_page(const Request& request);
  MaybePage case_study_page(std::string_view slug);
  MaybePage impact_list_page(const Request& request);
  MaybePage impact_story_page(std::string_view slug);
  MaybePage text_page(std::string_view slug, std::string_view template_name);
  MaybePage lead_form_page(std::string_view kind, const Request& request,
                           const boost::json::object& values = {}, const boost::json::object& errors = {},
                           const boost::json::object& form_extras = {});

  Response render_page(const Request& request, const MaybePage& page);
  std::string render_layout(const PageView& page, std::string_view request_path) const;
  boost::json::object layout_context(const PageHead& head, std::string_view request_path) const;
  Response sitemap();

  std::string icon_svg(std::string_view icon) const;
  std::vector<content::Service> all_services();
  std::string absolute(std::string_view path) const { return settings_.base_url + std::string(path); }

  SiteSettings settings_;
  content::ContentRepository& content_;
  const TemplateEngine& templates_;
  site::Organization organization_;
  boost::json::object asset_urls_;
  std::string og_image_url_;
};

}  // namespace iv::web
