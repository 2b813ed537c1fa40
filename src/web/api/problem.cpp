#include "web/api/problem.h"

#include <boost/json.hpp>

namespace iv::web {

Response problem_response(int status, std::string_view detail, std::string_view type_slug,
                          std::vector<FieldError> errors, std::string_view instance) {
  boost::json::object body;
  body["type"] =
      type_slug.empty() ? std::string("about:blank") : std::string(kProblemTypeBase) + std::string(type_slug);
  body["title"] = reason_phrase(status);
  body["status"] = status;
  body["detail"] = detail;
  if (!instance.empty()) body["instance"] = instance;
  if (!errors.empty()) {
    boost::json::array list;
    list.reserve(errors.size());
    for (auto& error : errors) {
      list.push_back(
          boost::json::object{{"field", std::move(error.field)}, {"message", std::move(error.message)}});
    }
    body["errors"] = std::move(list);
  }

  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", "application/problem+json"});
  response.headers.push_back({"Cache-Control", "no-store"});
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace iv::web
