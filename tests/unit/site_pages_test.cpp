#include "web/site/site_pages.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "web/site/content_views.h"
#include "web/site/pagination.h"
#include "web/site/structured_data.h"

namespace iv::web {
namespace {

namespace fs = std::filesystem;
using content::CaseStudy;
using content::ImpactStory;
using content::Page;
using content::Service;

fs::path source_dir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

// In-memory ContentRepository with the documented ordering, filters and paging.
// Counts calls so tests can prove that a page did not touch the database.
class FakeContentRepository : public content::ContentRepository {
 public:
  content::ContentBundle bundle;
  std::atomic<int> calls{0};

  content::PageOf<Service> list_services(const content::ServiceFilter& filter,
                                         content::PageRequest page) override {
    ++calls;
    auto items = bundle.services;
    std::erase_if(items, [&](const Service& s) {
      return filter.industry &&
             std::find(s.industries.begin(), s.industries.end(), *filter.industry) == s.industries.end();
    });
    std::stable_sort(items.begin(), items.end(), [](const Service& a, const Service& b) {
      return a.order != b.order ? a.order < b.order : a.title < b.title;
    });
    return paged(std::move(items), page);
  }
  std::optional<Service> find_service(std::string_view slug) override { return find(bundle.services, slug); }

  content::PageOf<CaseStudy> list_case_studies(const content::CaseStudyFilter& filter,
                                               content::PageRequest page) override {
    ++calls;
    auto items = bundle.case_studies;
    std::erase_if(items, [&](const CaseStudy& c) {
      const bool wrong_industry = filter.industry && c.industry != *filter.industry;
      const bool wrong_service = filter.service && std::find(c.services.begin(), c.services.end(),
                                                             *filter.service) == c.services.end();
      return wrong_industry || wrong_service;
    });
    std::stable_sort(items.begin(), items.end(), newest_first<CaseStudy>);
    return paged(std::move(items), page);
  }
  std::optional<CaseStudy> find_case_study(std::string_view slug) override {
    return find(bundle.case_studies, slug);
  }

  content::PageOf<ImpactStory> list_impact_stories(const content::ImpactFilter& filter,
                                                   content::PageRequest page) override {
    ++calls;
    auto items = bundle.impact_stories;
    std::erase_if(items,
                  [&](const ImpactStory& s) { return filter.category && s.category != *filter.category; });
    std::stable_sort(items.begin(), items.end(), newest_first<ImpactStory>);
    return paged(std::move(items), page);
  }
  std::optional<ImpactStory> find_impact_story(std::string_view slug) override {
    return find(bundle.impact_stories, slug);
  }

  std::optional<Page> find_page(std::string_view slug) override { return find(bundle.pages, slug); }

  std::vector<std::string> case_study_industries() override {
    ++calls;
    std::set<std::string> names;
    for (const auto& c : bundle.case_studies) names.insert(c.industry);
    return {names.begin(), names.end()};
  }
  std::vector<std::string> impact_categories() override {
    ++calls;
    std::set<std::string> names;
    for (const auto& s : bundle.impact_stories) names.insert(s.category);
    return {names.begin(), names.end()};
  }
  std::int64_t content_version() override { return 1; }
  void replace_all(const content::ContentBundle& replacement) override { bundle = replacement; }

