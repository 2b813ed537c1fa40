// ContentApi and problem_response against an in-memory repository: paging,
// links, filters, the 400/404 problems and the exact JSON shape.
#include "web/api/content_api.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "content/content_repository.h"
#include "web/api/problem.h"
#include "web/router.h"

namespace iv::web {
namespace {

namespace json = boost::json;
using content::CaseStudy;
using content::ImpactStory;
using content::PageOf;
using content::PageRequest;
using content::Service;

// Filters, orders and pages like the SQL repository is specified to.
class FakeContentRepository final : public content::ContentRepository {
 public:
  content::ContentBundle bundle;

  PageOf<Service> list_services(const content::ServiceFilter& filter, PageRequest page) override {
    auto items = bundle.services;
    std::erase_if(items, [&](const Service& s) {
      return filter.industry && std::ranges::find(s.industries, *filter.industry) == s.industries.end();
    });
    std::ranges::sort(items, [](const Service& a, const Service& b) {
      return std::tie(a.order, a.title) < std::tie(b.order, b.title);
    });
    return slice(std::move(items), page);
  }
  std::optional<Service> find_service(std::string_view slug) override { return find(bundle.services, slug); }

  PageOf<CaseStudy> list_case_studies(const content::CaseStudyFilter& filter, PageRequest page) override {
    auto items = bundle.case_studies;
    std::erase_if(items, [&](const CaseStudy& c) {
      return (filter.industry && c.industry != *filter.industry) ||
             (filter.service && std::ranges::find(c.services, *filter.service) == c.services.end());
    });
    std::ranges::sort(items, [](const CaseStudy& a, const CaseStudy& b) {
      return a.published != b.published ? a.published > b.published : a.title < b.title;
    });
    return slice(std::move(items), page);
  }
  std::optional<CaseStudy> find_case_study(std::string_view slug) override {
    return find(bundle.case_studies, slug);
  }

  PageOf<ImpactStory> list_impact_stories(const content::ImpactFilter& filter, PageRequest page) override {
    auto items = bundle.impact_stories;
    std::erase_if(items,
                  [&](const ImpactStory& i) { return filter.category && i.category != *filter.category; });
    std::ranges::sort(items,
                      [](const ImpactStory& a, const ImpactStory& b) { return a.published > b.published; });
    return slice(std::move(items), page);
  }
  std::optional<ImpactStory> find_impact_story(std::string_view slug) override {
    return find(bundle.impact_stories, slug);
  }

  std::optional<content::Page> find_page(std::string_view slug) override { return find(bundle.pages, slug); }

  std::vector<std::string> case_study_industries() override {
    std::set<std::string> values;
    for (const auto& c : bundle.case_studies) values.insert(c.industry);
    return {values.begin(), values.end()};
  }
  std::vector<std::string> impact_categories() override {
    std::set<std::string> values;
    for (const auto& i : bundle.impact_stories) values.insert(i.category);
    return {values.begin(), values.end()};
  }
  std::int64_t content_version() override { return 1; }
  void replace_all(const content::ContentBundle& replacement) override { bundle = replacement; }

