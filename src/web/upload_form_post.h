// POST /upload: the no-JavaScript upload form (multipart/form-data with
// csrf_token, email, consent and file). The file part streams into the blob
// store as it arrives (multipart_parser.h), so memory does not grow with the
// file; the small fields are kept in memory up to a few KB each.
//
// Once the body is complete: the CSRF token and origin are checked, then the
// consent, the file's name and size; the bytes are fsync'ed, the upload is
// created and finalized (its pipeline job enqueued) and the answer is 303 to
// /uploads/{id}. Any refusal re-renders the form (through `render_form`) with
// a sentence tied to the file field and deletes the bytes received.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "security/csrf.h"
#include "security/rate_limiter.h"
#include "web/http.h"
#include "web/router.h"

namespace iv::datasets {
class UploadService;
}
namespace iv::observe {
class Logger;
class MetricsRegistry;
class Counter;
}  // namespace iv::observe

namespace iv::web {

class BlockingWork;

// Re-renders the upload form: (request, status, email as typed, error sentence).
using UploadFormRenderer =
    std::function<Response(const Request&, int, const std::string&, const std::string&)>;

class UploadFormPost {
 public:
  // References must outlive this object and every consumer it made.
  // `per_address` limits form uploads per client address, like the API's creation.
  UploadFormPost(datasets::UploadService& uploads, const security::CsrfProtector& csrf, BlockingWork& work,
                 UploadFormRenderer render_form, security::RateLimiter& limiter,
                 security::RateRule per_address, observe::Logger& logger, observe::MetricsRegistry& metrics);

  void register_routes(Router& router);
  // The stream handler of POST /upload (public for unit tests).
  StreamResult open(const Request& request);

  struct Consumer;

 private:
  // The CSRF verdict for the form's token, cookie and origin.
  security::CsrfProtector::Verdict csrf_verdict(const Request& request, std::string_view token) const;

  datasets::UploadService& uploads_;
  const security::CsrfProtector& csrf_;
  BlockingWork& work_;
  UploadFormRenderer render_form_;
  security::RateLimiter& limiter_;
  security::RateRule per_address_;
  observe::Logger& logger_;
  observe::Counter& bytes_received_;
};

}  // namespace iv::web