 private:
  template <class T>
  static bool newest_first(const T& a, const T& b) {
    return a.published != b.published ? a.published > b.published : a.title < b.title;
  }
  template <class T>
  static content::PageOf<T> paged(std::vector<T> items, content::PageRequest page) {
    content::PageOf<T> result;
    result.total = static_cast<std::int64_t>(items.size());
    const auto first = std::min(items.size(), static_cast<std::size_t>((page.page - 1) * page.per_page));
    const auto last = std::min(items.size(), first + static_cast<std::size_t>(page.per_page));
    result.items.assign(items.begin() + static_cast<std::ptrdiff_t>(first),
                        items.begin() + static_cast<std::ptrdiff_t>(last));
    return result;
  }
  template <class T>
  std::optional<T> find(const std::vector<T>& items, std::string_view slug) {
    ++calls;
    for (const auto& item : items) {
      if (item.slug == slug) return item;
    }
    return std::nullopt;
  }
};

Service make_service(std::string slug, std::string title, std::string icon, int order) {
  Service s;
  s.slug = std::move(slug);
  s.title = std::move(title);
  s.summary = "Summary of " + s.title + ".";
  s.icon = std::move(icon);
  s.order = order;
  s.features = {{"Image annotation", "Boxes and polygons."}, {"Quality control", "Three review passes."}};
  s.use_cases = {"Perception models", "Retail search"};
  s.industries = {"Automotive", "Retail & E-commerce"};
  s.figures = {{"99.5%", "label accuracy"}, {"48 h", "pilot turnaround"}};
  s.body_html = "<h2>How we work</h2>\n<p>Body of " + s.slug + ".</p>\n";
  return s;
}

CaseStudy make_case_study(std::string slug, std::string industry, std::vector<std::string> services,
                          std::string published) {
  CaseStudy c;
  c.slug = std::move(slug);
  c.title = "Case " + c.slug;
  c.client = "A European carmaker";
  c.industry = std::move(industry);
  c.summary = "What happened in " + c.slug + ".";
  c.services = std::move(services);
  c.challenge_html = "<p>The challenge.</p>";
  c.solution_html = "<p>The solution.</p>";
  c.results = {{"38%", "faster"}, {"2M", "items"}};
  c.published = std::move(published);
  c.body_html = "<h2>The approach</h2><p>Details.</p>";
  return c;
}

ImpactStory make_story(std::string slug, std::string category, std::string published) {
  ImpactStory s;
  s.slug = std::move(slug);
  s.title = "Story " + s.slug;
  s.category = std::move(category);
  s.summary = "Summary of " + s.slug + ".";
  s.location = "Mudhol, Karnataka";
  s.figures = {{"1,200+", "jobs"}};
  s.published = std::move(published);
  s.body_html = "<p>Once upon a time.</p>";
  return s;
}

content::ContentBundle fixture() {
  content::ContentBundle b;
  b.services = {make_service("data-annotation", "Data Annotation", "annotation", 1),
                make_service("data-curation", "Data Curation", "curation", 2),
                make_service("content-moderation", "Content Moderation", "moderation", 3)};
  b.case_studies = {make_case_study("lidar-labelling", "Automotive", {"data-annotation"}, "2025-06-12"),
                    make_case_study("catalog-enrichment", "Retail & E-commerce",
                                    {"data-curation", "data-annotation"}, "2024-11-02"),
                    make_case_study("claims-processing", "Insurance", {"data-curation"}, "2023-04-20")};
  b.impact_stories = {make_story("jobs-in-mudhol", "rural-employment", "2025-03-08"),
                      make_story("women-coders", "women-in-tech", "2024-09-01")};
  b.pages = {
      Page{.slug = "home",
           .title = "AI data services with social impact",
           .summary = "Home summary.",
           .body_html = "<h2>Why IndiVillage</h2><p>Because.</p>",
           .data_json =
               R"({"hero_title":"Better data from rural India","hero_text":"Hero text.",)"
               R"("clients_line":"Trusted by AI teams.","figures":[{"value":"1,500+","label":"jobs"}]})"},
      Page{.slug = "about",
           .title = "About IndiVillage",
           .summary = "About summary.",
           .body_html = "<h2>Our mission</h2><p>Mission.</p>",
           .data_json = R"({"figures":[{"value":"17","label":"years"}],)"
                        R"("milestones":[{"year":"2008","text":"Founded in Karnataka."}]})"},
      Page{.slug = "privacy",
           .title = "Privacy policy",
           .summary = "How we use data.",
           .body_html = "<h2>What we collect</h2><p>Little.</p>"}};
  return b;
}

struct Fetched {
  int status = 0;
  std::string body;
  Response response;
};

class SitePagesTest : public ::testing::Test {
 protected:
  SitePagesTest()
      : templates_(source_dir() / "templates"),
        assets_(source_dir() / "static"),
        site_(SiteSettings{.base_url = "https://www.example.test"}, repository_, templates_, assets_) {
    repository_.bundle = fixture();
    site_.register_routes(router_);
  }

  // Routes `target` like the dispatcher does (minus caching); unmatched -> 404 page.
  Fetched get(const std::string& target) {
    Request request;
    request.target = target;
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) {
      request.raw_query = target.substr(question + 1);
      const auto query = parse_query(request.raw_query);
      EXPECT_TRUE(query.has_value()) << target;
      if (query) request.query = *query;
    }
    const auto match = router_.match(Method::get, request.path);
    Response response =
        match.route ? match.route->handler(request, match.params) : site_.not_found_page(request);
    return {response.status, std::string(response.body_view()), response};
  }

