// The public content of the site: services, case studies, impact stories and
// free-standing pages (home, about). Loaded from content/*.md (front matter +
// Markdown) into the database; HTML fields are rendered once at load time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iv::content {

// A headline number: {"10,000+", "jobs created in rural India"}.
struct Figure {
  std::string value;
  std::string label;
};

struct Feature {
  std::string title;
  std::string text;
};

struct Service {
  std::string slug;
  std::string title;
  std::string summary;  // one or two sentences, plain text
  std::string icon;     // name of an inline SVG icon in templates/icons
  int order = 0;        // position in lists
  std::vector<Feature> features;
  std::vector<std::string> use_cases;
  std::vector<std::string> industries;  // plain-text industry names
  std::vector<Figure> figures;
  std::string body_html;  // rendered Markdown body
};

struct CaseStudy {
  std::string slug;
  std::string title;
  std::string client;    // anonymised description of the client
  std::string industry;  // plain-text industry name (filterable)
  std::string summary;
  std::vector<std::string> services;  // service slugs (filterable)
  std::string challenge_html;
  std::string solution_html;
  std::vector<Figure> results;
  std::string published;  // ISO date YYYY-MM-DD
  std::string body_html;
};

struct ImpactStory {
  std::string slug;
  std::string title;
  std::string category;  // rural-employment | women-in-tech | skills-training | community
  std::string summary;
  std::string location;
  std::vector<Figure> figures;
  std::string published;  // ISO date YYYY-MM-DD
  std::string body_html;
};

// Free-standing page such as "home" or "about". `data_json` holds the rest of
// the front matter as a JSON object for the page's template.
struct Page {
  std::string slug;
  std::string title;
  std::string summary;
  std::string body_html;
  std::string data_json = "{}";
};

// Everything under content/, as one unit that is swapped in atomically.
struct ContentBundle {
  std::vector<Service> services;
  std::vector<CaseStudy> case_studies;
  std::vector<ImpactStory> impact_stories;
  std::vector<Page> pages;
};

}  // namespace iv::content
