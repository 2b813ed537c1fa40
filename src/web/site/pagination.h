// Page numbers for long lists: parsing ?page= strictly (so junk cannot grow
// the page cache) and the data for the pagination links.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace iv::web::site {

// Absent -> 1. "2" -> 2. Anything else ("0", "02", "-1", "x", "", huge) -> nullopt.
std::optional<int> parse_page_number(std::optional<std::string_view> text);

// Number of pages for `total` items, at least 1 (an empty list still has a page).
int page_count(std::int64_t total, int per_page);

// {has_pages, previous_url?, next_url?, pages: [{number, url, current}]} for
// a list with `pages` pages showing page `current`. `url_for(n)` gives page n's URL.
boost::json::object pagination_view(int current, int pages, const std::function<std::string(int)>& url_for);

}  // namespace iv::web::site
