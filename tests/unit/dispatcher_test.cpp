#include "web/dispatcher.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/static_assets.h"

namespace iv::web {
namespace {

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : static_dir_(make_static_dir()),
        assets_(static_dir_),
        logger_(observe::LogSettings{observe::LogLevel::error, stderr}) {
    router_.add(Method::get, "/case-studies",
                [this](const Request& r, const RouteParams&) {
                  ++renders_;
                  Response response;
                  response.headers = {{"Content-Type", "text/html; charset=utf-8"},
                                      {"Cache-Control", "public, max-age=60"}};
                  response.body = "industry=" + std::string(r.query.get("industry").value_or("all")) +
                                  " junk=" + std::string(r.query.get("junk").value_or("none"));
                  return response;
                },
                {.cacheable = true, .query_params = {"industry"}});
    router_.add(Method::get, "/boom", [](const Request&, const RouteParams&) -> Response {
      throw std::runtime_error("database on fire");
    });
    router_.add(Method::get, "/api/v1/things", [](const Request&, const RouteParams&) { return Response{}; },
                {.max_body_bytes = 10, .kind = RouteOptions::Kind::api});
    dispatcher_ = std::make_unique<Dispatcher>(DispatcherSettings{}, router_, assets_,
                                               ErrorPages{[](const Request&) {
                                                            Response r;
                                                            r.status = 404;
                                                            r.headers = {{"Content-Type", "text/html"}};
                                                            r.body = "custom not found";
                                                            return r;
                                                          },
                                                          [](const Request&) {
                                                            Response r;
                                                            r.status = 500;
                                                            r.headers = {{"Content-Type", "text/html"}};
                                                            r.body = "custom error";
                                                            return r;
                                                          }},
                                               logger_, metrics_);
  }

  ~DispatcherTest() override { std::filesystem::remove_all(static_dir_); }

  static std::filesystem::path make_static_dir() {
    auto dir = std::filesystem::temp_directory_path() / ("iv-static-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "css");
    std::ofstream(dir / "css" / "site.css") << "body { color: #123; }\n";
    return dir;
  }

  Response get(std::string target, std::vector<Header> headers = {}) {
    Request request;
    request.method = Method::get;
    request.target = target;
    const auto q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) {
      request.raw_query = target.substr(q + 1);
      request.query = *parse_query(request.raw_query);
    }
    request.headers = std::move(headers);
    return dispatcher_->handle(request);
  }

  std::filesystem::path static_dir_;
  StaticAssets assets_;
  observe::Logger logger_;
  observe::MetricsRegistry metrics_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::atomic<int> renders_{0};
};

TEST_F(DispatcherTest, CachesCacheableRoutesByDeclaredParametersOnly) {
  auto first = get("/case-studies?industry=Retail&junk=1");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body_view(),
            "industry=Retail junk=none");  // undeclared parameter never reaches the handler
  auto second = get("/case-studies?junk=2&industry=Retail");
  EXPECT_EQ(second.body_view(), first.body_view());
  EXPECT_EQ(renders_, 1);
  EXPECT_EQ(second.route, "/case-studies");
  EXPECT_TRUE(second.header("ETag"));
}

TEST_F(DispatcherTest, RebuildRendersAheadAndReplacesTheGeneration) {
  EXPECT_EQ(dispatcher_->rebuild_cache({"/case-studies", "/case-studies?industry=Health", "/not-a-route"}),
            2u);
  EXPECT_EQ(renders_, 2);
  get("/case-studies");
  get("/case-studies?industry=Health");
  EXPECT_EQ(renders_, 2);
  dispatcher_->rebuild_cache({"/case-studies"});
  EXPECT_EQ(renders_, 3);
}

TEST_F(DispatcherTest, ServesFingerprintedAssetsImmutable) {
  const std::string url = assets_.url("css/site.css");
  EXPECT_TRUE(url.starts_with("/static/css/site."));
  EXPECT_TRUE(url.ends_with(".css"));
  auto r = get(url);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(r.header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_THROW(assets_.url("css/missing.css"), std::out_of_range);
}

TEST_F(DispatcherTest, StaticLookupsCannotEscapeTheDirectory) {
  EXPECT_EQ(get("/static/../../etc/passwd").status, 404);
  EXPECT_EQ(get("/static/css/../../../etc/passwd").status, 404);
}

TEST_F(DispatcherTest, UnknownPathsGetTheHtmlOrProblemNotFound) {
  auto page = get("/nowhere");
  EXPECT_EQ(page.status, 404);
  EXPECT_EQ(page.body_view(), "custom not found");
  auto api = get("/api/v1/nowhere");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.header("Content-Type"), "application/problem+json");
}

TEST_F(DispatcherTest, WrongMethodIs405WithAllow) {
  Request request;
  request.method = Method::post;
  request.target = request.path = "/api/v1/things";
  auto r = dispatcher_->handle(request);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
}

TEST_F(DispatcherTest, HandlerExceptionsBecome500WithoutLeakingDetails) {
  auto r = get("/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body_view(), "custom error");
  EXPECT_EQ(r.body_view().find("fire"), std::string_view::npos);
}

TEST_F(DispatcherTest, BodyLimitsComeFromTheRoute) {
  EXPECT_EQ(dispatcher_->body_limit(Method::get, "/api/v1/things"), 10u);
  EXPECT_EQ(dispatcher_->body_limit(Method::post, "/nowhere"), DispatcherSettings{}.default_body_limit);
}

TEST_F(DispatcherTest, CanonicalTargetEncodesDeclaredParametersInOrder) {
  const auto q = *parse_query("service=a%20b&industry=Retail%20%26%20E-commerce&x=1");
  EXPECT_EQ(canonical_target("/case-studies", q, {"industry", "service"}),
            "/case-studies?industry=Retail%20%26%20E-commerce&service=a%20b");
}

}  // namespace
}  // namespace iv::web