 private:
  template <class T>
  static PageOf<T> slice(std::vector<T> items, PageRequest page) {
    PageOf<T> out;
    out.total = static_cast<std::int64_t>(items.size());
    const auto offset = static_cast<std::size_t>(page.page - 1) * static_cast<std::size_t>(page.per_page);
    for (std::size_t i = offset; i < items.size() && i < offset + static_cast<std::size_t>(page.per_page);
         ++i) {
      out.items.push_back(items[i]);
    }
    return out;
  }
  template <class T>
  static std::optional<T> find(const std::vector<T>& items, std::string_view slug) {
    for (const auto& item : items) {
      if (item.slug == slug) return item;
    }
    return std::nullopt;
  }
};

Service service(std::string slug, int order, std::vector<std::string> industries) {
  Service s;
  s.slug = slug;
  s.title = "Title of " + slug;
  s.summary = "Summary of " + slug;
  s.icon = "annotation";
  s.order = order;
  s.features = {{"Feature A", "Text A"}, {"Feature B", "Text B"}};
  s.use_cases = {"Use case 1"};
  s.industries = std::move(industries);
  s.figures = {{"99.5%", "accuracy"}};
  s.body_html = "<p>Body of " + slug + "</p>";
  return s;
}

CaseStudy case_study(std::string slug, std::string industry, std::vector<std::string> services,
                     std::string published) {
  CaseStudy c;
  c.slug = slug;
  c.title = "Case " + slug;
  c.client = "A client";
  c.industry = std::move(industry);
  c.summary = "Summary";
  c.services = std::move(services);
  c.challenge_html = "<p>Challenge</p>";
  c.solution_html = "<p>Solution</p>";
  c.results = {{"38%", "lift"}};
  c.published = std::move(published);
  c.body_html = "<p>Body</p>";
  return c;
}

ImpactStory impact_story(std::string slug, std::string category, std::string published) {
  ImpactStory i;
  i.slug = slug;
  i.title = "Story " + slug;
  i.category = std::move(category);
  i.summary = "Summary";
  i.location = "Mysuru, Karnataka";
  i.figures = {{"1,200", "jobs"}};
  i.published = std::move(published);
  i.body_html = "<p>Body</p>";
  return i;
}

std::set<std::string> keys(const json::object& object) {
  std::set<std::string> out;
  for (const auto& entry : object) out.insert(std::string(entry.key()));
  return out;
}

std::vector<std::string> slugs(const json::value& list_body) {
  std::vector<std::string> out;
  for (const auto& item : list_body.at("data").as_array()) out.emplace_back(item.at("slug").as_string());
  return out;
}

std::string header(const Response& response, std::string_view name) {
  return std::string(response.header(name).value_or("<absent>"));
}

class ContentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.bundle.services = {
        service("annotation", 1, {"Automotive", "Healthcare"}),
        service("curation", 2, {"Retail & E-commerce"}), service("documents", 3, {"Insurance", "Healthcare"}),
        service("moderation", 4, {"Media & Technology"}), service("training", 5, {"Automotive"})};
    repository_.bundle.case_studies = {
        case_study("cs-a", "Automotive", {"annotation"}, "2025-06-01"),
        case_study("cs-b", "Healthcare", {"documents", "annotation"}, "2024-03-01"),
        case_study("cs-c", "Retail & E-commerce", {"curation"}, "2025-09-01")};
    repository_.bundle.impact_stories = {impact_story("rural-jobs", "rural-employment", "2025-01-10"),
                                         impact_story("women-coders", "women-in-tech", "2025-04-02")};

    // One file per process: ctest runs the cases of this suite in parallel processes.
    openapi_path_ = std::filesystem::path(::testing::TempDir()) /
                    ("content_api_test_openapi." + std::to_string(::getpid()) + ".json");
    std::ofstream(openapi_path_) << openapi_text_;
    api_ = std::make_unique<ContentApi>(repository_, settings());
    api_->register_routes(router_);
  }
  void TearDown() override { std::filesystem::remove(openapi_path_); }

  ApiSettings settings() const {
    return ApiSettings{.base_url = "https://example.test", .openapi_path = openapi_path_};
  }

  // Runs a GET through the router the way the dispatcher does.
  Response get(std::string_view target) {
    Request request;
    request.target = std::string(target);
    const std::size_t q = target.find('?');
    request.path = percent_decode(target.substr(0, q), false).value();  // as the server does
    if (q != std::string_view::npos) {
      request.raw_query = std::string(target.substr(q + 1));
      request.query = parse_query(request.raw_query).value();
    }
    const auto match = router_.match(Method::get, request.path);
    if (!match.route) {
      ADD_FAILURE() << "no route for " << target;
      return Response{.status = -1};
    }
    return match.route->handler(request, match.params);
  }

