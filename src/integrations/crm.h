// Port to the CRM (HubSpot CRM v3 in production; hubspot_client.h). Every
// write is idempotent for the same `reference` (our submission id), so a job
// retried after a timeout never creates a second note or deal.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace iv::integrations {

struct CrmError {
  enum class Kind {
    transient,     // 5xx, timeout, connection: retry with backoff
    rate_limited,  // 429: retry after `retry_after`
    unauthorized,  // 401/403: wait for configuration to be fixed
    permanent,     // 4xx on our data: dead letter
  } kind = Kind::transient;
  std::string message;  // no personal data
  std::optional<std::chrono::seconds> retry_after;
};

struct CrmContact {
  std::string email;  // the identity: create-or-update by e-mail
  std::string first_name;
  std::string last_name;
  std::string company;
  std::string phone;
  std::string lifecycle_stage = "lead";
  std::string lead_source;  // "Website contact form", ...
};

struct CrmDeal {
  std::string name;  // "Quote request — ACME Corp"
  std::string pipeline = "default";
  std::string stage = "appointmentscheduled";
  std::string amount;  // optional, from the budget range
  std::string description;
};

class CrmClient {
 public:
  virtual ~CrmClient() = default;
  virtual bool configured() const = 0;
  // Creates or updates the contact with this e-mail; returns the CRM contact id.
  virtual std::expected<std::string, CrmError> upsert_contact(const CrmContact& contact) = 0;
  // Creates a note on the contact unless one for `reference` exists; returns the note id.
  virtual std::expected<std::string, CrmError> add_note(const std::string& contact_id,
                                                        const std::string& reference,
                                                        const std::string& body_html) = 0;
  // Creates a deal associated with the contact unless one for `reference` exists; returns the deal id.
  virtual std::expected<std::string, CrmError> create_deal(const std::string& contact_id,
                                                           const std::string& reference,
                                                           const CrmDeal& deal) = 0;
};

}  // namespace iv::integrations
