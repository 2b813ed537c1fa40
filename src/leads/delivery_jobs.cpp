#include "leads/delivery_jobs.h"

#include <boost/json.hpp>

#include "integrations/mailer.h"
#include "leads/lead_codec.h"
#include "leads/lead_summary.h"

namespace iv::leads {
namespace {

namespace json = boost::json;

std::optional<std::string> payload_lead_id(const std::string& payload) {
  boost::system::error_code error;
  const json::value parsed = json::parse(payload, error);
  if (error || !parsed.is_object()) return std::nullopt;
  const auto* id = parsed.get_object().if_contains("lead_id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) return std::nullopt;
  return std::string(id->get_string());
}

// Progress of a CRM delivery across attempts.
struct CrmProgress {
  std::string contact_id;
  std::string note_id;
  std::string deal_id;

  static CrmProgress parse(const std::string& state) {
    CrmProgress progress;
    boost::system::error_code error;
    const json::value parsed = json::parse(state, error);
    if (error || !parsed.is_object()) return progress;
    const auto& o = parsed.get_object();
    const auto get = [&](std::string_view key) {
      const auto* value = o.if_contains(key);
      return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
    };
    progress.contact_id = get("contact_id");
    progress.note_id = get("note_id");
    progress.deal_id = get("deal_id");
    return progress;
  }

  std::string json_text() const {
    json::object o;
    if (!contact_id.empty()) o["contact_id"] = contact_id;
    if (!note_id.empty()) o["note_id"] = note_id;
    if (!deal_id.empty()) o["deal_id"] = deal_id;
    return json::serialize(o);
  }
};

jobs::JobResult crm_failure(const integrations::CrmError& error, const CrmProgress& progress,
                            const DeliverySettings& settings, std::string_view step) {
  const std::string message = std::string(step) + ": " + error.message;
  using Kind = integrations::CrmError::Kind;
  switch (error.kind) {
    case Kind::transient:
      return jobs::Retry{message, progress.json_text(), std::nullopt};
    case Kind::rate_limited:
      return jobs::Retry{message, progress.json_text(), error.retry_after};
    case Kind::unauthorized:
      // Every CRM write is idempotent by e-mail or lead id, so losing the
      // progress here only repeats harmless calls later.
      return jobs::Wait{"HubSpot refused the token (" + message + ")", settings.unauthorized_wait};
    case Kind::permanent:
      return jobs::Fail{message};
  }
  return jobs::Retry{message, progress.json_text(), std::nullopt};
}

std::string lead_source(LeadKind kind) {
  switch (kind) {
    case LeadKind::contact:
      return "Website contact form";
    case LeadKind::demo:
      return "Website demo request";
    case LeadKind::quote:
      return "Website quote request";
  }
  return "Website";
}

// A conservative deal amount: the lower bound of the visitor's budget range.
std::string amount_for(std::string_view budget_range) {
  if (budget_range == "10k-50k") return "10000";
  if (budget_range == "50k-200k") return "50000";
  if (budget_range == "over-200k") return "200000";
  return {};
}

}  // namespace

LeadLoader::Loaded LeadLoader::load(const jobs::Job& job) const {
  const auto id = payload_lead_id(job.payload_json);
  if (!id) return {std::nullopt, "job payload has no lead_id"};
  const auto record = repository_.find(*id);
  if (!record) return {};
  auto lead = open_lead(*record, cipher_);
  if (!lead) return {std::nullopt, "lead " + *id + " cannot be decrypted (was SECRET_KEY changed?)"};
  return {std::move(lead), {}};
}

integrations::CrmContact crm_contact(const Lead& lead) {
  const LeadFields& f = lead.fields;
  integrations::CrmContact contact;
  contact.email = f.email;
  const std::size_t space = f.name.find(' ');
  contact.first_name = f.name.substr(0, space);
  if (space != std::string::npos) contact.last_name = f.name.substr(space + 1);
  contact.company = f.company;
  contact.phone = f.phone;
  contact.lead_source = lead_source(lead.kind);
  return contact;
}

integrations::CrmDeal crm_deal(const Lead& lead) {
  integrations::CrmDeal deal;
  deal.name = std::string(kind_title(lead.kind)) + " — " +
              (lead.fields.company.empty() ? lead.fields.name : lead.fields.company);
  deal.amount = amount_for(lead.fields.budget_range);
  deal.description = summary_text(lead);
  return deal;
}

std::string crm_note_html(const Lead& lead) {
  return "<p><strong>" + html_escape(std::string(kind_title(lead.kind))) + "</strong> from the website</p>" +
         summary_html(lead);
}

CrmDeliveryJob::CrmDeliveryJob(const LeadLoader& loader, integrations::CrmClient& crm,
                               DeliverySettings settings)
    : loader_(loader), crm_(crm), settings_(settings) {}

jobs::JobResult CrmDeliveryJob::run(const jobs::Job& job) {
  if (!crm_.configured())
    return jobs::Wait{"HubSpot is not configured (HUBSPOT_TOKEN)", settings_.not_configured_wait};
  auto loaded = loader_.load(job);
  if (!loaded.error.empty()) return jobs::Fail{loaded.error};
  if (!loaded.lead) return jobs::Done{R"({"skipped":"lead no longer stored"})"};
  const Lead& lead = *loaded.lead;

  CrmProgress progress = CrmProgress::parse(job.state_json);
  if (progress.contact_id.empty()) {
    auto contact = crm_.upsert_contact(crm_contact(lead));
    if (!contact) return crm_failure(contact.error(), progress, settings_, "contact");
    progress.contact_id = *contact;
  }
  if (progress.note_id.empty()) {
    auto note = crm_.add_note(progress.contact_id, lead.id, crm_note_html(lead));
    if (!note) return crm_failure(note.error(), progress, settings_, "note");
    progress.note_id = *note;
  }
  if (lead.kind == LeadKind::quote && progress.deal_id.empty()) {
    auto deal = crm_.create_deal(progress.contact_id, lead.id, crm_deal(lead));
    if (!deal) return crm_failure(deal.error(), progress, settings_, "deal");
    progress.deal_id = *deal;
  }
  return jobs::Done{progress.json_text()};
}

EmailDeliveryJob::EmailDeliveryJob(Recipient recipient, const LeadLoader& loader,
                                   integrations::Mailer& mailer, LeadMailSettings mail,
                                   DeliverySettings settings)
    : recipient_(recipient), loader_(loader), mailer_(mailer), mail_(std::move(mail)), settings_(settings) {}

jobs::JobResult EmailDeliveryJob::run(const jobs::Job& job) {
  if (!mailer_.configured())
    return jobs::Wait{"SMTP is not configured (SMTP_URL)", settings_.not_configured_wait};
  auto loaded = loader_.load(job);
  if (!loaded.error.empty()) return jobs::Fail{loaded.error};
  if (!loaded.lead) return jobs::Done{R"({"skipped":"lead no longer stored"})"};
  const auto message = recipient_ == Recipient::sales ? sales_notification(*loaded.lead, mail_)
                                                      : visitor_confirmation(*loaded.lead, mail_);
  const auto sent = mailer_.send(message);
  if (!sent) {
    if (sent.error().transient) return jobs::Retry{sent.error().message, job.state_json, std::nullopt};
    return jobs::Fail{sent.error().message};
  }
  return jobs::Done{json::serialize(json::object{{"message_id", message.message_id}})};
}

LeadRetentionJob::LeadRetentionJob(LeadRepository& repository, std::chrono::days retention,
                                   std::function<std::chrono::system_clock::time_point()> now)
    : repository_(repository), retention_(retention), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::system_clock::now(); };
}

jobs::JobResult LeadRetentionJob::run(const jobs::Job&) {
  const auto cutoff = now_() - retention_;
  const std::int64_t cutoff_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(cutoff.time_since_epoch()).count();
  const std::int64_t deleted = repository_.purge_created_before(cutoff_ms);
  return jobs::Done{json::serialize(json::object{{"deleted", deleted}})};
}

}  // namespace iv::leads