  static json::value body(const Response& response) { return json::parse(response.body_view()); }

  // Asserts a problem document and returns it.
  static json::object problem(const Response& response, int status, std::string_view type_slug) {
    EXPECT_EQ(response.status, status);
    EXPECT_EQ(header(response, "Content-Type"), "application/problem+json");
    EXPECT_EQ(header(response, "Cache-Control"), "no-store");
    json::object doc = body(response).as_object();
    EXPECT_EQ(doc.at("status").as_int64(), status);
    EXPECT_EQ(doc.at("type").as_string(), std::string(kProblemTypeBase) + std::string(type_slug));
    EXPECT_EQ(doc.at("title").as_string(), reason_phrase(status));
    return doc;
  }

  std::string openapi_text_ = R"({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}})";
  std::filesystem::path openapi_path_;
  FakeContentRepository repository_;
  Router router_;
  std::unique_ptr<ContentApi> api_;
};

TEST_F(ContentApiTest, RegistersCacheableApiGetRoutes) {
  std::vector<std::string> patterns;
  for (const auto& route : router_.routes()) {
    patterns.push_back(route.pattern);
    EXPECT_EQ(route.method, Method::get) << route.pattern;
    EXPECT_TRUE(route.options.cacheable) << route.pattern;
    EXPECT_EQ(route.options.kind, RouteOptions::Kind::api) << route.pattern;
  }
  EXPECT_EQ(patterns,
            (std::vector<std::string>{"/api/v1/services", "/api/v1/services/{slug}", "/api/v1/case-studies",
                                      "/api/v1/case-studies/{slug}", "/api/v1/impact-stories",
                                      "/api/v1/impact-stories/{slug}", "/api/v1/openapi.json"}));
  const auto declared = [&](std::string_view pattern) {
    for (const auto& route : router_.routes()) {
      if (route.pattern == pattern) return route.options.query_params;
    }
    return std::vector<std::string>{};
  };
  EXPECT_EQ(declared("/api/v1/services"), (std::vector<std::string>{"industry", "page", "per_page"}));
  EXPECT_EQ(declared("/api/v1/case-studies"),
            (std::vector<std::string>{"industry", "service", "page", "per_page"}));
  EXPECT_EQ(declared("/api/v1/impact-stories"), (std::vector<std::string>{"category", "page", "per_page"}));
}

TEST_F(ContentApiTest, FirstPageOfServicesHasEnvelopeAndLinks) {
  const Response response = get("/api/v1/services");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "Content-Type"), "application/json");
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=60, stale-while-revalidate=600");

  const json::value doc = body(response);
  EXPECT_EQ(keys(doc.as_object()), (std::set<std::string>{"data", "meta", "links"}));
  EXPECT_EQ(slugs(doc),
            (std::vector<std::string>{"annotation", "curation", "documents", "moderation", "training"}));
  EXPECT_EQ(doc.at("meta"), json::parse(R"({"page": 1, "per_page": 20, "total": 5, "total_pages": 1})"));
  EXPECT_EQ(doc.at("links"), json::parse(R"({"self": "/api/v1/services?page=1&per_page=20",
                                             "first": "/api/v1/services?page=1&per_page=20",
                                             "last": "/api/v1/services?page=1&per_page=20"})"));
  EXPECT_EQ(
      header(response, "Link"),
      R"(</api/v1/services?page=1&per_page=20>; rel="first", </api/v1/services?page=1&per_page=20>; rel="last")");
}

