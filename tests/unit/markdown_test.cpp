// markdown_to_html: GitHub dialect, raw HTML never passes through, links and
// images only with safe URL schemes, output always valid UTF-8.
#include "content/markdown.h"

#include <string>

#include <gtest/gtest.h>

namespace iv::content {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(MarkdownTest, RendersCommonMarkAndGithubExtensions) {
  const std::string html = markdown_to_html(
      "## How we work\n\nWe label **carefully** and ~~slowly~~ quickly.\n\n"
      "- one\n- two\n\n| Type | Rate |\n|---|--:|\n| Boxes | 900/h |\n\nSee https://example.com/x now.\n");
  EXPECT_TRUE(contains(html, "<h2>How we work</h2>")) << html;
  EXPECT_TRUE(contains(html, "<strong>carefully</strong>")) << html;
  EXPECT_TRUE(contains(html, "<del>slowly</del>")) << html;
  EXPECT_TRUE(contains(html, "<li>one</li>")) << html;
  EXPECT_TRUE(contains(html, "<table>")) << html;
  EXPECT_TRUE(contains(html, "<td align=\"right\">900/h</td>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"https://example.com/x\">https://example.com/x</a>")) << html;
}

TEST(MarkdownTest, RawHtmlBlocksAndSpansAreEscapedNotPassedThrough) {
  const std::string html = markdown_to_html(
      "<script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>\n\n"
      "Inline <img src=x onerror=alert(2)> and <a href=\"https://x\">tag</a>.\n");
  EXPECT_FALSE(contains(html, "<script")) << html;
  EXPECT_FALSE(contains(html, "<div")) << html;
  EXPECT_FALSE(contains(html, "<img")) << html;
  EXPECT_FALSE(contains(html, "<a href=\"https://x\"")) << html;
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;")) << html;
  EXPECT_TRUE(contains(html, "&lt;img src=x onerror=alert(2)&gt;")) << html;
}

TEST(MarkdownTest, JavascriptLinkLosesItsLinkButKeepsItsText) {
  const std::string html = markdown_to_html("Please [click here](javascript:alert(1)) now.");
  EXPECT_EQ(html, "<p>Please click here now.</p>\n");
}

TEST(MarkdownTest, ObfuscatedSchemesAreStillDropped) {
  for (const char* markdown : {
           "[a](JaVaScRiPt:alert(1))",
           "[a](javascript&colon;alert(1))",
           "[a](<java&#x09;script:alert(1)>)",
           "[a](vbscript:msgbox)",
           "[a](data:text/html;base64,PHNjcmlwdD4=)",
           "[a](file:///etc/passwd)",
           "<javascript:alert(1)>",
       }) {
    const std::string html = markdown_to_html(markdown);
    EXPECT_FALSE(contains(html, "<a")) << markdown << " -> " << html;
  }
}

TEST(MarkdownTest, UnsafeImageIsReplacedByItsAltText) {
  const std::string html = markdown_to_html("![a *small* cat](data:image/png;base64,AAAA \"t\")");
  EXPECT_EQ(html, "<p>a small cat</p>\n");
}

TEST(MarkdownTest, SafeLinksAndImagesAreKept) {
  const std::string html = markdown_to_html(
      "[web](https://example.com/a?b=1&c=2) [plain](http://example.com) [mail](mailto:hi@example.com) "
      "[rel](/services/data-annotation) [anchor](#top) [query](?page=2) x@example.com "
      "![chart](/static/chart.png)");
  EXPECT_TRUE(contains(html, "<a href=\"https://example.com/a?b=1&amp;c=2\">web</a>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"http://example.com\">plain</a>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"mailto:hi@example.com\">mail</a>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"/services/data-annotation\">rel</a>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"#top\">anchor</a>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"?page=2\">query</a>")) << html;
  EXPECT_TRUE(contains(html, "<a href=\"mailto:x@example.com\">x@example.com</a>")) << html;
  EXPECT_TRUE(contains(html, "<img src=\"/static/chart.png\" alt=\"chart\">")) << html;
}

TEST(MarkdownTest, SafeImageInsideUnsafeLinkKeepsTheImageOnly) {
  const std::string html = markdown_to_html("[![logo](https://example.com/l.png)](javascript:void(0)) end");
  EXPECT_EQ(html, "<p><img src=\"https://example.com/l.png\" alt=\"logo\"> end</p>\n");
}

TEST(MarkdownTest, TitlesAndTextAroundDroppedLinksStayIntact) {
  const std::string html =
      markdown_to_html("[bad](javascript:x \"a > b\") and [good](https://example.com \"say \\\"hi\\\"\")");
  EXPECT_EQ(html, "<p>bad and <a href=\"https://example.com\" title=\"say &quot;hi&quot;\">good</a></p>\n");
}

TEST(MarkdownTest, InvalidUtf8IsReplacedSoTheOutputIsValid) {
  const std::string html = markdown_to_html("caf\xC3 \xFF\xFE ok \xED\xA0\x80 &#xD800; &#0;");
  EXPECT_EQ(valid_utf8_prefix(html), html.size()) << html;
  EXPECT_TRUE(contains(html, "\xEF\xBF\xBD")) << html;
  EXPECT_TRUE(contains(html, "ok")) << html;
}

TEST(MarkdownTest, ValidUtf8IsLeftAlone) {
  const std::string text = "Ā ₹ 𝄞 Kannada ಕನ್ನಡ";
  EXPECT_EQ(valid_utf8_prefix(text), text.size());
  EXPECT_EQ(markdown_to_html(text), "<p>" + text + "</p>\n");
}

TEST(MarkdownTest, Utf8PrefixStopsAtTheFirstInvalidSequence) {
  EXPECT_EQ(valid_utf8_prefix("ab\xC0\xAF"), 2u);          // overlong '/'
  EXPECT_EQ(valid_utf8_prefix("ab\xED\xA0\x80"), 2u);      // surrogate
  EXPECT_EQ(valid_utf8_prefix("ab\xF4\x90\x80\x80"), 2u);  // beyond U+10FFFF
  EXPECT_EQ(valid_utf8_prefix("ab\xE2\x82"), 2u);          // cut short
  EXPECT_EQ(valid_utf8_prefix("ab\xE2\x82\xB9"), 5u);      // ₹
}

TEST(MarkdownTest, SafeUrlRules) {
  EXPECT_TRUE(is_safe_link_url("https://example.com"));
  EXPECT_TRUE(is_safe_link_url("HTTP://example.com"));
  EXPECT_TRUE(is_safe_link_url("mailto:a@b.c"));
  EXPECT_TRUE(is_safe_link_url("/a/b:c"));
  EXPECT_TRUE(is_safe_link_url("page.html"));
  EXPECT_TRUE(is_safe_link_url("//cdn.example.com/x"));
  EXPECT_TRUE(is_safe_link_url(""));
  EXPECT_FALSE(is_safe_link_url("javascript:alert(1)"));
  EXPECT_FALSE(is_safe_link_url(" \x01javascript:alert(1)"));
  EXPECT_FALSE(is_safe_link_url("java\tscr\nipt:alert(1)"));
  EXPECT_FALSE(is_safe_link_url("java%09script:alert(1)"));
  EXPECT_FALSE(is_safe_link_url("tel:+911234"));
}

}  // namespace
}  // namespace iv::content