  static std::vector<boost::json::value> json_ld_blocks(const std::string& html) {
    std::vector<boost::json::value> blocks;
    const std::string open = "<script type=\"application/ld+json\">";
    for (auto at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
      const auto start = at + open.size();
      const auto end = html.find("</script>", start);
      blocks.push_back(boost::json::parse(html.substr(start, end - start)));
    }
    return blocks;
  }

  static std::string without_json_ld(std::string html) {
    const std::string open = "<script type=\"application/ld+json\">";
    for (auto at = html.find(open); at != std::string::npos; at = html.find(open, at)) {
      html.erase(at, html.find("</script>", at) + 9 - at);
    }
    return html;
  }

  static std::set<std::string> json_ld_types(const std::string& html) {
    std::set<std::string> types;
    for (const auto& block : json_ld_blocks(html)) types.insert(std::string(block.at("@type").as_string()));
    return types;
  }

  static int count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }

  FakeContentRepository repository_;
  TemplateEngine templates_;
  StaticAssets assets_;
  SitePages site_;
  Router router_;
};

struct PageExpectation {
  std::string path;
  std::string title;      // full <title> text
  std::string canonical;  // path part of the canonical URL
  std::string h1;         // text inside the H1
};

TEST_F(SitePagesTest, EveryRouteRendersWithTitleCanonicalAndHeading) {
  const std::vector<PageExpectation> pages = {
      {"/", "AI data services with social impact — IndiVillage", "/", "Better data from rural India"},
      {"/services", "Services — IndiVillage", "/services", "AI data services, delivered from rural India"},
      {"/services/data-annotation", "Data Annotation — IndiVillage", "/services/data-annotation",
       "Data Annotation"},
      {"/case-studies", "Case studies — IndiVillage", "/case-studies", "Results our clients can measure"},
      {"/case-studies?industry=Automotive", "Case studies — IndiVillage", "/case-studies",
       "Results our clients can measure"},
      {"/case-studies/lidar-labelling", "Case lidar-labelling — IndiVillage", "/case-studies/lidar-labelling",
       "Case lidar-labelling"},
      {"/impact", "Impact — IndiVillage", "/impact", "Good jobs where talent lives"},
      {"/impact?category=women-in-tech", "Impact — IndiVillage", "/impact", "Good jobs where talent lives"},
      {"/impact/jobs-in-mudhol", "Story jobs-in-mudhol — IndiVillage", "/impact/jobs-in-mudhol",
       "Story jobs-in-mudhol"},
      {"/about", "About IndiVillage — IndiVillage", "/about", "About IndiVillage"},
      {"/privacy", "Privacy policy — IndiVillage", "/privacy", "Privacy policy"},
      {"/contact", "Contact us — IndiVillage", "/contact", "Contact us"},
      {"/demo", "Request a demo — IndiVillage", "/demo", "Request a demo"},
      {"/quote", "Get a quote — IndiVillage", "/quote", "Get a quote"},
  };
  const std::regex h1(R"(<h1[^>]*>([^<]*)</h1>)");
  for (const auto& page : pages) {
    SCOPED_TRACE(page.path);
    const auto got = get(page.path);
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.response.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(got.response.header("Cache-Control"), "public, max-age=60, stale-while-revalidate=600");
    EXPECT_NE(got.body.find("<title>" + page.title + "</title>"), std::string::npos);
    EXPECT_NE(
        got.body.find("<link rel=\"canonical\" href=\"https://www.example.test" + page.canonical + "\">"),
        std::string::npos);
    EXPECT_EQ(count(got.body, "<h1"), 1);
    std::smatch match;
    ASSERT_TRUE(std::regex_search(got.body, match, h1));
    EXPECT_EQ(match[1].str(), page.h1);
  }
}