TEST_F(ContentApiTest, MiddlePageLinksBothWays) {
  const Response response = get("/api/v1/services?page=2&per_page=2");
  ASSERT_EQ(response.status, 200);
  const json::value doc = body(response);
  EXPECT_EQ(slugs(doc), (std::vector<std::string>{"documents", "moderation"}));
  EXPECT_EQ(doc.at("meta"), json::parse(R"({"page": 2, "per_page": 2, "total": 5, "total_pages": 3})"));
  EXPECT_EQ(doc.at("links"), json::parse(R"({"self": "/api/v1/services?page=2&per_page=2",
                                             "first": "/api/v1/services?page=1&per_page=2",
                                             "last": "/api/v1/services?page=3&per_page=2",
                                             "prev": "/api/v1/services?page=1&per_page=2",
                                             "next": "/api/v1/services?page=3&per_page=2"})"));
  EXPECT_EQ(header(response, "Link"),
            "</api/v1/services?page=1&per_page=2>; rel=\"first\", </api/v1/services?page=1&per_page=2>; "
            "rel=\"prev\", </api/v1/services?page=3&per_page=2>; rel=\"next\", "
            "</api/v1/services?page=3&per_page=2>; rel=\"last\"");
}

TEST_F(ContentApiTest, LastPageHasNoNext) {
  const Response response = get("/api/v1/services?page=3&per_page=2");
  ASSERT_EQ(response.status, 200);
  const json::value doc = body(response);
  EXPECT_EQ(slugs(doc), (std::vector<std::string>{"training"}));
  EXPECT_FALSE(doc.at("links").as_object().contains("next"));
  EXPECT_TRUE(doc.at("links").as_object().contains("prev"));
  EXPECT_EQ(header(response, "Link").find("rel=\"next\""), std::string::npos);
}

TEST_F(ContentApiTest, PagePastTheEndIsNotFound) {
  const json::object doc = problem(get("/api/v1/services?page=4&per_page=2"), 404, "page-out-of-range");
  EXPECT_EQ(doc.at("instance").as_string(), "/api/v1/services");
  EXPECT_NE(std::string(doc.at("detail").as_string()).find("(3)"), std::string::npos) << doc;
}

TEST_F(ContentApiTest, EmptyListHasOneEmptyPage) {
  const Response response = get("/api/v1/case-studies?service=moderation");
  ASSERT_EQ(response.status, 200);
  const json::value doc = body(response);
  EXPECT_TRUE(doc.at("data").as_array().empty());
  EXPECT_EQ(doc.at("meta"), json::parse(R"({"page": 1, "per_page": 20, "total": 0, "total_pages": 1})"));
  EXPECT_EQ(doc.at("links").at("last"), "/api/v1/case-studies?service=moderation&page=1&per_page=20");

  problem(get("/api/v1/case-studies?service=moderation&page=2"), 404, "page-out-of-range");
}

TEST_F(ContentApiTest, MaximumPerPageIsAccepted) {
  const Response response = get("/api/v1/services?per_page=100");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body(response).at("meta").at("per_page").as_int64(), 100);
}

class InvalidPagingTest : public ContentApiTest,
                          public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

TEST_P(InvalidPagingTest, IsBadRequestNamingTheParameter) {
  const auto [field, value] = GetParam();
  const std::string target = std::string("/api/v1/case-studies?") + field + "=" + value;
  const json::object doc = problem(get(target), 400, "invalid-query-parameter");
  const auto& errors = doc.at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << doc;
  EXPECT_EQ(errors[0].at("field").as_string(), field);
  EXPECT_EQ(keys(errors[0].as_object()), (std::set<std::string>{"field", "message"}));
  EXPECT_EQ(doc.at("instance").as_string(), "/api/v1/case-studies");
}

INSTANTIATE_TEST_SUITE_P(Values, InvalidPagingTest,
                         ::testing::Values(std::pair{"page", "0"}, std::pair{"page", "-1"},
                                           std::pair{"page", "abc"}, std::pair{"page", "1.5"},
                                           std::pair{"page", ""}, std::pair{"page", "%2B1"},
                                           std::pair{"page", "%201"}, std::pair{"page", "100001"},
                                           std::pair{"page", "99999999999999999999"},
                                           std::pair{"per_page", "0"}, std::pair{"per_page", "101"},
                                           std::pair{"per_page", "ten"}));

