#include "web/site/structured_data.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace iv::web::site {
namespace {

constexpr std::string_view kSchemaContext = "https://schema.org";

// The short form used where another entity refers to the organisation.
boost::json::object organization_reference(const Organization& organization) {
  return {{"@type", "Organization"},
          {"name", organization.name},
          {"url", organization.url},
          {"logo", boost::json::object{{"@type", "ImageObject"}, {"url", organization.logo_url}}}};
}

}  // namespace

boost::json::object organization_data(const Organization& organization) {
  return {{"@context", kSchemaContext},
          {"@type", "Organization"},
          {"name", organization.name},
          {"url", organization.url},
          {"logo", organization.logo_url},
          {"contactPoint", boost::json::object{{"@type", "ContactPoint"},
                                               {"contactType", "sales"},
                                               {"email", organization.email},
                                               {"url", organization.url + "/contact"},
                                               {"availableLanguage", "English"}}}};
}

boost::json::object article_data(const ArticleFacts& article, const Organization& publisher) {
  boost::json::object data{{"@context", kSchemaContext},
                           {"@type", "Article"},
                           {"headline", article.headline},
                           {"description", article.description},
                           {"url", article.url},
                           {"mainEntityOfPage", article.url},
                           {"image", article.image_url},
                           {"author", organization_reference(publisher)},
                           {"publisher", organization_reference(publisher)}};
  if (!article.published.empty()) {
    data["datePublished"] = article.published;
    data["dateModified"] = article.published;
  }
  return data;
}

boost::json::object service_data(const ServiceFacts& service, const Organization& provider) {
  boost::json::object data{{"@context", kSchemaContext},
                           {"@type", "Service"},
                           {"name", service.name},
                           {"serviceType", service.name},
                           {"description", service.description},
                           {"url", service.url},
                           {"provider", organization_reference(provider)},
                           {"areaServed", "Worldwide"}};
  if (!service.audiences.empty()) {
    boost::json::array audiences;
    for (const auto& audience : service.audiences) {
      audiences.push_back(boost::json::object{{"@type", "Audience"}, {"audienceType", audience}});
    }
    data["audience"] = std::move(audiences);
  }
  return data;
}

boost::json::object breadcrumb_data(const std::vector<Crumb>& trail) {
  boost::json::array items;
  int position = 1;
  for (const auto& crumb : trail) {
    items.push_back(boost::json::object{
        {"@type", "ListItem"}, {"position", position++}, {"name", crumb.name}, {"item", crumb.url}});
  }
  return {{"@context", kSchemaContext}, {"@type", "BreadcrumbList"}, {"itemListElement", std::move(items)}};
}

std::string script_json(const boost::json::object& data) {
  const std::string json = boost::json::serialize(data);
  std::string out;
  out.reserve(json.size() + 16);
  for (std::size_t i = 0; i < json.size(); ++i) {
    const std::string_view rest(json.data() + i, json.size() - i);
    if (rest.starts_with("</")) {
      out += "<\\/";
      ++i;
    } else if (rest.starts_with("<!--")) {
      out += "<\\u0021--";
      i += 3;
    } else {
      out.push_back(json[i]);
    }
  }
  return out;
}

}  // namespace iv::web::site