TEST_F(SitePagesTest, LayoutHasHeadMetadataLandmarksAndOneStylesheetAndScript) {
  const auto got = get("/services/data-annotation");
  const std::string& html = got.body;
  EXPECT_TRUE(html.starts_with("<!doctype html>\n<html lang=\"en\">"));
  EXPECT_NE(html.find("<meta name=\"description\" content=\"Summary of Data Annotation.\">"),
            std::string::npos);
  EXPECT_NE(html.find("<meta property=\"og:title\" content=\"Data Annotation\">"), std::string::npos);
  EXPECT_NE(
      html.find("<meta property=\"og:url\" content=\"https://www.example.test/services/data-annotation\">"),
      std::string::npos);
  EXPECT_NE(html.find("<meta property=\"og:image\" content=\"https://www.example.test" +
                      assets_.url("img/og-default.png") + "\">"),
            std::string::npos);
  EXPECT_NE(html.find("<meta name=\"twitter:card\" content=\"summary_large_image\">"), std::string::npos);
  EXPECT_NE(html.find("<meta name=\"theme-color\""), std::string::npos);
  EXPECT_NE(
      html.find("<link rel=\"icon\" href=\"" + assets_.url("img/favicon.svg") + "\" type=\"image/svg+xml\">"),
      std::string::npos);
  EXPECT_EQ(count(html, "rel=\"stylesheet\""), 1);
  EXPECT_EQ(count(html, "<script src="), 1);
  EXPECT_NE(html.find("<script src=\"" + assets_.url("js/site.js") + "\" defer></script>"),
            std::string::npos);
  EXPECT_NE(html.find("<a class=\"skip-link\" href=\"#main\">"), std::string::npos);
  EXPECT_NE(html.find("<main id=\"main\""), std::string::npos);
  EXPECT_NE(html.find("<nav class=\"site-nav\" id=\"site-nav\" aria-label=\"Main\">"), std::string::npos);
  EXPECT_NE(html.find("<footer"), std::string::npos);
  // Inside the Services section: the nav link says so.
  EXPECT_NE(html.find("href=\"/services\" aria-current=\"true\">Services</a>"), std::string::npos);
  EXPECT_NE(get("/services").body.find("href=\"/services\" aria-current=\"page\">Services</a>"),
            std::string::npos);
}

TEST_F(SitePagesTest, PagesFollowTheContentSecurityPolicyAndImageRules) {
  const std::regex inline_handler(R"(<[^>]+\son[a-z]+\s*=)", std::regex::icase);
  const std::regex img(R"(<img\b[^>]*>)");
  for (const auto& path : site_.public_paths()) {
    if (path == "/sitemap.xml" || path == "/robots.txt") continue;
    SCOPED_TRACE(path);
    const auto got = get(path);
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.body.find("style="), std::string::npos);
    EXPECT_EQ(got.body.find("<style"), std::string::npos);
    EXPECT_FALSE(std::regex_search(got.body, inline_handler));
    // The only inline scripts are JSON-LD data blocks.
    EXPECT_EQ(count(got.body, "<script"), 1 + count(got.body, "<script type=\"application/ld+json\">"));
    for (auto it = std::sregex_iterator(got.body.begin(), got.body.end(), img); it != std::sregex_iterator();
         ++it) {
      const std::string tag = it->str();
      EXPECT_NE(tag.find(" alt="), std::string::npos) << tag;
      EXPECT_NE(tag.find(" width="), std::string::npos) << tag;
      EXPECT_NE(tag.find(" height="), std::string::npos) << tag;
    }
    EXPECT_EQ(got.body.find("http://"), std::string::npos) << "nothing from another origin";
  }
}

TEST_F(SitePagesTest, HomeShowsHeroCallsToActionServicesFiguresAndLatestCaseStudies) {
  const auto html = get("/").body;
  EXPECT_NE(html.find("<a class=\"button button--primary button--large\" href=\"/demo\">Request a demo</a>"),
            std::string::npos);
  EXPECT_NE(html.find("href=\"/quote\">Get a quote</a>"), std::string::npos);
  for (const char* slug : {"data-annotation", "data-curation", "content-moderation"}) {
    EXPECT_NE(html.find(std::string("href=\"/services/") + slug + "\""), std::string::npos) << slug;
  }
  EXPECT_NE(html.find("1,500+"), std::string::npos);
  EXPECT_NE(html.find("<h2>Why IndiVillage</h2>"), std::string::npos);
  EXPECT_NE(html.find("Trusted by AI teams."), std::string::npos);
  EXPECT_NE(html.find("href=\"/case-studies/lidar-labelling\""), std::string::npos);
}

