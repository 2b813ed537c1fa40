// The dataset upload API (DESIGN.md "Uploads"):
//
//   POST /api/v1/uploads  {"filename", "size", "email"?}  (application/json)
//     201 {"id", "token", "tus_url", "upload_url", "status_url", "results_url",
//          "expires_at", "max_size"} with Location: the status URL. The token
//     (short-lived, bound to this upload) authorises the tus requests
//     (tus_server.h) as "Authorization: Bearer <token>"; tus_url is the tus
//     creation endpoint, upload_url the upload's own tus URL.
//     413 size over MAX_UPLOAD_BYTES; 415 refused extension or a body that is
//     not JSON; 400 malformed JSON; 422 bad fields ({errors: [{field, message}]});
//     429 with Retry-After when one address creates too many uploads.
//   GET /api/v1/uploads/{id}
//     {"id", "status", "reason"?, "file_name", "format", "size", "received_bytes",
//      "progress", "steps": [{"name", "status", "started_at"?, "finished_at"?,
//      "detail"}], "created_at", "updated_at", "expires_at"?, "results_url",
//      "analysis_url"?}; 404 unknown.
//   GET /api/v1/uploads/{id}/analysis: the analysis document; 404 until the
//     upload is completed (the problem's detail gives the status).
//   DELETE /api/v1/uploads/{id}: removes the file, the results and the record; 204.
//
// Authorisation of reads and DELETE: the id itself. It is 128 random bits
// and the visitor's only key to the results page (/uploads/{id}), which
// offers deletion long after the upload token expired; anyone holding the
// link may see the results, so they may also delete them. Every answer is
// Cache-Control: no-store.
#pragma once

#include <string_view>

#include "security/rate_limiter.h"
#include "web/http.h"
#include "web/router.h"

namespace iv::datasets {
class UploadService;
}
namespace iv::observe {
class Logger;
}

namespace iv::web {

struct UploadsApiSettings {
  std::string api_base = "/api/v1/uploads";
  std::string tus_path = "/api/v1/uploads/tus";
  security::RateRule per_address{"upload-address", 20, 20.0 / 3600};
};

class UploadsApi {
 public:
  // References must outlive this object.
  UploadsApi(UploadsApiSettings settings, datasets::UploadService& uploads, security::RateLimiter& limiter,
             observe::Logger& logger);

  void register_routes(Router& router);

  Response create(const Request& request);
  Response status(const Request& request, std::string_view id);
  Response analysis(const Request& request, std::string_view id);
  Response remove(const Request& request, std::string_view id);

 private:
  UploadsApiSettings settings_;
  datasets::UploadService& uploads_;
  security::RateLimiter& limiter_;
  observe::Logger& logger_;
};

}  // namespace iv::web
