// The streaming multipart/form-data parser, fed every way a body can be split.
#include "web/multipart_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace iv::web {
namespace {

struct Part {
  PartHeaders headers;
  std::string data;
  bool ended = false;
};

class Collector : public MultipartHandler {
 public:
  std::vector<Part> parts;
  std::size_t max_piece = 0;
  bool refuse_files = false;
  bool on_part_begin(const PartHeaders& headers) override {
    if (refuse_files && headers.has_filename) return false;
    parts.push_back({headers, {}, false});
    return true;
  }
  bool on_part_data(std::string_view data) override {
    max_piece = std::max(max_piece, data.size());
    parts.back().data.append(data);
    return true;
  }
  bool on_part_end() override {
    parts.back().ended = true;
    return true;
  }
};

const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

// The file data contains near-misses of the delimiter on purpose.
std::string sample_body() {
  const std::string file = "a,b\r\n1,2\r\n--" + kBoundary.substr(0, 10) + "\r\n-\r\n--\r\n3,4\r\n";
  return "--" + kBoundary + "\r\n" + "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" +
         "tok123\r\n" + "--" + kBoundary + "\r\n" + "Content-Disposition: form-data; name=\"email\"\r\n\r\n" +
         "me@example.com\r\n" + "--" + kBoundary + "\r\n" +
         "Content-Disposition: form-data; name=\"file\"; filename=\"data \\\"1\\\".csv\"\r\n" +
         "Content-Type: text/csv\r\n\r\n" + file + "\r\n" + "--" + kBoundary + "--\r\n";
}

void expect_sample(const Collector& c) {
  ASSERT_EQ(c.parts.size(), 3u);
  EXPECT_EQ(c.parts[0].headers.name, "csrf_token");
  EXPECT_FALSE(c.parts[0].headers.has_filename);
  EXPECT_EQ(c.parts[0].data, "tok123");
  EXPECT_EQ(c.parts[1].data, "me@example.com");
  EXPECT_EQ(c.parts[2].headers.name, "file");
  EXPECT_TRUE(c.parts[2].headers.has_filename);
  EXPECT_EQ(c.parts[2].headers.filename, "data \"1\".csv");
  EXPECT_EQ(c.parts[2].headers.content_type, "text/csv");
  EXPECT_EQ(c.parts[2].data, "a,b\r\n1,2\r\n--" + kBoundary.substr(0, 10) + "\r\n-\r\n--\r\n3,4\r\n");
  for (const auto& part : c.parts) EXPECT_TRUE(part.ended);
}

TEST(MultipartParser, ParsesAWholeBody) {
  Collector c;
  MultipartParser parser(kBoundary, c);
  ASSERT_TRUE(parser.feed(sample_body())) << parser.error();
  EXPECT_TRUE(parser.done());
  expect_sample(c);
}

TEST(MultipartParser, EverySplitPointGivesTheSameParts) {
  const std::string body = sample_body();
  for (std::size_t split = 0; split <= body.size(); ++split) {
    Collector c;
    MultipartParser parser(kBoundary, c);
    ASSERT_TRUE(parser.feed(std::string_view(body).substr(0, split))) << split;
    ASSERT_TRUE(parser.feed(std::string_view(body).substr(split))) << split << ": " << parser.error();
    ASSERT_TRUE(parser.done()) << split;
    expect_sample(c);
  }
}

TEST(MultipartParser, OneByteAtATime) {
  const std::string body = sample_body();
  Collector c;
  MultipartParser parser(kBoundary, c);
  for (const char byte : body) ASSERT_TRUE(parser.feed(std::string_view(&byte, 1))) << parser.error();
  EXPECT_TRUE(parser.done());
  expect_sample(c);
}

TEST(MultipartParser, LargeFileStreamsWithBoundedBuffering) {
  const std::string payload(1 << 20, 'x');
  const std::string body = "--" + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n" +
                           payload + "\r\n--" + kBoundary + "--";
  Collector c;
  MultipartParser parser(kBoundary, c);
  for (std::size_t i = 0; i < body.size(); i += 4096) {
    ASSERT_TRUE(parser.feed(std::string_view(body).substr(i, 4096)));
  }
  EXPECT_TRUE(parser.done());
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].data.size(), payload.size());
  EXPECT_LE(c.max_piece, 4096u + kBoundary.size() + 4);
}

TEST(MultipartParser, PreambleAndEpilogueAreIgnored) {
  Collector c;
  MultipartParser parser(kBoundary, c);
  ASSERT_TRUE(parser.feed("This is a preamble.\r\n--" + kBoundary +
                          "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--" + kBoundary +
                          "--\r\nepilogue junk"));
  EXPECT_TRUE(parser.done());
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].data, "value");
}

TEST(MultipartParser, RefusesMalformedAndOversizedInput) {
  {
    Collector c;
    MultipartParser parser(kBoundary, c, MultipartLimits{.max_header_bytes = 64});
    EXPECT_FALSE(parser.feed("--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" +
                             std::string(200, 'n') + "\"\r\n\r\n"));
    EXPECT_NE(parser.error().find("too long"), std::string_view::npos);
  }
  {
    Collector c;
    MultipartParser parser(kBoundary, c);
    EXPECT_FALSE(
        parser.feed("--" + kBoundary + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + kBoundary + "--"));
  }
  {
    Collector c;
    MultipartParser parser(kBoundary, c, MultipartLimits{.max_parts = 2});
    std::string body;
    for (int i = 0; i < 3; ++i)
      body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
    EXPECT_FALSE(parser.feed(body + "--" + kBoundary + "--"));
  }
  {
    Collector c;
    c.refuse_files = true;
    MultipartParser parser(kBoundary, c);
    EXPECT_FALSE(parser.feed(sample_body()));
  }
  {
    Collector c;
    MultipartParser parser(kBoundary, c);
    ASSERT_TRUE(
        parser.feed("--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunfinished"));
    EXPECT_FALSE(parser.done()) << "a truncated body is not complete";
  }
}

TEST(MultipartParser, BoundaryFromContentType) {
  EXPECT_EQ(boundary_from_content_type("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(boundary_from_content_type("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_FALSE(boundary_from_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(boundary_from_content_type("multipart/form-data"));
  EXPECT_FALSE(boundary_from_content_type("multipart/form-data; boundary=" + std::string(71, 'b')));
}

}  // namespace
}  // namespace iv::web
