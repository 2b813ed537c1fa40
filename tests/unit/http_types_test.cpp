#include <thread>

#include <gtest/gtest.h>

#include "web/http.h"
#include "web/router.h"

namespace iv::web {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusOnlyInQueries) {
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("%2e%2E", false), "..");
}

TEST(PercentDecode, RejectsMalformedEscapesAndNul) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%zz", false));
  EXPECT_FALSE(percent_decode("abc%00def", false));
}

TEST(PercentEncode, RoundTripsThroughDecode) {
  const std::string text = "Retail & E-commerce / 100% ü";
  EXPECT_EQ(percent_decode(percent_encode(text), true), text);
  EXPECT_EQ(percent_encode("a b&c"), "a%20b%26c");
}

TEST(ParseQuery, KeepsOrderAndFirstValueWins) {
  const auto q = parse_query("industry=Retail%20%26%20E-commerce&page=2&page=3&flag&&x=");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->get("industry"), "Retail & E-commerce");
  EXPECT_EQ(q->get("page"), "2");
  EXPECT_EQ(q->get("flag"), "");
  EXPECT_EQ(q->get("x"), "");
  EXPECT_FALSE(q->get("missing"));
  EXPECT_EQ(q->items().size(), 5u);
}

TEST(ParseQuery, RejectsBadEncoding) {
  EXPECT_FALSE(parse_query("a=%G1"));
}

TEST(Methods, ParseAndName) {
  EXPECT_EQ(parse_method("GET"), Method::get);
  EXPECT_EQ(parse_method("DELETE"), Method::del);
  EXPECT_EQ(parse_method("get"), Method::other);
  EXPECT_EQ(method_name(Method::patch), "PATCH");
}

TEST(ResponseHeaders, SetHeaderReplacesCaseInsensitively) {
  Response r;
  r.set_header("Content-Type", "text/plain");
  r.set_header("content-type", "text/html");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.header("CONTENT-TYPE"), "text/html");
}

Response reply(std::string text) {
  Response r;
  r.body = std::move(text);
  return r;
}

TEST(Router, MatchesLiteralsAndPlaceholders) {
  Router router;
  router.add(Method::get, "/services", [](const Request&, const RouteParams&) { return reply("list"); });
  router.add(Method::get, "/services/{slug}",
             [](const Request&, const RouteParams& p) { return reply(std::string(p.get("slug"))); });
  Request request;
  auto m = router.match(Method::get, "/services/data-annotation");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler(request, m.params).body, "data-annotation");
  m = router.match(Method::get, "/services");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/services");
}

TEST(Router, TrailingSlashesAndEmptySegmentsDoNotMatch) {
  Router router;
  router.add(Method::get, "/services/{slug}", [](const Request&, const RouteParams&) { return reply(""); });
  EXPECT_EQ(router.match(Method::get, "/services/").route, nullptr);
  EXPECT_EQ(router.match(Method::get, "/services/a/").route, nullptr);
  EXPECT_EQ(router.match(Method::get, "/services/a/b").route, nullptr);
  EXPECT_EQ(router.match(Method::get, "services/a").route, nullptr);
}

TEST(Router, LiteralRoutesWinOverPlaceholders) {
  Router router;
  router.add(Method::get, "/api/v1/{thing}",
             [](const Request&, const RouteParams&) { return reply("slug"); });
  router.add(Method::get, "/api/v1/openapi.json",
             [](const Request&, const RouteParams&) { return reply("doc"); });
  const auto m = router.match(Method::get, "/api/v1/openapi.json");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/openapi.json");
}

TEST(Router, HeadUsesGetAndOtherMethodsReportAllowed) {
  Router router;
  router.add(Method::get, "/about", [](const Request&, const RouteParams&) { return reply(""); });
  router.add(Method::post, "/about", [](const Request&, const RouteParams&) { return reply(""); });
  EXPECT_NE(router.match(Method::head, "/about").route, nullptr);
  const auto m = router.match(Method::del, "/about");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, (std::vector<Method>{Method::get, Method::post}));
}

TEST(PendingResponse, DeliversWhetherFulfilledBeforeOrAfterTheWaiterArrives) {
  auto early = std::make_shared<PendingResponse>();
  Response r;
  r.status = 201;
  early->fulfil(r);
  int got = 0;
  early->on_ready([&](Response response) { got = response.status; });
  EXPECT_EQ(got, 201);

  auto late = std::make_shared<PendingResponse>();
  got = 0;
  late->on_ready([&](Response response) { got = response.status; });
  EXPECT_EQ(got, 0);
  std::thread producer([&] {
    Response done;
    done.status = 303;
    late->fulfil(done);
  });
  producer.join();
  EXPECT_EQ(got, 303);
}

}  // namespace
}  // namespace iv::web