TEST_F(ContentApiTest, EveryInvalidParameterIsReported) {
  const json::object doc =
      problem(get("/api/v1/services?page=0&per_page=0&industry=Mining"), 400, "invalid-query-parameter");
  std::set<std::string> fields;
  for (const auto& error : doc.at("errors").as_array())
    fields.insert(std::string(error.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"page", "per_page", "industry"}));
}

TEST_F(ContentApiTest, ServicesFilterByIndustryAndLinksKeepTheFilter) {
  const Response response = get("/api/v1/services?industry=Healthcare&per_page=1&page=2");
  ASSERT_EQ(response.status, 200);
  const json::value doc = body(response);
  EXPECT_EQ(slugs(doc), (std::vector<std::string>{"documents"}));
  EXPECT_EQ(doc.at("meta").at("total").as_int64(), 2);
  EXPECT_EQ(doc.at("links").at("self"), "/api/v1/services?industry=Healthcare&page=2&per_page=1");
  EXPECT_EQ(doc.at("links").at("prev"), "/api/v1/services?industry=Healthcare&page=1&per_page=1");
}

TEST_F(ContentApiTest, FilterValuesArePercentEncodedInLinks) {
  const Response response = get("/api/v1/case-studies?industry=Retail%20%26%20E-commerce");
  ASSERT_EQ(response.status, 200);
  const json::value doc = body(response);
  EXPECT_EQ(slugs(doc), (std::vector<std::string>{"cs-c"}));
  EXPECT_EQ(doc.at("links").at("self"),
            "/api/v1/case-studies?industry=Retail%20%26%20E-commerce&page=1&per_page=20");
}

TEST_F(ContentApiTest, CaseStudiesCombineFiltersNewestFirst) {
  EXPECT_EQ(slugs(body(get("/api/v1/case-studies"))), (std::vector<std::string>{"cs-c", "cs-a", "cs-b"}));
  EXPECT_EQ(slugs(body(get("/api/v1/case-studies?service=annotation"))),
            (std::vector<std::string>{"cs-a", "cs-b"}));
  EXPECT_EQ(slugs(body(get("/api/v1/case-studies?industry=Healthcare&service=annotation"))),
            (std::vector<std::string>{"cs-b"}));
  const json::value doc = body(get("/api/v1/case-studies?service=annotation&industry=Healthcare"));
  EXPECT_EQ(doc.at("links").at("self"),
            "/api/v1/case-studies?industry=Healthcare&service=annotation&page=1&per_page=20");
}

TEST_F(ContentApiTest, UnknownFilterValueListsTheAllowedValues) {
  const json::object services =
      problem(get("/api/v1/services?industry=Mining"), 400, "invalid-query-parameter");
  const auto& error = services.at("errors").at(0);
  EXPECT_EQ(error.at("field").as_string(), "industry");
  EXPECT_EQ(
      error.at("message").as_string(),
      R"(unknown value; must be one of: "Automotive", "Healthcare", "Insurance", "Media & Technology", )"
      R"("Retail & E-commerce")");

  // Case-study industries come from the case studies, not from the services.
  const json::object studies =
      problem(get("/api/v1/case-studies?industry=Insurance"), 400, "invalid-query-parameter");
  EXPECT_EQ(studies.at("errors").at(0).at("message").as_string(),
            R"(unknown value; must be one of: "Automotive", "Healthcare", "Retail & E-commerce")");

  const json::object by_service =
      problem(get("/api/v1/case-studies?service=nope"), 400, "invalid-query-parameter");
  EXPECT_EQ(by_service.at("errors").at(0).at("field").as_string(), "service");
  EXPECT_NE(std::string(by_service.at("errors").at(0).at("message").as_string()).find("\"moderation\""),
            std::string::npos);

  const json::object impact =
      problem(get("/api/v1/impact-stories?category="), 400, "invalid-query-parameter");
  EXPECT_EQ(impact.at("errors").at(0).at("message").as_string(),
            R"(unknown value; must be one of: "rural-employment", "women-in-tech")");
}

