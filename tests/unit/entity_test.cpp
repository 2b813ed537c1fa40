#include "web/entity.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace iv::web {
namespace {

std::string gunzip(const std::string& data) {
  z_stream s{};
  inflateInit2(&s, 15 + 16);
  std::string out(1 << 20, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

Request request_with(std::vector<Header> headers) {
  Request r;
  r.headers = std::move(headers);
  return r;
}

const std::string kPage = [] {
  std::string s;
  for (int i = 0; i < 200; ++i) s += "<p>IndiVillage impact sourcing</p>\n";
  return s;
}();

TEST(Entity, CompressesTextOnceAndKeepsIdentity) {
  const auto e = Entity::make(200, "text/html; charset=utf-8", "public, max-age=60", kPage);
  EXPECT_EQ(e->identity, kPage);
  ASSERT_FALSE(e->gzip.empty());
  EXPECT_LT(e->gzip.size(), kPage.size() / 5);
  EXPECT_EQ(gunzip(e->gzip), kPage);
  EXPECT_EQ(e->etag.size(), 18u);
  EXPECT_EQ(e->etag.front(), '"');
}

TEST(Entity, DoesNotCompressSmallOrBinaryBodies) {
  EXPECT_TRUE(Entity::make(200, "text/plain", "", "tiny")->gzip.empty());
  EXPECT_TRUE(Entity::make(200, "image/png", "", kPage)->gzip.empty());
}

TEST(Entity, EtagDependsOnBody) {
  EXPECT_EQ(etag_for("a"), etag_for("a"));
  EXPECT_NE(etag_for("a"), etag_for("b"));
}

TEST(RespondWith, ChoosesGzipOnlyWhenAccepted) {
  const auto e = Entity::make(200, "text/html", "public", kPage);
  auto plain = respond_with(request_with({}), e);
  EXPECT_EQ(plain.body_view(), kPage);
  EXPECT_FALSE(plain.header("Content-Encoding"));
  EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");

  auto zipped = respond_with(request_with({{"accept-encoding", "br, gzip;q=0.8"}}), e);
  EXPECT_EQ(zipped.header("Content-Encoding"), "gzip");
  EXPECT_EQ(zipped.body_view(), e->gzip);

  auto refused = respond_with(request_with({{"accept-encoding", "gzip;q=0, br"}}), e);
  EXPECT_FALSE(refused.header("Content-Encoding"));
}

TEST(RespondWith, AnswersNotModifiedForMatchingEtag) {
  const auto e = Entity::make(200, "text/html", "public", kPage);
  auto r = respond_with(request_with({{"if-none-match", "\"other\", W/" + e->etag}}), e);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body_view().empty());
  EXPECT_EQ(r.header("ETag"), e->etag);
  EXPECT_EQ(respond_with(request_with({{"if-none-match", "\"nope\""}}), e).status, 200);
}

TEST(RespondWith, NeverAnswers304ForErrors) {
  const auto e = Entity::make(404, "text/html", "", kPage);
  EXPECT_EQ(respond_with(request_with({{"if-none-match", e->etag}}), e).status, 404);
}

}  // namespace
}  // namespace iv::web
