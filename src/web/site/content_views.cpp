#include "web/site/content_views.h"

#include <array>
#include <charconv>

#include "web/http.h"

namespace iv::web::site {
namespace {

boost::json::array strings_view(const std::vector<std::string>& items) {
  boost::json::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

// {text, url}: a list of industries, each linking to the filtered case studies.
boost::json::array industry_links(const std::vector<std::string>& industries) {
  boost::json::array out;
  for (const auto& industry : industries) {
    out.push_back(boost::json::object{{"name", industry},
                                      {"url", "/case-studies?industry=" + percent_encode(industry)}});
  }
  return out;
}

// The first figure is the headline shown on a card; cards without figures show none.
void add_headline_figure(boost::json::object& card, const std::vector<content::Figure>& figures) {
  card["has_headline"] = !figures.empty();
  if (!figures.empty()) {
    card["headline"] =
        boost::json::object{{"value", figures.front().value}, {"label", figures.front().label}};
  }
}

}  // namespace

boost::json::array figures_view(const std::vector<content::Figure>& figures) {
  boost::json::array out;
  out.reserve(figures.size());
  for (const auto& figure : figures)
    out.push_back(boost::json::object{{"value", figure.value}, {"label", figure.label}});
  return out;
}

std::string service_path(std::string_view slug) {
  return "/services/" + std::string(slug);
}
std::string case_study_path(std::string_view slug) {
  return "/case-studies/" + std::string(slug);
}
std::string impact_path(std::string_view slug) {
  return "/impact/" + std::string(slug);
}

boost::json::object service_card_view(const content::Service& service, std::string icon_svg) {
  return {{"slug", service.slug},
          {"url", service_path(service.slug)},
          {"title", service.title},
          {"summary", service.summary},
          {"icon_svg", std::move(icon_svg)}};
}

boost::json::object service_detail_view(const content::Service& service, std::string icon_svg) {
  boost::json::object view = service_card_view(service, std::move(icon_svg));
  boost::json::array features;
  for (const auto& feature : service.features) {
    features.push_back(boost::json::object{{"title", feature.title}, {"text", feature.text}});
  }
  view["features"] = std::move(features);
  view["has_features"] = !service.features.empty();
  view["use_cases"] = strings_view(service.use_cases);
  view["has_use_cases"] = !service.use_cases.empty();
  view["industries"] = industry_links(service.industries);
  view["has_industries"] = !service.industries.empty();
  view["figures"] = figures_view(service.figures);
  view["has_figures"] = !service.figures.empty();
  view["body_html"] = service.body_html;
  view["quote_url"] = "/quote?service=" + percent_encode(service.slug);
  return view;
}

boost::json::object case_study_card_view(const content::CaseStudy& study) {
  boost::json::object card{
      {"slug", study.slug},           {"url", case_study_path(study.slug)},
      {"title", study.title},         {"summary", study.summary},
      {"client", study.client},       {"industry", study.industry},
      {"published", study.published}, {"published_text", readable_date(study.published)}};
  add_headline_figure(card, study.results);
  return card;
}

boost::json::object case_study_detail_view(const content::CaseStudy& study, const ServiceTitles& titles) {
  boost::json::object view = case_study_card_view(study);
  view["industry_url"] = "/case-studies?industry=" + percent_encode(study.industry);
  boost::json::array services;
  for (const auto& slug : study.services) {
    const auto title = titles.find(slug);
    services.push_back(boost::json::object{{"title", title == titles.end() ? slug : title->second},
                                           {"url", service_path(slug)}});
  }
  view["services"] = std::move(services);
  view["has_services"] = !study.services.empty();
  view["results"] = figures_view(study.results);
  view["has_results"] = !study.results.empty();
  view["challenge_html"] = study.challenge_html;
  view["solution_html"] = study.solution_html;
  view["body_html"] = study.body_html;
  return view;
}

boost::json::object impact_card_view(const content::ImpactStory& story) {
  boost::json::object card{{"slug", story.slug},
                           {"url", impact_path(story.slug)},
                           {"title", story.title},
                           {"summary", story.summary},
                           {"category", story.category},
                           {"category_label", impact_category_label(story.category)},
                           {"location", story.location},
                           {"published", story.published},
                           {"published_text", readable_date(story.published)}};
  add_headline_figure(card, story.figures);
  return card;
}

boost::json::object impact_detail_view(const content::ImpactStory& story) {
  boost::json::object view = impact_card_view(story);
  view["category_url"] = "/impact?category=" + percent_encode(story.category);
  view["figures"] = figures_view(story.figures);
  view["has_figures"] = !story.figures.empty();
  view["body_html"] = story.body_html;
  return view;
}

std::string readable_date(std::string_view iso_date) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  const auto number = [&](std::size_t offset, std::size_t length) {
    int value = -1;
    const char* first = iso_date.data() + offset;
    const auto [end, error] = std::from_chars(first, first + length, value);
    return (error == std::errc{} && end == first + length) ? value : -1;
  };
  if (iso_date.size() != 10 || iso_date[4] != '-' || iso_date[7] != '-') return std::string(iso_date);
  const int year = number(0, 4);
  const int month = number(5, 2);
  const int day = number(8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return std::string(iso_date);
  return std::to_string(day) + " " + std::string(kMonths[month - 1]) + " " + std::to_string(year);
}

std::string impact_category_label(std::string_view category) {
  if (category == "rural-employment") return "Rural employment";
  if (category == "women-in-tech") return "Women in tech";
  if (category == "skills-training") return "Skills training";
  if (category == "community") return "Community";
  // An unknown category still reads as words: "new-thing" -> "New thing".
  std::string label(category);
  for (char& c : label) {
    if (c == '-') c = ' ';
  }
  if (!label.empty() && label[0] >= 'a' && label[0] <= 'z')
    label[0] = static_cast<char>(label[0] - 'a' + 'A');
  return label;
}

}  // namespace iv::web::site
