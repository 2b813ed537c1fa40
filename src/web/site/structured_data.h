// schema.org JSON-LD blocks for search engines. Each builder returns a plain
// JSON object; script_json() turns one into text that is safe inside
// <script type="application/ld+json"> (the only inline script the CSP allows,
// because browsers never execute that type).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

namespace iv::web::site {

struct Organization {
  std::string name;
  std::string url;       // absolute origin
  std::string logo_url;  // absolute
  std::string email;
};

// One step of a breadcrumb trail: name and absolute URL.
struct Crumb {
  std::string name;
  std::string url;
};

struct ArticleFacts {
  std::string headline;
  std::string description;
  std::string url;        // absolute
  std::string image_url;  // absolute
  std::string published;  // ISO date; omitted when empty
};

struct ServiceFacts {
  std::string name;
  std::string description;
  std::string url;                     // absolute
  std::vector<std::string> audiences;  // industry names
};

boost::json::object organization_data(const Organization& organization);
boost::json::object article_data(const ArticleFacts& article, const Organization& publisher);
boost::json::object service_data(const ServiceFacts& service, const Organization& provider);
boost::json::object breadcrumb_data(const std::vector<Crumb>& trail);

// Serialises `data` and escapes "</" as "<\/" and "<!--" as "<\u0021--", so
// content can never close the script element or open an HTML comment in it.
// The result is still valid JSON with the same meaning.
std::string script_json(const boost::json::object& data);

}  // namespace iv::web::site
