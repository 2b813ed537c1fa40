#include "web/site/site_common.h"

namespace iv::web::site {

Response html_response(int status, std::string body, std::string_view cache_control) {
  Response response;
  response.status = status;
  response.headers = {{"Content-Type", "text/html; charset=utf-8"},
                      {"Cache-Control", std::string(cache_control)}};
  response.body = std::move(body);
  return response;
}

Response text_response(std::string content_type, std::string body) {
  Response response;
  response.headers = {{"Content-Type", std::move(content_type)},
                      {"Cache-Control", std::string(kPageCacheControl)}};
  response.body = std::move(body);
  return response;
}

std::string with_query(std::string_view path,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url(path);
  char separator = '?';
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    url += separator;
    url += name + "=" + percent_encode(value);
    separator = '&';
  }
  return url;
}

}  // namespace iv::web::site
