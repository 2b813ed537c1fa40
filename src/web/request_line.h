// Checks on the request line (RFC 9112 section 3) that Beast's parser leaves
// to the server: splitting the request-target into path and query, and telling
// a request for another HTTP version from garbage.
#pragma once

#include <string_view>

#include "web/http.h"

namespace iv::web {

// Fills request.path (percent-decoded), request.raw_query and request.query
// from request.target, which must be in origin-form ("/a?b") or absolute-form
// ("http://host/a?b"; only the path and query are kept). Expects path,
// raw_query and query to be empty (see reset_request). Returns false, leaving
// them partly filled, for any other form, a malformed escape, an encoded NUL,
// or a "." or ".." path segment: browsers resolve those before sending, so only
// probes for files outside the web root carry them.
bool split_target(Request& request);

// True when `input` starts with a request line that is well formed up to its
// version and names an HTTP major version other than 1 ("PRI * HTTP/2.0").
// Beast parses HTTP/1.x only; such a request deserves 505 rather than 400.
bool names_other_http_version(std::string_view input);

}  // namespace iv::web
