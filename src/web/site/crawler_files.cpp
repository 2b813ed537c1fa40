#include "web/site/crawler_files.h"

namespace iv::web::site {
namespace {

void append_xml_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
}

}  // namespace

std::string sitemap_xml(const std::vector<SitemapEntry>& entries) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& entry : entries) {
    xml += "  <url><loc>";
    append_xml_escaped(xml, entry.url);
    xml += "</loc>";
    if (!entry.lastmod.empty()) {
      xml += "<lastmod>";
      append_xml_escaped(xml, entry.lastmod);
      xml += "</lastmod>";
    }
    xml += "</url>\n";
  }
  xml += "</urlset>\n";
  return xml;
}

std::string robots_txt(std::string_view base_url) {
  std::string text =
      "User-agent: *\n"
      "Allow: /\n"
      "Disallow: /api/\n"
      "Disallow: /admin/\n"
      "\n"
      "Sitemap: ";
  text += base_url;
  text += "/sitemap.xml\n";
  return text;
}

}  // namespace iv::web::site
