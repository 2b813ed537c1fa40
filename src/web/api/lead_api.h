// The lead API: the same submissions as the HTML forms, as JSON.
//
//   POST /api/v1/contact | /api/v1/demo-request | /api/v1/quote-request
//     Content-Type: application/json (else 415), body ≤ 64 KB (else 413), an
//     object with the DESIGN.md lead fields (`services` an array of slugs,
//     `consent` true) and `altcha`, a solved challenge from GET
//     /api/v1/challenge (base64 JSON, as the ALTCHA widget sends it).
//     Optional header Idempotency-Key (1–255 visible ASCII characters): the
//     same key with the same request answers the same id and stores nothing
//     twice (even without a new challenge); the same key with a different
//     request is refused (422 idempotency-key-reused).
//     201 {"id"} with Location /api/v1/leads/{id}, sent after the commit;
//     400 malformed JSON; 422 problem with errors [{field, message}]; 429 with
//     Retry-After; 503 when the lead could not be stored.
//   GET /api/v1/challenge: a fresh ALTCHA challenge, Cache-Control: no-store.
//   GET /api/v1/leads/{id}: {"id", "kind", "status": "received", "received_at"}
//     (no personal data; the id is the unguessable secret).
#pragma once

#include <string>
#include <string_view>

#include "leads/lead.h"
#include "web/http.h"
#include "web/router.h"

namespace iv::security {
class Altcha;
}

namespace iv::web {

class LeadIntake;
struct ChallengeResult;

class LeadApi {
 public:
  // References must outlive this object.
  LeadApi(LeadIntake& intake, const security::Altcha& altcha);

  void register_routes(Router& router);

 private:
  Response submit(leads::LeadKind kind, const Request& request);
  Response challenge();
  Response receipt(const Request& request, std::string_view id);

  LeadIntake& intake_;
  const security::Altcha& altcha_;
};

// API path of each kind: "/api/v1/contact", "/api/v1/demo-request", "/api/v1/quote-request".
std::string_view lead_api_path(leads::LeadKind kind);

}  // namespace iv::web
