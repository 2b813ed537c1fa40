#include "web/site/crawler_files.h"

#include "security/markup_escape.h"

namespace iv::web::site {

std::string sitemap_xml(const std::vector<SitemapEntry>& entries) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& entry : entries) {
    xml += "  <url><loc>";
    security::append_markup_escaped(xml, entry.url);
    xml += "</loc>";
    if (!entry.lastmod.empty()) {
      xml += "<lastmod>";
      security::append_markup_escaped(xml, entry.lastmod);
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