TEST_F(SitePagesTest, TitlesAreEscapedEverywhere) {
  repository_.bundle.services[0].title = "<script>alert(1)</script>";
  repository_.bundle.case_studies[0].title = "Evil \"quote\" </script><script>alert(2)</script>";
  for (const std::string path :
       {"/", "/services", "/services/data-annotation", "/case-studies/lidar-labelling", "/case-studies",
        "/quote", "/sitemap.xml"}) {
    SCOPED_TRACE(path);
    const auto got = get(path);
    ASSERT_EQ(got.status, 200);
    // JSON-LD blocks hold the title as data (checked below); the markup must never.
    const std::string markup = without_json_ld(got.body);
    EXPECT_EQ(markup.find("<script>alert"), std::string::npos);
    EXPECT_EQ(markup.find("</script><script>"), std::string::npos);
    EXPECT_EQ(count(got.body, "</script>"),
              count(got.body, "<script src=") + count(got.body, "<script type=\"application/ld+json\">"));
  }
  const auto service = get("/services/data-annotation").body;
  EXPECT_NE(service.find("<h1 class=\"page-header__title\">&lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
            std::string::npos);
  EXPECT_NE(service.find("<title>&lt;script&gt;alert(1)&lt;/script&gt; — IndiVillage</title>"),
            std::string::npos);
  // In JSON-LD the title stays data: "</" is escaped, and the block still parses.
  EXPECT_NE(service.find(R"("name":"<script>alert(1)<\/script>")"), std::string::npos);
  EXPECT_NO_THROW(json_ld_blocks(service));
  const auto study = get("/case-studies/lidar-labelling").body;
  bool found = false;
  for (const auto& block : json_ld_blocks(study)) {
    if (block.at("@type") == "Article") {
      EXPECT_EQ(block.at("headline"), "Evil \"quote\" </script><script>alert(2)</script>");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(SitePagesTest, UnknownSlugsFiltersAndPagesAreNotFound) {
  for (const std::string path :
       {"/services/nope", "/case-studies/nope", "/impact/nope", "/case-studies?industry=Nope",
        "/case-studies?service=nope", "/case-studies?industry=Automotive&service=nope",
        "/case-studies?page=0", "/case-studies?page=2", "/case-studies?page=abc", "/case-studies?page=01",
        "/case-studies?page=-1", "/case-studies?page=99999999999", "/impact?category=nope", "/impact?page=2",
        "/quote?service=nope", "/no-such-page"}) {
    SCOPED_TRACE(path);
    const auto got = get(path);
    EXPECT_EQ(got.status, 404);
    EXPECT_EQ(got.response.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(got.body.find("We could not find that page"), std::string::npos);
    EXPECT_NE(got.body.find("<meta name=\"robots\" content=\"noindex\">"), std::string::npos);
    EXPECT_EQ(got.body.find("rel=\"canonical\""), std::string::npos);
    EXPECT_NE(got.body.find("href=\"/services\""), std::string::npos);
  }
}

TEST_F(SitePagesTest, ErrorPagesNeverTouchTheRepository) {
  Request request;
  request.path = "/broken";
  const int before = repository_.calls;
  const auto error = site_.server_error_page(request);
  const auto missing = site_.not_found_page(request);
  EXPECT_EQ(repository_.calls, before);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.header("Cache-Control"), "no-store");
  EXPECT_NE(error.body.find("<h1 class=\"page-header__title\">Something went wrong on our side</h1>"),
            std::string::npos);
  EXPECT_NE(error.body.find("<title>Something went wrong — IndiVillage</title>"), std::string::npos);
  EXPECT_EQ(missing.status, 404);
}

TEST_F(SitePagesTest, CaseStudyFiltersShowSelectionCountAndClearLink) {
  const auto all = get("/case-studies").body;
  EXPECT_NE(all.find("<form class=\"filters\" method=\"get\" action=\"/case-studies\">"), std::string::npos);
  EXPECT_NE(all.find(">3 case studies</h2>"), std::string::npos);
  EXPECT_EQ(all.find("Clear filters"), std::string::npos);

  const auto filtered = get("/case-studies?industry=Retail+%26+E-commerce&service=data-annotation").body;
  EXPECT_NE(filtered.find(">1 case study in Retail &amp; E-commerce involving Data Annotation</h2>"),
            std::string::npos);
  EXPECT_NE(filtered.find("<option value=\"Retail &amp; E-commerce\" selected>"), std::string::npos);
  EXPECT_NE(filtered.find("<option value=\"data-annotation\" selected>"), std::string::npos);
  EXPECT_NE(filtered.find("href=\"/case-studies\">Clear filters</a>"), std::string::npos);
  EXPECT_NE(filtered.find("/case-studies/catalog-enrichment"), std::string::npos);
  EXPECT_EQ(filtered.find("/case-studies/lidar-labelling\""), std::string::npos);

  const auto empty = get("/case-studies?industry=Insurance&service=data-annotation").body;
  EXPECT_NE(empty.find(">0 case studies in Insurance involving Data Annotation</h2>"), std::string::npos);
  EXPECT_NE(empty.find("No case studies match these filters yet."), std::string::npos);

  // An empty select value means "all", as the form sends it.
  EXPECT_EQ(get("/case-studies?industry=&service=").status, 200);
}

TEST_F(SitePagesTest, CaseStudiesPaginateAfterTwelve) {
  for (int i = 0; i < 12; ++i) {
    repository_.bundle.case_studies.push_back(
        make_case_study("extra-" + std::to_string(i), "Automotive", {"data-annotation"}, "2022-01-01"));
  }
  const auto first = get("/case-studies");
  EXPECT_NE(first.body.find(">15 case studies</h2>"), std::string::npos);
  EXPECT_EQ(count(first.body, "class=\"card card--story\""), 12);
  EXPECT_NE(first.body.find("<nav class=\"pagination\" aria-label=\"Pagination\">"), std::string::npos);
  EXPECT_NE(first.body.find("href=\"/case-studies?page=2\" rel=\"next\""), std::string::npos);

  const auto second = get("/case-studies?page=2");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(count(second.body, "class=\"card card--story\""), 3);
  EXPECT_NE(second.body.find("href=\"/case-studies\" rel=\"prev\""), std::string::npos);
  EXPECT_NE(second.body.find("href=\"/case-studies?page=2\" aria-current=\"page\""), std::string::npos);
  EXPECT_NE(
      second.body.find("<link rel=\"canonical\" href=\"https://www.example.test/case-studies?page=2\">"),
      std::string::npos);
  EXPECT_EQ(get("/case-studies?page=3").status, 404);

  const auto filtered = get("/case-studies?industry=Automotive&page=2");
  ASSERT_EQ(filtered.status, 200);
  EXPECT_NE(filtered.body.find("href=\"/case-studies?industry=Automotive\" rel=\"prev\""), std::string::npos);

  const auto paths = site_.public_paths();
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/case-studies?page=2"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/case-studies?industry=Automotive&page=2"), paths.end());
  EXPECT_EQ(std::find(paths.begin(), paths.end(), "/case-studies?page=3"), paths.end());
}

TEST_F(SitePagesTest, DetailPagesShowTheirContent) {
  const auto service = get("/services/data-annotation").body;
  EXPECT_NE(service.find("<h3 class=\"feature__title\">Image annotation</h3>"), std::string::npos);
  EXPECT_NE(service.find("<li>Perception models</li>"), std::string::npos);
  EXPECT_NE(service.find("href=\"/case-studies?industry=Retail%20%26%20E-commerce\""), std::string::npos);
  EXPECT_NE(service.find("99.5%"), std::string::npos);
  EXPECT_NE(service.find("<p>Body of data-annotation.</p>"), std::string::npos);
  EXPECT_NE(service.find("href=\"/quote?service=data-annotation\""), std::string::npos);
  // Related case studies are the ones that used this service.
  EXPECT_NE(service.find("href=\"/case-studies/lidar-labelling\""), std::string::npos);
  EXPECT_NE(service.find("href=\"/case-studies/catalog-enrichment\""), std::string::npos);
  EXPECT_EQ(service.find("href=\"/case-studies/claims-processing\""), std::string::npos);

  const auto study = get("/case-studies/catalog-enrichment").body;
  EXPECT_NE(study.find("<dd>A European carmaker</dd>"), std::string::npos);
  EXPECT_NE(study.find("<a href=\"/services/data-curation\">Data Curation</a>"), std::string::npos);
  EXPECT_NE(study.find("<a href=\"/services/data-annotation\">Data Annotation</a>"), std::string::npos);
  EXPECT_NE(study.find("<p>The challenge.</p>"), std::string::npos);
  EXPECT_NE(study.find("<p>The solution.</p>"), std::string::npos);
  EXPECT_NE(study.find("<time datetime=\"2024-11-02\">2 November 2024</time>"), std::string::npos);
  EXPECT_NE(study.find("38%"), std::string::npos);

  const auto story = get("/impact/women-coders").body;
  EXPECT_NE(story.find("Women in tech"), std::string::npos);
  EXPECT_NE(story.find("Mudhol, Karnataka"), std::string::npos);
  EXPECT_NE(story.find("<p>Once upon a time.</p>"), std::string::npos);

  const auto about = get("/about").body;
  EXPECT_NE(about.find("<span class=\"timeline__year\">2008</span>"), std::string::npos);
  EXPECT_NE(about.find("Founded in Karnataka."), std::string::npos);
  EXPECT_NE(about.find("<h2>Our mission</h2>"), std::string::npos);
}

TEST_F(SitePagesTest, ImpactListFiltersByCategoryWithCurrentLink) {
  const auto all = get("/impact").body;
  EXPECT_NE(all.find("href=\"/impact\" aria-current=\"page\">All stories</a>"), std::string::npos);
  EXPECT_NE(all.find(">2 stories</h2>"), std::string::npos);
  const auto women = get("/impact?category=women-in-tech").body;
  EXPECT_NE(women.find("href=\"/impact?category=women-in-tech\" aria-current=\"page\">Women in tech</a>"),
            std::string::npos);
  EXPECT_NE(women.find(">1 story about Women in tech</h2>"), std::string::npos);
  EXPECT_EQ(women.find("/impact/jobs-in-mudhol"), std::string::npos);
}

TEST_F(SitePagesTest, LeadFormsUseContractFieldNamesLabelsAndConsent) {
  const auto quote = get("/quote?service=data-curation").body;
  EXPECT_NE(quote.find("<form class=\"lead-form\" method=\"post\" action=\"/quote\">"), std::string::npos);
  for (const char* name : {"name", "email", "company", "phone", "message", "consent", "services", "data_type",
                           "data_volume", "timeline", "budget_range", "upload_id"}) {
    EXPECT_NE(quote.find(std::string("name=\"") + name + "\""), std::string::npos) << name;
  }
  EXPECT_NE(quote.find("<label class=\"field__label\" for=\"field-email\">Work email"), std::string::npos);
  EXPECT_NE(quote.find("autocomplete=\"email\""), std::string::npos);
  EXPECT_NE(quote.find("autocomplete=\"organization\""), std::string::npos);
  EXPECT_NE(quote.find("<legend class=\"field__label\">Services you need</legend>"), std::string::npos);
  EXPECT_NE(quote.find("name=\"services\" value=\"data-curation\" checked>"), std::string::npos);
  EXPECT_NE(quote.find("name=\"services\" value=\"data-annotation\">"), std::string::npos);
  EXPECT_NE(quote.find("<a href=\"/privacy\">privacy policy</a>"), std::string::npos);

  const auto demo = get("/demo").body;
  for (const char* name : {"services", "preferred_dates", "company_size"}) {
    EXPECT_NE(demo.find(std::string("name=\"") + name + "\""), std::string::npos) << name;
  }
  EXPECT_NE(demo.find("action=\"/demo\""), std::string::npos);
  const auto contact = get("/contact").body;
  EXPECT_NE(contact.find("action=\"/contact\""), std::string::npos);
  EXPECT_EQ(contact.find("name=\"services\""), std::string::npos);
  // Processing comes later; nothing may claim that a message was sent.
  for (const auto* page : {&quote, &demo, &contact}) {
    EXPECT_EQ(page->find("Thank you"), std::string::npos);
    EXPECT_EQ(page->find("has been sent"), std::string::npos);
  }
}

TEST_F(SitePagesTest, JsonLdParsesAndHasTheRightTypes) {
  EXPECT_EQ(json_ld_types(get("/").body), (std::set<std::string>{"Organization"}));
  EXPECT_EQ(json_ld_types(get("/services/data-annotation").body),
            (std::set<std::string>{"Organization", "Service", "BreadcrumbList"}));
  EXPECT_EQ(json_ld_types(get("/case-studies/lidar-labelling").body),
            (std::set<std::string>{"Organization", "Article", "BreadcrumbList"}));
  EXPECT_EQ(json_ld_types(get("/impact/jobs-in-mudhol").body),
            (std::set<std::string>{"Organization", "Article", "BreadcrumbList"}));

  const auto blocks = json_ld_blocks(get("/case-studies/lidar-labelling").body);
  for (const auto& block : blocks) {
    EXPECT_EQ(block.at("@context"), "https://schema.org");
    if (block.at("@type") == "Organization") {
      EXPECT_EQ(block.at("url"), "https://www.example.test");
      EXPECT_EQ(block.at("contactPoint").at("email"), "hello@indivillage.com");
      EXPECT_TRUE(block.at("logo").as_string().starts_with("https://www.example.test/static/"));
      EXPECT_EQ(block.as_object().if_contains("sameAs"), nullptr);
    }
    if (block.at("@type") == "Article") {
      EXPECT_EQ(block.at("datePublished"), "2025-06-12");
      EXPECT_EQ(block.at("url"), "https://www.example.test/case-studies/lidar-labelling");
    }
    if (block.at("@type") == "BreadcrumbList") {
      const auto& items = block.at("itemListElement").as_array();
      ASSERT_EQ(items.size(), 3u);
      EXPECT_EQ(items[0].at("item"), "https://www.example.test/");
      EXPECT_EQ(items[2].at("position"), 3);
    }
  }
}

TEST_F(SitePagesTest, SitemapListsEveryPageWithAbsoluteUrlsAndNoFilterViews) {
  const auto got = get("/sitemap.xml");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.response.header("Content-Type"), "application/xml; charset=utf-8");
  const std::string& xml = got.body;
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  for (const auto& service : repository_.bundle.services) {
    EXPECT_NE(xml.find("<loc>https://www.example.test/services/" + service.slug + "</loc>"),
              std::string::npos);
  }
  for (const auto& study : repository_.bundle.case_studies) {
    EXPECT_NE(xml.find("<loc>https://www.example.test/case-studies/" + study.slug + "</loc><lastmod>" +
                       study.published + "</lastmod>"),
              std::string::npos);
  }
  for (const char* path : {"/", "/services", "/case-studies", "/impact", "/impact/jobs-in-mudhol", "/about",
                           "/privacy", "/contact", "/demo", "/quote"}) {
    EXPECT_NE(xml.find(std::string("<loc>https://www.example.test") + path + "</loc>"), std::string::npos)
        << path;
  }
  EXPECT_EQ(xml.find('?', xml.find("<urlset")), std::string::npos) << "no filter views";
  EXPECT_EQ(xml.find("robots.txt"), std::string::npos);
  EXPECT_EQ(xml.find("sitemap.xml"), std::string::npos);
}

TEST_F(SitePagesTest, RobotsAllowsAllButApiAndAdmin) {
  const auto got = get("/robots.txt");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.response.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(got.body,
            "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin/\n\n"
            "Sitemap: https://www.example.test/sitemap.xml\n");
}

TEST_F(SitePagesTest, PublicPathsAreUniqueAndAllRender) {
  const auto paths = site_.public_paths();
  EXPECT_EQ(std::set<std::string>(paths.begin(), paths.end()).size(), paths.size());
  EXPECT_EQ(paths.front(), "/");
  for (const char* expected :
       {"/case-studies?industry=Retail%20%26%20E-commerce", "/case-studies?service=content-moderation",
        "/impact?category=rural-employment", "/quote?service=data-annotation", "/sitemap.xml",
        "/robots.txt"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), expected), paths.end()) << expected;
  }
  for (const auto& path : paths) EXPECT_EQ(get(path).status, 200) << path;
}

