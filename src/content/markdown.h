// Markdown to HTML for content written by editors (files in content/, later
// the admin area). The input is not trusted to be safe HTML:
//  - GitHub dialect (tables, strikethrough, task lists, autolinks), but raw
//    HTML is never passed through: it is escaped and shows as text;
//  - links and images are kept only for http, https and mailto URLs and for
//    relative ones; any other scheme (javascript:, data:, vbscript:, ...)
//    loses its link (the text stays) or its image (the alt text stays);
//  - invalid UTF-8 is replaced by U+FFFD, so the output is valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace iv::content {

std::string markdown_to_html(std::string_view markdown);

// True for URLs a link may point to: relative, or http/https/mailto. The URL
// is taken as written in an attribute (after entity decoding).
bool is_safe_link_url(std::string_view url);

// Length of the longest prefix of `text` that is valid UTF-8 (so text.size()
// when all of it is). Overlong forms and surrogates are invalid.
std::size_t valid_utf8_prefix(std::string_view text);

}  // namespace iv::content