TEST_F(ContentApiTest, ImpactStoriesFilterByCategory) {
  EXPECT_EQ(slugs(body(get("/api/v1/impact-stories"))),
            (std::vector<std::string>{"women-coders", "rural-jobs"}));
  EXPECT_EQ(slugs(body(get("/api/v1/impact-stories?category=rural-employment"))),
            (std::vector<std::string>{"rural-jobs"}));
}

TEST_F(ContentApiTest, ServiceDetailMirrorsTheModel) {
  const Response response = get("/api/v1/services/annotation");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "Content-Type"), "application/json");
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=60, stale-while-revalidate=600");
  EXPECT_EQ(body(response), json::parse(R"({
    "slug": "annotation", "title": "Title of annotation", "summary": "Summary of annotation",
    "icon": "annotation", "order": 1,
    "features": [{"title": "Feature A", "text": "Text A"}, {"title": "Feature B", "text": "Text B"}],
    "use_cases": ["Use case 1"], "industries": ["Automotive", "Healthcare"],
    "figures": [{"value": "99.5%", "label": "accuracy"}],
    "body_html": "<p>Body of annotation</p>",
    "links": {"self": "/api/v1/services/annotation", "html": "https://example.test/services/annotation"}})"));
}

TEST_F(ContentApiTest, CaseStudyAndImpactStoryDetailsMirrorTheModel) {
  EXPECT_EQ(body(get("/api/v1/case-studies/cs-b")), json::parse(R"({
    "slug": "cs-b", "title": "Case cs-b", "client": "A client", "industry": "Healthcare", "summary": "Summary",
    "services": ["documents", "annotation"], "challenge_html": "<p>Challenge</p>",
    "solution_html": "<p>Solution</p>", "results": [{"value": "38%", "label": "lift"}],
    "published": "2024-03-01", "body_html": "<p>Body</p>",
    "links": {"self": "/api/v1/case-studies/cs-b", "html": "https://example.test/case-studies/cs-b"}})"));
  EXPECT_EQ(body(get("/api/v1/impact-stories/rural-jobs")), json::parse(R"({
    "slug": "rural-jobs", "title": "Story rural-jobs", "category": "rural-employment", "summary": "Summary",
    "location": "Mysuru, Karnataka", "figures": [{"value": "1,200", "label": "jobs"}],
    "published": "2025-01-10", "body_html": "<p>Body</p>",
    "links": {"self": "/api/v1/impact-stories/rural-jobs", "html": "https://example.test/impact/rural-jobs"}})"));
}

TEST_F(ContentApiTest, ListItemsAreTheDetailObjects) {
  const json::value list = body(get("/api/v1/case-studies"));
  for (const auto& item : list.at("data").as_array()) {
    const std::string self(item.at("links").at("self").as_string());
    EXPECT_EQ(item, body(get(self))) << self;
  }
}

TEST_F(ContentApiTest, UnknownSlugIsNotFoundProblem) {
  const json::object doc = problem(get("/api/v1/services/no-such-thing"), 404, "not-found");
  EXPECT_EQ(doc.at("instance").as_string(), "/api/v1/services/no-such-thing");
  EXPECT_EQ(doc.at("detail").as_string(), R"(No service has the slug "no-such-thing".)");
  problem(get("/api/v1/case-studies/nope"), 404, "not-found");
  problem(get("/api/v1/impact-stories/nope"), 404, "not-found");
}

TEST_F(ContentApiTest, ProblemInstanceIsAValidUriReference) {
  const json::object doc = problem(get("/api/v1/services/a%20b%22c"), 404, "not-found");
  EXPECT_EQ(doc.at("instance").as_string(), "/api/v1/services/a%20b%22c");
}

