#include "web/site/site_pages.h"

#include <algorithm>
#include <optional>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "web/site/content_views.h"
#include "web/site/crawler_files.h"
#include "web/site/lead_forms.h"
#include "web/site/pagination.h"
#include "web/site/site_common.h"

// Routes and the page builders: each turns content into a PageView (template
// name, <head> facts and page data). Layout and error pages: site_layout.cpp;
// the list of public paths and the sitemap: site_paths.cpp.

namespace iv::web {
namespace {

using boost::json::array;
using boost::json::object;

// Reads a query filter: absent or empty means "no filter".
std::optional<std::string> filter_value(const Request& request, std::string_view name) {
  const auto value = request.query.get(name);
  if (!value || value->empty()) return std::nullopt;
  return std::string(*value);
}

bool contains(const std::vector<std::string>& items, std::string_view value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

std::string count_text(std::int64_t count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + " " + std::string(count == 1 ? singular : plural);
}

// Page data stored as JSON in Page::data_json; a malformed document is treated as empty.
object page_data(const content::Page& page) {
  boost::system::error_code error;
  auto value = boost::json::parse(page.data_json, error);
  if (error || !value.is_object()) return {};
  return std::move(value.get_object());
}

// Copies a list of {value, label} (or {year, text}) objects from page data, keeping only string fields.
array string_records(const object& data, std::string_view key,
                     std::initializer_list<std::string_view> fields) {
  array out;
  const auto* list = data.if_contains(key);
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& item : list->get_array()) {
    if (!item.is_object()) continue;
    object record;
    for (const auto field : fields) {
      const auto* value = item.get_object().if_contains(field);
      record[field] = (value != nullptr && value->is_string()) ? value->get_string() : boost::json::string();
    }
    out.push_back(std::move(record));
  }
  return out;
}

std::string string_field(const object& data, std::string_view key, std::string_view fallback) {
  const auto* value = data.if_contains(key);
  return (value != nullptr && value->is_string()) ? std::string(value->get_string()) : std::string(fallback);
}

}  // namespace

SitePages::SitePages(SiteSettings settings, content::ContentRepository& content,
                     const TemplateEngine& templates, const StaticAssets& assets)
    : settings_(std::move(settings)), content_(content), templates_(templates) {
  asset_urls_ = {{"css", assets.url("css/site.css")},
                 {"js", assets.url("js/site.js")},
                 {"upload_js", assets.url("js/upload.js")},
                 {"favicon", assets.url("img/favicon.svg")},
                 {"logo", assets.url("img/logo.svg")},
                 {"hero", assets.url("img/hero-village-data.svg")},
                 {"quality_art", assets.url("img/illustration-quality.svg")}};
  // Browser libraries from npm, when installed (see application.cpp).
  for (const auto& [key, logical] : {std::pair{"altcha_js", "vendor/altcha/altcha.min.js"},
                                     std::pair{"altcha_css", "vendor/altcha/altcha.css"},
                                     std::pair{"altcha_worker", "vendor/altcha/sha.js"},
                                     std::pair{"tus_js", "vendor/tus-js-client/tus.min.js"}}) {
    if (assets.has(logical)) asset_urls_[key] = assets.url(logical);
  }
  og_image_url_ = absolute(assets.url("img/og-default.png"));
  organization_ = {.name = settings_.site_name,
                   .url = settings_.base_url,
                   .logo_url = absolute(assets.url("img/logo.svg")),
                   .email = settings_.contact_email};
}

void SitePages::register_routes(Router& router, bool with_lead_forms) {
  const auto page = [this](auto make) {
    return [this, make](const Request& request, const RouteParams& params) {
      return render_page(request, make(request, params));
    };
  };
  const auto options = [](std::vector<std::string> query_params = {}) {
    return RouteOptions{
        .cacheable = true, .query_params = std::move(query_params), .kind = RouteOptions::Kind::html};
  };
  router.add(Method::get, "/", page([this](const Request&, const RouteParams&) { return home_page(); }),
             options());
  router.add(Method::get, "/services",
             page([this](const Request&, const RouteParams&) { return services_page(); }), options());
  router.add(Method::get, "/services/{slug}",
             page([this](const Request&, const RouteParams& p) { return service_page(p.get("slug")); }),
             options());
  router.add(Method::get, "/case-studies",
             page([this](const Request& r, const RouteParams&) { return case_studies_page(r); }),
             options({"industry", "service", "page"}));
  router.add(Method::get, "/case-studies/{slug}",
             page([this](const Request&, const RouteParams& p) { return case_study_page(p.get("slug")); }),
             options());
  router.add(Method::get, "/impact",
             page([this](const Request& r, const RouteParams&) { return impact_list_page(r); }),
             options({"category", "page"}));
  router.add(Method::get, "/impact/{slug}",
             page([this](const Request&, const RouteParams& p) { return impact_story_page(p.get("slug")); }),
             options());
  router.add(Method::get, "/about",
             page([this](const Request&, const RouteParams&) { return text_page("about", "pages/about"); }),
             options());
  router.add(Method::get, "/privacy",
             page([this](const Request&, const RouteParams&) { return text_page("privacy", "pages/text"); }),
             options());
  for (const std::string_view kind : {"contact", "demo", "quote"}) {
    if (!with_lead_forms) break;
    router.add(Method::get, "/" + std::string(kind),
               page([this, kind](const Request& r, const RouteParams&) { return lead_form_page(kind, r); }),
               options(kind == "quote" ? std::vector<std::string>{"service"} : std::vector<std::string>{}));
  }
  const RouteOptions plain{.cacheable = true, .kind = RouteOptions::Kind::plain};
  router.add(
      Method::get, "/sitemap.xml", [this](const Request&, const RouteParams&) { return sitemap(); }, plain);
  router.add(
      Method::get, "/robots.txt",
      [this](const Request&, const RouteParams&) {
        return site::text_response("text/plain; charset=utf-8", site::robots_txt(settings_.base_url));
      },
      plain);
}

// ---------------------------------------------------------------------------
// Pages

SitePages::MaybePage SitePages::home_page() {
  const auto home = content_.find_page("home");
  const object data = home ? page_data(*home) : object{};
  array services;
  for (const auto& service : all_services())
    services.push_back(site::service_card_view(service, icon_svg(service.icon)));
  array case_studies;
  for (const auto& study : content_.list_case_studies({}, {.page = 1, .per_page = 3}).items) {
    case_studies.push_back(site::case_study_card_view(study));
  }
  const array figures = string_records(data, "figures", {"value", "label"});

  PageView view{.template_name = "pages/home"};
  view.head.title = home ? home->title : "AI data services with social impact";
  view.head.description = home ? home->summary
                               : "AI training data, document processing and content moderation delivered by "
                                 "skilled teams in rural India.";
  view.head.path = "/";
  const std::string clients_line = string_field(data, "clients_line", "");
  view.data = {
      {"hero", object{{"title", string_field(data, "hero_title", "Better AI data, built by rural India")},
                      {"text", string_field(data, "hero_text", view.head.description)},
                      {"has_clients_line", !clients_line.empty()},
                      {"clients_line", clients_line}}},
      {"services", std::move(services)},
      {"has_figures", !figures.empty()},
      {"figures", figures},
      {"why_html", home ? home->body_html : std::string()},
      {"has_why", home && !home->body_html.empty()},
      {"has_case_studies", !case_studies.empty()},
      {"case_studies", std::move(case_studies)}};
  return view;
}

SitePages::MaybePage SitePages::services_page() {
  array cards;
  for (const auto& service : all_services())
    cards.push_back(site::service_card_view(service, icon_svg(service.icon)));
  PageView view{.template_name = "pages/services"};
  view.head = {.title = "Services",
               .description =
                   "Data annotation, data curation, document digitisation, model training support, "
                   "content moderation and digital transformation from IndiVillage's impact-sourcing "
                   "centres in rural India.",
               .path = "/services"};
  view.data = {{"services", std::move(cards)}};
  return view;
}

SitePages::MaybePage SitePages::service_page(std::string_view slug) {
  const auto service = content_.find_service(slug);
  if (!service) return std::nullopt;
  array related;
  for (const auto& study :
       content_.list_case_studies({.service = service->slug}, {.page = 1, .per_page = 3}).items) {
    related.push_back(site::case_study_card_view(study));
  }
  const std::string path = site::service_path(service->slug);
  PageView view{.template_name = "pages/service"};
  view.head = {.title = service->title,
               .description = service->summary,
               .path = path,
               .breadcrumbs = {{"Home", "/"}, {"Services", "/services"}, {service->title, path}}};
  view.head.structured_data.push_back(site::service_data({.name = service->title,
                                                          .description = service->summary,
                                                          .url = absolute(path),
                                                          .audiences = service->industries},
                                                         organization_));
  view.data = {{"service", site::service_detail_view(*service, icon_svg(service->icon))},
               {"aside", object{{"quote_url", "/quote?service=" + percent_encode(service->slug)},
                                {"has_topic", true},
                                {"topic", service->title}}},
               {"has_related", !related.empty()},
               {"related", std::move(related)}};
  return view;
}

SitePages::MaybePage SitePages::case_studies_page(const Request& request) {
  const auto industry = filter_value(request, "industry");
  const auto service_slug = filter_value(request, "service");
  const auto page_number = site::parse_page_number(request.query.get("page"));
  const auto industries = content_.case_study_industries();
  const auto services = all_services();
  if (!page_number || (industry && !contains(industries, *industry))) return std::nullopt;
  const auto service = std::find_if(services.begin(), services.end(), [&](const content::Service& s) {
    return service_slug && s.slug == *service_slug;
  });
  if (service_slug && service == services.end()) return std::nullopt;

  const auto result =
      content_.list_case_studies({.industry = industry, .service = service_slug},
                                 {.page = *page_number, .per_page = site::kCaseStudiesPerPage});
  const int pages = site::page_count(result.total, site::kCaseStudiesPerPage);
  if (*page_number > pages) return std::nullopt;

  array industry_options;
  for (const auto& name : industries) {
    industry_options.push_back(object{{"value", name}, {"label", name}, {"selected", industry == name}});
  }
  array service_options;
  for (const auto& s : services) {
    service_options.push_back(
        object{{"value", s.slug}, {"label", s.title}, {"selected", service_slug == s.slug}});
  }
  std::string summary = count_text(result.total, "case study", "case studies");
  if (industry) summary += " in " + *industry;
  if (service_slug) summary += " involving " + service->title;
  array cards;
  for (const auto& study : result.items) cards.push_back(site::case_study_card_view(study));

  const std::string filter_industry = industry.value_or("");
  const std::string filter_service = service_slug.value_or("");
  const auto url_for = [&](int number) {
    return site::with_query("/case-studies", {{"industry", filter_industry},
                                              {"service", filter_service},
                                              {"page", number > 1 ? std::to_string(number) : ""}});
  };
  const bool filtered = industry || service_slug;

  PageView view{.template_name = "pages/case-studies"};
  view.head = {
      .title = *page_number > 1 ? "Case studies (page " + std::to_string(*page_number) + ")" : "Case studies",
      .description =
          "How IndiVillage's teams in rural India deliver measurable results for AI, data and "
          "operations programmes across industries.",
      .path = filtered ? "/case-studies" : url_for(*page_number)};
  view.data = {{"filters", object{{"industries", std::move(industry_options)},
                                  {"services", std::move(service_options)},
                                  {"active", filtered},
                                  {"clear_url", "/case-studies"}}},
               {"result_summary", summary},
               {"has_results", !cards.empty()},
               {"case_studies", std::move(cards)},
               {"pagination", site::pagination_view(*page_number, pages, url_for)}};
  return view;
}

SitePages::MaybePage SitePages::case_study_page(std::string_view slug) {
  const auto study = content_.find_case_study(slug);
  if (!study) return std::nullopt;
  site::ServiceTitles titles;
  for (const auto& service : all_services()) titles.emplace(service.slug, service.title);
  const std::string path = site::case_study_path(study->slug);
  PageView view{.template_name = "pages/case-study"};
  view.head = {.title = study->title,
               .description = study->summary,
               .path = path,
               .og_type = "article",
               .breadcrumbs = {{"Home", "/"}, {"Case studies", "/case-studies"}, {study->title, path}}};
  view.head.structured_data.push_back(site::article_data({.headline = study->title,
                                                          .description = study->summary,
                                                          .url = absolute(path),
                                                          .image_url = og_image_url_,
                                                          .published = study->published},
                                                         organization_));
  view.data = {{"study", site::case_study_detail_view(*study, titles)}};
  return view;
}

SitePages::MaybePage SitePages::impact_list_page(const Request& request) {
  const auto category = filter_value(request, "category");
  const auto page_number = site::parse_page_number(request.query.get("page"));
  const auto categories = content_.impact_categories();
  if (!page_number || (category && !contains(categories, *category))) return std::nullopt;
  const auto result = content_.list_impact_stories(
      {.category = category}, {.page = *page_number, .per_page = site::kImpactStoriesPerPage});
  const int pages = site::page_count(result.total, site::kImpactStoriesPerPage);
  if (*page_number > pages) return std::nullopt;

  array category_links{object{{"label", "All stories"}, {"url", "/impact"}, {"current", !category}}};
  for (const auto& name : categories) {
    category_links.push_back(object{{"label", site::impact_category_label(name)},
                                    {"url", site::with_query("/impact", {{"category", name}})},
                                    {"current", category == name}});
  }
  array cards;
  for (const auto& story : result.items) cards.push_back(site::impact_card_view(story));
  const std::string filter_category = category.value_or("");
  const auto url_for = [&](int number) {
    return site::with_query(
        "/impact", {{"category", filter_category}, {"page", number > 1 ? std::to_string(number) : ""}});
  };
  std::string summary = count_text(result.total, "story", "stories");
  if (category) summary += " about " + site::impact_category_label(*category);

  PageView view{.template_name = "pages/impact"};
  view.head = {.title = *page_number > 1 ? "Impact (page " + std::to_string(*page_number) + ")" : "Impact",
               .description =
                   "Stories from IndiVillage's centres in rural India: jobs close to home, women in "
                   "technology, skills training and community programmes.",
               .path = category ? "/impact" : url_for(*page_number)};
  view.data = {{"categories", std::move(category_links)},
               {"result_summary", summary},
               {"has_results", !cards.empty()},
               {"stories", std::move(cards)},
               {"pagination", site::pagination_view(*page_number, pages, url_for)}};
  return view;
}

SitePages::MaybePage SitePages::impact_story_page(std::string_view slug) {
  const auto story = content_.find_impact_story(slug);
  if (!story) return std::nullopt;
  const std::string path = site::impact_path(story->slug);
  PageView view{.template_name = "pages/impact-story"};
  view.head = {.title = story->title,
               .description = story->summary,
               .path = path,
               .og_type = "article",
               .breadcrumbs = {{"Home", "/"}, {"Impact", "/impact"}, {story->title, path}}};
  view.head.structured_data.push_back(site::article_data({.headline = story->title,
                                                          .description = story->summary,
                                                          .url = absolute(path),
                                                          .image_url = og_image_url_,
                                                          .published = story->published},
                                                         organization_));
  view.data = {{"story", site::impact_detail_view(*story)}};
  return view;
}

// About, privacy: a content page with its optional figures and milestones.
SitePages::MaybePage SitePages::text_page(std::string_view slug, std::string_view template_name) {
  const auto page = content_.find_page(slug);
  if (!page) return std::nullopt;
  const object data = page_data(*page);
  const array figures = string_records(data, "figures", {"value", "label"});
  const array milestones = string_records(data, "milestones", {"year", "text"});
  PageView view{.template_name = std::string(template_name)};
  view.head = {.title = page->title, .description = page->summary, .path = "/" + page->slug};
  view.data = {{"page", object{{"title", page->title},
                               {"summary", page->summary},
                               {"body_html", page->body_html},
                               {"has_figures", !figures.empty()},
                               {"figures", figures},
                               {"has_milestones", !milestones.empty()},
                               {"milestones", milestones}}}};
  return view;
}

SitePages::MaybePage SitePages::lead_form_page(std::string_view kind_name, const Request& request,
                                               const object& values_in, const object& errors,
                                               const object& form_extras) {
  const auto kind = site::lead_form_kind(kind_name);
  if (!kind) return std::nullopt;
  const auto services = all_services();
  object values = values_in;
  // /quote?service=data-annotation pre-selects the service a visitor came from.
  if (const auto service = filter_value(request, "service")) {
    const bool known = std::any_of(services.begin(), services.end(),
                                   [&](const content::Service& s) { return s.slug == *service; });
    if (!known || *kind != site::LeadFormKind::quote) return std::nullopt;
    if (!values.contains("services")) values["services"] = array{boost::json::string(*service)};
  }
  struct Copy {
    std::string_view title, description;
  };
  static constexpr Copy kCopy[] = {
      {"Contact us",
       "Questions about our services, partnerships or careers? Write to the IndiVillage team and we "
       "will reply within one business day."},
      {"Request a demo",
       "See how IndiVillage teams annotate, curate and process data in a live walkthrough shaped "
       "around your use case."},
      {"Get a quote",
       "Tell us about your data and your goals, and we will send a scoped proposal with pricing, "
       "usually within two business days."}};
  const Copy& copy = kCopy[static_cast<std::size_t>(*kind)];
  object lead_form = site::lead_form_view(*kind, services, values, errors);
  for (const auto& extra : form_extras) lead_form[extra.key()] = extra.value();
  PageView view{.template_name = "pages/lead-form"};
  view.head = {.title = std::string(copy.title),
               .description = std::string(copy.description),
               .path = "/" + std::string(kind_name)};
  view.data = {{"intro", object{{"title", copy.title}, {"text", copy.description}}},
               {"form", lead_form},
               {"is_contact", *kind == site::LeadFormKind::contact},
               {"is_demo", *kind == site::LeadFormKind::demo},
               {"is_quote", *kind == site::LeadFormKind::quote}};
  return view;
}

std::optional<std::string> SitePages::render_lead_form(std::string_view kind, const Request& request,
                                                       const object& values, const object& errors,
                                                       const object& form_extras) {
  const auto page = lead_form_page(kind, request, values, errors, form_extras);
  if (!page) return std::nullopt;
  return render_layout(*page, request.path);
}

std::optional<std::string> SitePages::render_lead_thanks(std::string_view kind_name,
                                                         std::string_view reference) {
  const auto kind = site::lead_form_kind(kind_name);
  if (!kind) return std::nullopt;
  struct Copy {
    std::string_view title, text;
  };
  static constexpr Copy kCopy[] = {
      {"Thank you for your message",
       "Your message is with our team. The right person will reply within one business day."},
      {"Thank you for requesting a demo",
       "A solutions lead will write within one business day to agree a time that suits you."},
      {"Thank you for your quote request",
       "We will review your requirements and send a scoped proposal with pricing within two business days."}};
  const Copy& copy = kCopy[static_cast<std::size_t>(*kind)];
  PageView view{.template_name = "pages/lead-thanks"};
  const std::string path = "/" + std::string(kind_name) + "/thanks";
  view.head = {.title = std::string(copy.title), .description = std::string(copy.text), .noindex = true};
  view.data = {{"thanks", object{{"title", copy.title},
                                 {"text", copy.text},
                                 {"has_reference", !reference.empty()},
                                 {"reference", reference},
                                 {"is_contact", *kind == site::LeadFormKind::contact},
                                 {"is_demo", *kind == site::LeadFormKind::demo},
                                 {"is_quote", *kind == site::LeadFormKind::quote}}}};
  return render_layout(view, path);
}

std::vector<content::Service> SitePages::all_services() {
  return content_.list_services({}, {.page = 1, .per_page = site::kAllItems}).items;
}

}  // namespace iv::web
