#include "content/markdown.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include <md4c-html.h>

namespace iv::content {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[0], or 0 when it is not
// one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short).
std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < min_second || byte(1) > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

std::string replace_invalid_utf8(std::string_view text) {
  if (valid_utf8_prefix(text) == text.size()) return std::string(text);
  std::string clean;
  clean.reserve(text.size() + 16);
  while (!text.empty()) {
    const std::size_t length = utf8_sequence_length(text);
    if (length == 0) {
      clean += kReplacementCharacter;
      text.remove_prefix(1);
    } else {
      clean += text.substr(0, length);
      text.remove_prefix(length);
    }
  }
  return clean;
}

// md4c escapes these four in attribute values.
std::string decode_attribute(std::string_view value) {
  std::string decoded;
  decoded.reserve(value.size());
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}};
  while (!value.empty()) {
    auto entity = std::find_if(std::begin(kEntities), std::end(kEntities),
                               [&](const auto& e) { return value.starts_with(e.first); });
    if (entity != std::end(kEntities)) {
      decoded += entity->second;
      value.remove_prefix(entity->first.size());
    } else {
      decoded += value.front();
      value.remove_prefix(1);
    }
  }
  return decoded;
}

// The value of `name="..."` inside one tag, as written (still escaped).
std::string_view attribute(std::string_view tag, std::string_view name) {
  const std::string marker = " " + std::string(name) + "=\"";
  const std::size_t start = tag.find(marker);
  if (start == std::string_view::npos) return {};
  const std::size_t value_start = start + marker.size();
  const std::size_t end = tag.find('"', value_start);
  if (end == std::string_view::npos) return {};
  return tag.substr(value_start, end - value_start);
}

// Removes links and images with unsafe URLs from md4c's output. Because raw
// HTML is escaped (MD_FLAG_NOHTML), every tag in the output is one md4c wrote,
// in its fixed form `<a href="...">` / `<img src="..." alt="...">`, and a `>`
// or `"` inside an attribute is always escaped; so this simple scan is exact.
std::string drop_unsafe_urls(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  std::vector<bool> open_links_kept;  // one entry per open <a>, innermost last
  while (!html.empty()) {
    const std::size_t lt = html.find('<');
    out += html.substr(0, lt);
    if (lt == std::string_view::npos) break;
    html.remove_prefix(lt);
    const std::size_t tag_end = html.find('>');
    if (tag_end == std::string_view::npos) break;  // md4c never writes this; drop the fragment
    const std::string_view tag = html.substr(0, tag_end + 1);
    if (tag.starts_with("<a ")) {
      const bool safe = is_safe_link_url(decode_attribute(attribute(tag, "href")));
      open_links_kept.push_back(safe);
      if (safe) out += tag;
    } else if (tag == "</a>") {
      const bool kept = open_links_kept.empty() || open_links_kept.back();
      if (!open_links_kept.empty()) open_links_kept.pop_back();
      if (kept) out += tag;
    } else if (tag.starts_with("<img ")) {
      // The alt text is already escaped for HTML, so it can stand in as text.
      out += is_safe_link_url(decode_attribute(attribute(tag, "src"))) ? tag : attribute(tag, "alt");
    } else {
      out += tag;
    }
    html.remove_prefix(tag.size());
  }
  return out;
}

void append_output(const MD_CHAR* text, MD_SIZE size, void* userdata) {
  static_cast<std::string*>(userdata)->append(text, size);
}

bool is_scheme_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

}  // namespace

std::size_t valid_utf8_prefix(std::string_view text) {
  std::size_t valid = 0;
  while (valid < text.size()) {
    const std::size_t length = utf8_sequence_length(text.substr(valid));
    if (length == 0) break;
    valid += length;
  }
  return valid;
}

bool is_safe_link_url(std::string_view url) {
  // Browsers drop tabs and newlines anywhere in a URL and leading controls
  // and spaces before they look for the scheme ("java\tscript:" runs).
  std::string cleaned;
  for (char c : url) {
    if (c != '\t' && c != '\n' && c != '\r') cleaned += c;
  }
  const auto first = std::find_if(cleaned.begin(), cleaned.end(),
                                  [](char c) { return static_cast<unsigned char>(c) > 0x20; });
  const std::string_view rest(first, cleaned.end());
  const std::size_t scheme_end = rest.find_first_of(":/?#");
  if (scheme_end == std::string_view::npos || rest[scheme_end] != ':') return true;  // relative
  const std::string_view scheme = rest.substr(0, scheme_end);
  // Anything unusual before the colon is refused rather than guessed at.
  if (scheme.empty() || !std::all_of(scheme.begin(), scheme.end(), is_scheme_character)) return false;
  std::string lower(scheme);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return lower == "http" || lower == "https" || lower == "mailto";
}

std::string markdown_to_html(std::string_view markdown) {
  const std::string input = replace_invalid_utf8(markdown);
  if (input.size() > std::numeric_limits<MD_SIZE>::max())
    throw std::length_error("markdown_to_html: input too large");
  std::string html;
  html.reserve(input.size() + input.size() / 4);
  const unsigned parser_flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML;
  if (md_html(input.data(), static_cast<MD_SIZE>(input.size()), append_output, &html, parser_flags, 0) != 0) {
    throw std::runtime_error("markdown_to_html: md4c failed");
  }
  // Numeric character references can name code points that are not valid in
  // UTF-8 (surrogates); clean the output as well as the input.
  return replace_invalid_utf8(drop_unsafe_urls(html));
}

}  // namespace iv::content
