// CrmClient for HubSpot CRM v3 (private-app bearer token).
//
// Idempotency: a delivery job may be retried after a timeout whose request
// did reach HubSpot, so every write can be repeated without a duplicate:
//
// - Contacts are upserted by e-mail (POST /crm/v3/objects/contacts/batch/upsert
//   with idProperty "email"), which HubSpot itself makes idempotent. Only
//   non-empty fields are sent, so a retry or a later, sparser form never
//   blanks what the sales team already knows. The e-mail is lower-cased.
//   `lead_source` is not sent: HubSpot has no writable standard property for
//   it (its source properties are computed); the lead's note says where it came from.
//
// - Deals carry our reference (the submission id) in a custom deal property
//   (`reference_property`, created on first use with hasUniqueValue=true) and
//   are written with POST /crm/v3/objects/deals/batch/upsert using that
//   property as idProperty: HubSpot guarantees one deal per value. The
//   association to the contact is then PUT (v4 associations, type 3), which is
//   idempotent too. A retry rewrites the deal's fields with the same values
//   (so an edit made in HubSpot between two attempts would be undone; retries
//   come seconds to minutes apart, which makes that unlikely).
//
// - Notes cannot have a unique property of ours, so the reference goes into
//   the note body as a paragraph "<p>Reference: <id></p>" and an existing note is looked
//   up before creating one. The lookup does NOT use the CRM search endpoint
//   (hs_note_body CONTAINS_TOKEN): HubSpot's search index lags writes by
//   seconds, exactly the window in which a timed-out job is retried. Instead
//   it reads the contact's associated notes (GET /crm/v4/objects/contacts/{id}/
//   associations/notes) and their bodies (POST /crm/v3/objects/notes/batch/read),
//   which read the records themselves. This holds as long as one reference is
//   handled by one worker at a time, which the job queue's lease guarantees.
//
// Errors map to CrmError kinds: 429 → rate_limited (Retry-After, else the
// X-HubSpot-RateLimit-Interval-Milliseconds window, else 10 s); 401/403 →
// unauthorized (also when no token is set); 5xx, 408, transport failures and
// unreadable answers → transient; other 4xx → permanent, with HubSpot's
// category, message (e-mail addresses masked) and correlationId.
// Thread-safe if the HttpClient is.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "integrations/crm.h"
#include "integrations/http_client.h"

namespace iv::integrations {

struct HubSpotSettings {
  std::string token;  // private app access token; empty = not configured
  std::string base_url = "https://api.hubapi.com";
  std::chrono::milliseconds timeout{10000};
  // Internal name of the custom deal property that holds our reference.
  std::string reference_property = "indivillage_reference";
};

class HubSpotClient final : public CrmClient {
 public:
  // `http` must outlive the client. Throws std::invalid_argument when
  // `reference_property` is not a valid HubSpot property name ([a-z][a-z0-9_]*).
  HubSpotClient(HubSpotSettings settings, HttpClient& http);

  bool configured() const override { return !settings_.token.empty(); }
  std::expected<std::string, CrmError> upsert_contact(const CrmContact& contact) override;
  // `reference` must be 1..128 characters of [A-Za-z0-9._:-] (it is matched
  // inside the note body); anything else is a permanent error.
  std::expected<std::string, CrmError> add_note(const std::string& contact_id, const std::string& reference,
                                                const std::string& body_html) override;
  // Same rule for `reference`. `deal.amount` is sent only when it is a plain
  // number ("5000", "5000.50"); HubSpot rejects anything else for a number property.
  std::expected<std::string, CrmError> create_deal(const std::string& contact_id,
                                                   const std::string& reference,
                                                   const CrmDeal& deal) override;

 private:
  // One API call; any HTTP status is returned, transport failures are transient errors.
  std::expected<HttpResponse, CrmError> send(const std::string& method, const std::string& path,
                                             const std::string& json_body);
  std::expected<void, CrmError> ensure_reference_property();
  // The id of the contact's note that carries `reference`, nullopt when there is none.
  std::expected<std::optional<std::string>, CrmError> find_note(const std::string& contact_id,
                                                                const std::string& reference);

  HubSpotSettings settings_;
  HttpClient& http_;
  // Set once the reference property is known to exist; a race only costs a
  // second harmless check.
  std::atomic<bool> reference_property_ready_{false};
};

}  // namespace iv::integrations
