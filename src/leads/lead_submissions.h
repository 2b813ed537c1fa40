// The way in for a lead, after the web layer's abuse checks: validate, seal,
// hand to the group committer with the lead's delivery jobs, and report the
// outcome once the lead is durable (or certainly not stored).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leads/group_committer.h"
#include "leads/lead.h"
#include "leads/lead_validation.h"

namespace iv::security {
class FieldCipher;
}

namespace iv::leads {

// Delivery job kinds (their handlers: crm_delivery.h, email_delivery.h) and
// the retention task (lead_retention.h).
inline constexpr std::string_view kCrmJob = "lead.crm";
inline constexpr std::string_view kSalesEmailJob = "lead.email.sales";
inline constexpr std::string_view kVisitorEmailJob = "lead.email.visitor";
inline constexpr std::string_view kRetentionJob = "leads.retention";

struct SubmissionSettings {
  int max_attempts = 12;                                       // per delivery job, then a dead letter
  std::function<std::chrono::system_clock::time_point()> now;  // default: system clock
};

struct Submission {
  LeadKind kind = LeadKind::contact;
  LeadFields fields;  // already through validate()
  Challenge challenge = Challenge::none;
  std::string source = "form";  // "form" | "api"
  std::string idempotency_key;  // API only; empty: none
};

struct SubmitOutcome {
  enum class Status {
    accepted,     // durable; `id` names it
    key_reused,   // the idempotency key belongs to a different request: nothing stored
    unavailable,  // not stored (database failing or overloaded): ask to try again
  } status = Status::unavailable;
  std::string id;
  bool repeated = false;  // an earlier request with the same idempotency key stored it
};

// What may be told about a stored lead to anyone holding its id: no personal data.
struct LeadReceipt {
  std::string id;
  LeadKind kind = LeadKind::contact;
  std::chrono::system_clock::time_point created_at;
};

class LeadSubmissions {
 public:
  // All references must outlive this object.
  LeadSubmissions(SubmissionSettings settings, const security::FieldCipher& cipher,
                  LeadRepository& repository, GroupCommitter& committer);

  // normalise_and_validate(); empty when the fields may be submitted.
  std::vector<FieldError> validate(LeadKind kind, LeadFields& fields,
                                   const std::vector<std::string>& known_services) const;

  // Stores the lead and its delivery jobs. `done` runs once, on the
  // committer's thread, after the commit.
  void submit(Submission submission, std::function<void(SubmitOutcome)> done);

  // What an earlier request with this idempotency key got: `accepted` with
  // its id when the request was the same, `key_reused` otherwise; nullopt
  // when no lead has the key. Lets a client's retry be answered without
  // solving a new challenge.
  std::optional<SubmitOutcome> earlier_outcome(LeadKind kind, std::string_view idempotency_key,
                                               const LeadFields& fields);

  // The receipt of a stored lead; nullopt when no lead has this id.
  std::optional<LeadReceipt> receipt(std::string_view id);

  // Blind index of an e-mail address (for per-address rate limits).
  std::string email_index(std::string_view email) const;

 private:
  SubmissionSettings settings_;
  const security::FieldCipher& cipher_;
  LeadRepository& repository_;
  GroupCommitter& committer_;
};

}  // namespace iv::leads
