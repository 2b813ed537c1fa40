// The sample-dataset pages (issue 4): the upload form and the visitor's
// secret status / results page. Both work without JavaScript;
// static/js/upload.js enhances them (tus upload with a progress bar, status
// polling).
//
// GET /upload: explains what happens to the data, the accepted formats, the
// size limit and the retention; a multipart form that posts to /upload (the
// POST itself belongs to the uploads backend, which calls form_again() when it
// refuses the form). Like the lead forms, the page is rendered once with a
// placeholder where the CSRF token goes and each request splices in a fresh
// token, so it is `Cache-Control: no-store`. The form's fields, in this
// order: csrf_token, file, email (optional), consent ("yes").
//
// GET /uploads/{id}: while the upload is pending, receiving, scanning or
// processing, the steps with their state, a "Check again" link and, for
// browsers without JavaScript only, a 3-second refresh (a meta refresh inside
// <noscript>; ?refresh=off turns it off; why: upload_pages.cpp); when
// completed, the analysis report (web/site/analysis_report.h); when failed or
// rejected, the reason. An unknown id answers the 404 page. The URL is a
// secret, so every answer is noindex (meta and X-Robots-Tag),
// `Cache-Control: no-store` and carries <meta name="referrer"
// content="no-referrer"> (the server's own Referrer-Policy header wins over a
// handler's, see web/response_writer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "datasets/upload.h"
#include "web/http.h"
#include "web/router.h"

namespace iv::security {
class CsrfProtector;
}

namespace iv::web {

class SitePages;

struct UploadPagesSettings {
  std::uint64_t max_upload_bytes = 1ull << 30;  // shown on the page and given to upload.js
  std::string api_base = "/api/v1";             // upload.js creates uploads at api_base + "/uploads"
};

// What the visitor sent with a refused multipart form, to show it again.
struct UploadFormState {
  std::string email;  // as typed; dropped when it is not valid UTF-8
  std::string error;  // a sentence for the visitor; empty: no message
};

// Where the pages find uploads; implemented by the uploads backend.
class UploadLookup {
 public:
  virtual ~UploadLookup() = default;
  // The upload with this id, or nullopt when there is none (or it expired).
  virtual std::optional<datasets::Upload> find(std::string_view id) = 0;
  // The stored analysis document (analysis::to_json) of a completed upload.
  virtual std::optional<std::string> analysis_json(std::string_view id) = 0;
};

class UploadPages {
 public:
  // All references must outlive this object.
  UploadPages(UploadPagesSettings settings, SitePages& site, const security::CsrfProtector& csrf,
              UploadLookup& uploads);
  ~UploadPages();

  // GET /upload and GET /uploads/{id}.
  void register_routes(Router& router);
  // The upload page again with `status` (400, 403, 413, 415, 422, 503, ...),
  // the visitor's e-mail and an error message, and a fresh CSRF token.
  Response form_again(const Request& request, int status, const UploadFormState& state);

 private:
  struct CachedForm;

  Response show_form(const Request& request);
  Response show_upload(const Request& request, std::string_view id);
  std::shared_ptr<const CachedForm> cached_form();
  std::string render_form(const UploadFormState& state, std::string_view token);

  UploadPagesSettings settings_;
  SitePages& site_;
  const security::CsrfProtector& csrf_;
  UploadLookup& uploads_;
  std::mutex cache_mutex_;
  std::shared_ptr<const CachedForm> cache_;  // guarded by cache_mutex_
};

}  // namespace iv::web
