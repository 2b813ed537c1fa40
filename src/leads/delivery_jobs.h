// Job handlers that deliver a stored lead (the transactional outbox's
// consumers) and the retention task that deletes old leads.
//
// Each delivery handler loads the lead by the id in its payload
// ({"lead_id": "..."}) and decrypts it; a lead that is gone (retention) makes
// the job done without doing anything. A handler whose integration is not
// configured answers Wait, so the job stays visible as scheduled in /metrics
// and is delivered once the setting is there (after a restart).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "integrations/crm.h"
#include "jobs/worker_pool.h"
#include "leads/lead.h"
#include "leads/lead_emails.h"
#include "leads/lead_repository.h"

namespace iv::integrations {
class Mailer;
}
namespace iv::security {
class FieldCipher;
}

namespace iv::leads {

struct DeliverySettings {
  std::chrono::seconds not_configured_wait{60};  // re-check an unset integration this often
  std::chrono::seconds unauthorized_wait{300};   // a refused token needs a person to fix it
  // How long one attempt may run before another worker takes the job over
  // (after a crash). Longer than the slowest integration call.
  std::chrono::seconds lease{120};
};

// Reads a job's lead. Shared by the handlers.
class LeadLoader {
 public:
  LeadLoader(LeadRepository& repository, const security::FieldCipher& cipher)
      : repository_(repository), cipher_(cipher) {}

  struct Loaded {
    std::optional<Lead> lead;  // empty when the lead no longer exists
    std::string error;         // set when the job cannot be run at all (permanent)
  };
  Loaded load(const jobs::Job& job) const;

 private:
  LeadRepository& repository_;
  const security::FieldCipher& cipher_;
};

// "lead.crm": contact upserted by e-mail, a note with every field, a deal for
// quote requests. Progress is kept in the job's state as
// {"contact_id", "note_id", "deal_id"}, so a retry continues where the last
// attempt stopped; each CRM write is idempotent by the lead id as well.
// CrmError kinds: transient → Retry (backoff), rate_limited → Retry after
// Retry-After, unauthorized → Wait, permanent → Fail (dead letter).
class CrmDeliveryJob final : public jobs::JobHandler {
 public:
  CrmDeliveryJob(const LeadLoader& loader, integrations::CrmClient& crm, DeliverySettings settings = {});
  jobs::JobResult run(const jobs::Job& job) override;
  std::chrono::seconds lease_duration() const override { return settings_.lease; }

 private:
  const LeadLoader& loader_;
  integrations::CrmClient& crm_;
  DeliverySettings settings_;
};

// "lead.email.sales" and "lead.email.visitor": one e-mail each. SMTP 4xx and
// network errors → Retry; 5xx → Fail.
class EmailDeliveryJob final : public jobs::JobHandler {
 public:
  enum class Recipient { sales, visitor };
  EmailDeliveryJob(Recipient recipient, const LeadLoader& loader, integrations::Mailer& mailer,
                   LeadMailSettings mail, DeliverySettings settings = {});
  jobs::JobResult run(const jobs::Job& job) override;
  std::chrono::seconds lease_duration() const override { return settings_.lease; }

 private:
  Recipient recipient_;
  const LeadLoader& loader_;
  integrations::Mailer& mailer_;
  LeadMailSettings mail_;
  DeliverySettings settings_;
};

// "leads.retention" (scheduled daily): deletes leads older than
// `retention` and their finished jobs.
class LeadRetentionJob final : public jobs::JobHandler {
 public:
  LeadRetentionJob(LeadRepository& repository, std::chrono::days retention,
                   std::function<std::chrono::system_clock::time_point()> now = {});
  jobs::JobResult run(const jobs::Job& job) override;
  std::chrono::seconds lease_duration() const override { return lease_; }
  // The worker pool leases with the longest lease of its handlers: keep this
  // one as short as the others (JOB_LEASE_S) so a crashed worker's jobs come back soon.
  void set_lease(std::chrono::seconds lease) { lease_ = lease; }

 private:
  LeadRepository& repository_;
  std::chrono::days retention_;
  std::chrono::seconds lease_{120};
  std::function<std::chrono::system_clock::time_point()> now_;
};

// The CRM records made from a lead (exposed for tests).
integrations::CrmContact crm_contact(const Lead& lead);
integrations::CrmDeal crm_deal(const Lead& lead);
std::string crm_note_html(const Lead& lead);

}  // namespace iv::leads