TEST_F(ContentApiTest, ServesTheOpenApiDocumentAsWritten) {
  const Response response = get("/api/v1/openapi.json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "Content-Type"), "application/json");
  EXPECT_EQ(response.body_view(), openapi_text_);
}

TEST_F(ContentApiTest, PublicPathsCoverListsDetailsAndDocument) {
  const auto targets = api_->public_paths();
  for (const char* expected :
       {"/api/v1/services", "/api/v1/case-studies", "/api/v1/impact-stories", "/api/v1/openapi.json",
        "/api/v1/services/training", "/api/v1/case-studies/cs-a", "/api/v1/impact-stories/women-coders"}) {
    EXPECT_NE(std::ranges::find(targets, expected), targets.end()) << expected;
  }
  EXPECT_EQ(targets.size(), 4u + 5u + 3u + 2u);
}

TEST_F(ContentApiTest, ConstructionFailsOnAMissingOrBrokenDocument) {
  ApiSettings missing = settings();
  missing.openapi_path = openapi_path_.string() + ".missing";
  EXPECT_THROW((ContentApi{repository_, missing}), std::runtime_error);

  std::ofstream(openapi_path_) << "{\"openapi\": ";
  EXPECT_THROW((ContentApi{repository_, settings()}), std::runtime_error);
  std::ofstream(openapi_path_) << "[1, 2]";
  EXPECT_THROW((ContentApi{repository_, settings()}), std::runtime_error);
}

TEST_F(ContentApiTest, ConstructionFailsOnImpossiblePagingLimits) {
  ApiSettings bad = settings();
  bad.default_per_page = 0;
  EXPECT_THROW((ContentApi{repository_, bad}), std::invalid_argument);
  bad = settings();
  bad.default_per_page = 50;
  bad.max_per_page = 10;
  EXPECT_THROW((ContentApi{repository_, bad}), std::invalid_argument);
}

TEST_F(ContentApiTest, DefaultPerPageComesFromSettings) {
  ApiSettings small = settings();
  small.default_per_page = 2;
  small.max_per_page = 3;
  ContentApi api(repository_, small);
  Router router;
  api.register_routes(router);
  Request request;
  request.path = "/api/v1/services";
  const auto match = router.match(Method::get, request.path);
  ASSERT_NE(match.route, nullptr);
  const json::value doc = json::parse(match.route->handler(request, match.params).body_view());
  EXPECT_EQ(doc.at("meta"), json::parse(R"({"page": 1, "per_page": 2, "total": 5, "total_pages": 3})"));
}

TEST(ProblemResponse, DefaultTypeIsAboutBlank) {
  const Response response = problem_response(404, "Nothing here.");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(response.header("Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(
      json::parse(response.body),
      json::parse(
          R"({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Nothing here."})"));
}

TEST(ProblemResponse, SlugErrorsAndInstance) {
  const Response response = problem_response(422, "Check the form.", "invalid-form",
                                             {{"email", "must be an e-mail address"}}, "/api/v1/x");
  EXPECT_EQ(json::parse(response.body), json::parse(R"({
    "type": "https://indivillage.com/problems/invalid-form", "title": "Unprocessable Content", "status": 422,
    "detail": "Check the form.", "instance": "/api/v1/x",
    "errors": [{"field": "email", "message": "must be an e-mail address"}]})"));
}

TEST(ProblemResponse, EscapesTextAsJson) {
  const Response response = problem_response(400, "quote \" and <tag> and \\ and \n", {}, {{"a\"b", "c"}});
  const json::value doc = json::parse(response.body);
  EXPECT_EQ(doc.at("detail").as_string(), "quote \" and <tag> and \\ and \n");
  EXPECT_EQ(doc.at("errors").at(0).at("field").as_string(), "a\"b");
}

}  // namespace
}  // namespace iv::web
