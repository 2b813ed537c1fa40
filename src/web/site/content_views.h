// Content model -> template data. Each function turns one piece of content
// into the boost::json object a template reads, adding what the templates
// need but the model does not hold (URLs, readable dates, labels), so the
// templates stay free of logic.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "content/model.h"

namespace iv::web::site {

// Service slug -> title, for showing a case study's services by name.
using ServiceTitles = std::map<std::string, std::string, std::less<>>;

// [{value, label}, ...]
boost::json::array figures_view(const std::vector<content::Figure>& figures);

// Card data for lists: {slug, url, title, summary, icon_svg, ...}.
// `icon_svg` is the trusted inline SVG for the service's icon (may be empty).
boost::json::object service_card_view(const content::Service& service, std::string icon_svg);
boost::json::object case_study_card_view(const content::CaseStudy& study);
boost::json::object impact_card_view(const content::ImpactStory& story);

// Everything a detail page shows; the card fields plus bodies and lists.
boost::json::object service_detail_view(const content::Service& service, std::string icon_svg);
boost::json::object case_study_detail_view(const content::CaseStudy& study, const ServiceTitles& titles);
boost::json::object impact_detail_view(const content::ImpactStory& story);

// "2025-06-12" -> "12 June 2025"; anything else is returned unchanged.
std::string readable_date(std::string_view iso_date);

// "women-in-tech" -> "Women in tech" (known categories have fixed labels).
std::string impact_category_label(std::string_view category);

// Public URL paths of content items.
std::string service_path(std::string_view slug);
std::string case_study_path(std::string_view slug);
std::string impact_path(std::string_view slug);

}  // namespace iv::web::site
