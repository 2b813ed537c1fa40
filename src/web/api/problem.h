// RFC 9457 problem details: the one shape of every API error.
//
//   {"type": "https://indivillage.com/problems/invalid-query-parameter",
//    "title": "Bad Request", "status": 400, "detail": "...",
//    "instance": "/api/v1/services", "errors": [{"field": "page", "message": "..."}]}
//
// Used by the API handlers, and by the dispatcher for unknown API routes, 405s
// and 500s, so clients parse one format whatever went wrong.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "web/http.h"

namespace iv::web {

// One invalid input: `field` names the query parameter or body field as the
// client sent it; `message` says what is wrong and what would be accepted.
struct FieldError {
  std::string field;
  std::string message;
};

// Prefix of every problem type URI; "<prefix><type_slug>".
inline constexpr std::string_view kProblemTypeBase = "https://indivillage.com/problems/";

// Builds an application/problem+json response with `Cache-Control: no-store`.
// `title` is the standard reason phrase of `status`. `type` is "about:blank"
// when `type_slug` is empty, else kProblemTypeBase + type_slug. `instance`
// (a URI reference, e.g. the request path) and `errors` are omitted when empty.
Response problem_response(int status, std::string_view detail, std::string_view type_slug = {},
                          std::vector<FieldError> errors = {}, std::string_view instance = {});

}  // namespace iv::web
