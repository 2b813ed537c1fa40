// Escaping text for HTML and XML (pages, e-mails, sitemaps, SVG): the five
// characters that can end a text node or an attribute value become entities.
// &#39; is used for the apostrophe because HTML 4 and old mail clients do not
// know &apos;, and XML accepts both.
#pragma once

#include <string>
#include <string_view>

namespace iv::security {

// Appends `text` to `out` with & < > " ' escaped. Safe in element content and
// in quoted attribute values; not in unquoted attributes, URLs or scripts.
void append_markup_escaped(std::string& out, std::string_view text);

std::string markup_escape(std::string_view text);

}  // namespace iv::security
