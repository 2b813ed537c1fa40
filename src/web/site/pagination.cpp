#include "web/site/pagination.h"

#include <boost/json/array.hpp>

namespace iv::web::site {

std::optional<int> parse_page_number(std::optional<std::string_view> text) {
  if (!text) return 1;
  // Digits only, no leading zero, at most 6 digits: one spelling per page.
  if (text->empty() || text->size() > 6 || (*text)[0] == '0') return std::nullopt;
  int value = 0;
  for (const char c : *text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

int page_count(std::int64_t total, int per_page) {
  if (total <= 0 || per_page <= 0) return 1;
  return static_cast<int>((total + per_page - 1) / per_page);
}

boost::json::object pagination_view(int current, int pages, const std::function<std::string(int)>& url_for) {
  boost::json::object view{{"has_pages", pages > 1}, {"current", current}, {"pages_total", pages}};
  view["has_previous"] = current > 1;
  if (current > 1) view["previous_url"] = url_for(current - 1);
  view["has_next"] = current < pages;
  if (current < pages) view["next_url"] = url_for(current + 1);
  boost::json::array links;
  for (int number = 1; number <= pages; ++number) {
    links.push_back(
        boost::json::object{{"number", number}, {"url", url_for(number)}, {"current", number == current}});
  }
  view["pages"] = std::move(links);
  return view;
}

}  // namespace iv::web::site