TEST_F(SitePagesTest, MissingHomePageContentStillRendersHome) {
  std::erase_if(repository_.bundle.pages, [](const Page& p) { return p.slug == "home"; });
  const auto got = get("/");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(count(got.body, "<h1"), 1);
  std::erase_if(repository_.bundle.pages, [](const Page& p) { return p.slug == "about"; });
  EXPECT_EQ(get("/about").status, 404);
}

TEST(SiteHelpers, PageNumbersAreStrict) {
  EXPECT_EQ(site::parse_page_number(std::nullopt), 1);
  EXPECT_EQ(site::parse_page_number("7"), 7);
  EXPECT_EQ(site::parse_page_number("120"), 120);
  for (const char* bad : {"", "0", "07", "-1", "+1", "1.5", "x", "1234567"}) {
    EXPECT_EQ(site::parse_page_number(std::string_view(bad)), std::nullopt) << bad;
  }
  EXPECT_EQ(site::page_count(0, 12), 1);
  EXPECT_EQ(site::page_count(12, 12), 1);
  EXPECT_EQ(site::page_count(13, 12), 2);
}

TEST(SiteHelpers, ReadableDatesAndCategoryLabels) {
  EXPECT_EQ(site::readable_date("2025-06-12"), "12 June 2025");
  EXPECT_EQ(site::readable_date("2024-01-01"), "1 January 2024");
  EXPECT_EQ(site::readable_date("2024-13-01"), "2024-13-01");
  EXPECT_EQ(site::readable_date("soon"), "soon");
  EXPECT_EQ(site::impact_category_label("skills-training"), "Skills training");
  EXPECT_EQ(site::impact_category_label("new-programme"), "New programme");
}

TEST(SiteHelpers, ScriptJsonCannotCloseTheScriptElement) {
  const boost::json::object data{{"a", "</script><!-- x"}};
  const std::string text = site::script_json(data);
  EXPECT_EQ(text.find("</"), std::string::npos);
  EXPECT_EQ(text.find("<!--"), std::string::npos);
  EXPECT_EQ(boost::json::parse(text).at("a"), "</script><!-- x");
}

}  // namespace
}  // namespace iv::web
