// Delivery job handlers against fake CRM and mailer: configuration waits,
// progress kept across retries, every CrmError kind, mail errors, escaping in
// the e-mails, header injection, and retention.
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "integrations/crm.h"
#include "integrations/mailer.h"
#include "leads/delivery_jobs.h"
#include "leads/lead_codec.h"
#include "leads/lead_emails.h"
#include "leads/lead_id.h"
#include "security/field_cipher.h"

namespace iv::leads {
namespace {

using integrations::CrmError;
using namespace std::chrono_literals;

constexpr std::string_view kSecret = "test-secret-key-0123456789abcdef-0123456789";

class MemoryLeadRepository : public LeadRepository {
 public:
  std::map<std::string, LeadRecord, std::less<>> records;
  std::int64_t purged_before = -1;

  InsertOutcome insert(store::SqlConnection&, const LeadRecord& record) override {
    records[record.id] = record;
    return {InsertOutcome::Status::inserted, record.id};
  }
  std::optional<LeadRecord> find(std::string_view id) override {
    const auto found = records.find(id);
    if (found == records.end()) return std::nullopt;
    return found->second;
  }
  std::optional<LeadRecord> find_by_idempotency_key(LeadKind, std::string_view) override {
    return std::nullopt;
  }
  std::int64_t purge_created_before(std::int64_t cutoff_ms) override {
    purged_before = cutoff_ms;
    return 3;
  }
  std::int64_t count() override { return static_cast<std::int64_t>(records.size()); }
};

// Answers from a script: each call takes the next scripted error for its
// operation, or succeeds.
class FakeCrm : public integrations::CrmClient {
 public:
  bool is_configured = true;
  std::map<std::string, std::deque<CrmError>> failures;  // by operation: "contact", "note", "deal"
  std::vector<std::string> calls;
  integrations::CrmContact last_contact;
  integrations::CrmDeal last_deal;
  std::string last_note;
  std::string last_reference;

  bool configured() const override { return is_configured; }
  std::expected<std::string, CrmError> upsert_contact(const integrations::CrmContact& contact) override {
    last_contact = contact;
    return answer("contact", "c-1");
  }
  std::expected<std::string, CrmError> add_note(const std::string& contact_id, const std::string& reference,
                                                const std::string& body_html) override {
    last_note = body_html;
    last_reference = reference;
    return answer("note:" + contact_id, "n-1", "note");
  }
  std::expected<std::string, CrmError> create_deal(const std::string& contact_id,
                                                   const std::string& reference,
                                                   const integrations::CrmDeal& deal) override {
    last_deal = deal;
    last_reference = reference;
    return answer("deal:" + contact_id, "d-1", "deal");
  }

 private:
  std::expected<std::string, CrmError> answer(std::string call, std::string id,
                                              std::string operation = "contact") {
    calls.push_back(std::move(call));
    auto& queue = failures[operation];
    if (!queue.empty()) {
      auto error = queue.front();
      queue.pop_front();
      return std::unexpected(error);
    }
    return id;
  }
};

class FakeMailer : public integrations::Mailer {
 public:
  bool is_configured = true;
  std::deque<integrations::MailError> failures;
  std::vector<integrations::EmailMessage> sent;

  bool configured() const override { return is_configured; }
  std::expected<void, integrations::MailError> send(const integrations::EmailMessage& message) override {
    if (!failures.empty()) {
      auto error = failures.front();
      failures.pop_front();
      return std::unexpected(error);
    }
    sent.push_back(message);
    return {};
  }
};

class DeliveryTest : public ::testing::Test {
 protected:
  DeliveryTest() : cipher_(kSecret, "leads"), loader_(repository_, cipher_) {}

  Lead store(LeadKind kind, LeadFields fields) {
    Lead lead{.id = new_lead_id(),
              .kind = kind,
              .fields = std::move(fields),
              .challenge = Challenge::altcha,
              .source = "form",
              .created_at = std::chrono::system_clock::time_point(1'800'000'000'000ms)};
    repository_.records[lead.id] = seal_lead(lead, cipher_);
    return lead;
  }

  static LeadFields quote_fields() {
    LeadFields f;
    f.name = "Grace Brewster Hopper";
    f.email = "grace@example.com";
    f.company = "Navy <Labs> & Co";
    f.phone = "+1 555 010 9999";
    f.message = "Label <b>bold</b> images.\nSecond line.";
    f.consent = true;
    f.services = {"data-annotation"};
    f.data_type = "images";
    f.budget_range = "50k-200k";
    return f;
  }

  static jobs::Job job_for(const Lead& lead, std::string state = "") {
    jobs::Job job;
    job.id = 1;
    job.payload_json = R"({"lead_id":")" + lead.id + "\"}";
    job.state_json = std::move(state);
    return job;
  }

  static boost::json::object state_of(const jobs::JobResult& result) {
    std::string text;
    if (const auto* done = std::get_if<jobs::Done>(&result)) text = done->state_json;
    if (const auto* retry = std::get_if<jobs::Retry>(&result)) text = retry->state_json;
    return boost::json::parse(text).as_object();
  }

  MemoryLeadRepository repository_;
  security::FieldCipher cipher_;
  LeadLoader loader_;
  FakeCrm crm_;
  FakeMailer mailer_;
  LeadMailSettings mail_{.from = {"IndiVillage", "no-reply@indivillage.com"},
                         .sales = {"", "sales@indivillage.com"},
                         .site_url = "https://indivillage.com"};
};

TEST_F(DeliveryTest, UnconfiguredIntegrationsWaitWithoutSpendingAttempts) {
  const Lead lead = store(LeadKind::contact, quote_fields());
  crm_.is_configured = false;
  mailer_.is_configured = false;
  CrmDeliveryJob crm_job(loader_, crm_, {.not_configured_wait = 45s});
  EmailDeliveryJob email_job(EmailDeliveryJob::Recipient::sales, loader_, mailer_, mail_);
  const auto crm_result = crm_job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Wait>(crm_result));
  EXPECT_EQ(std::get<jobs::Wait>(crm_result).after, 45s);
  EXPECT_NE(std::get<jobs::Wait>(crm_result).reason.find("HUBSPOT_TOKEN"), std::string::npos);
  const auto mail_result = email_job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Wait>(mail_result));
  EXPECT_NE(std::get<jobs::Wait>(mail_result).reason.find("SMTP_URL"), std::string::npos);
  EXPECT_TRUE(crm_.calls.empty());
  EXPECT_TRUE(mailer_.sent.empty());
}

TEST_F(DeliveryTest, ContactLeadBecomesContactAndNoteButNoDeal) {
  const Lead lead = store(LeadKind::contact, quote_fields());
  CrmDeliveryJob job(loader_, crm_);
  const auto result = job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(result));
  EXPECT_EQ(state_of(result), (boost::json::object{{"contact_id", "c-1"}, {"note_id", "n-1"}}));
  EXPECT_EQ(crm_.calls, (std::vector<std::string>{"contact", "note:c-1"}));
  EXPECT_EQ(crm_.last_contact.email, "grace@example.com");
  EXPECT_EQ(crm_.last_contact.first_name, "Grace");
  EXPECT_EQ(crm_.last_contact.last_name, "Brewster Hopper");
  EXPECT_EQ(crm_.last_contact.company, "Navy <Labs> & Co");
  EXPECT_EQ(crm_.last_reference, lead.id);
  // The note carries every field, escaped.
  EXPECT_NE(crm_.last_note.find("Navy &lt;Labs&gt; &amp; Co"), std::string::npos);
  EXPECT_NE(crm_.last_note.find("Label &lt;b&gt;bold&lt;/b&gt; images.<br>Second line."), std::string::npos);
  EXPECT_EQ(crm_.last_note.find("<b>bold"), std::string::npos);
  EXPECT_NE(crm_.last_note.find("US$50,000–200,000"), std::string::npos);
}

TEST_F(DeliveryTest, QuoteLeadAlsoGetsADeal) {
  const Lead lead = store(LeadKind::quote, quote_fields());
  CrmDeliveryJob job(loader_, crm_);
  const auto result = job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(result));
  EXPECT_EQ(state_of(result),
            (boost::json::object{{"contact_id", "c-1"}, {"note_id", "n-1"}, {"deal_id", "d-1"}}));
  EXPECT_EQ(crm_.last_deal.name, "Quote request — Navy <Labs> & Co");
  EXPECT_EQ(crm_.last_deal.amount, "50000");
  EXPECT_EQ(crm_.last_reference, lead.id);
}

TEST_F(DeliveryTest, RetryContinuesFromSavedProgress) {
  const Lead lead = store(LeadKind::quote, quote_fields());
  CrmDeliveryJob job(loader_, crm_);
  const auto result = job.run(job_for(lead, R"({"contact_id":"c-9","note_id":"n-9"})"));
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(result));
  EXPECT_EQ(crm_.calls, (std::vector<std::string>{"deal:c-9"})) << "contact and note are not repeated";
  EXPECT_EQ(state_of(result),
            (boost::json::object{{"contact_id", "c-9"}, {"note_id", "n-9"}, {"deal_id", "d-1"}}));
}

TEST_F(DeliveryTest, EveryCrmErrorKindMapsToItsOutcome) {
  const Lead lead = store(LeadKind::quote, quote_fields());
  CrmDeliveryJob job(loader_, crm_, {.unauthorized_wait = 600s});

  crm_.failures["note"].push_back({CrmError::Kind::transient, "HTTP 502", std::nullopt});
  auto result = job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Retry>(result));
  EXPECT_FALSE(std::get<jobs::Retry>(result).after) << "backoff policy decides";
  EXPECT_EQ(state_of(result), (boost::json::object{{"contact_id", "c-1"}})) << "progress is kept";

  crm_.failures["deal"].push_back({CrmError::Kind::rate_limited, "HTTP 429", 7s});
  result = job.run(job_for(lead, std::get<jobs::Retry>(result).state_json));
  ASSERT_TRUE(std::holds_alternative<jobs::Retry>(result));
  EXPECT_EQ(std::get<jobs::Retry>(result).after, 7s);
  EXPECT_EQ(state_of(result), (boost::json::object{{"contact_id", "c-1"}, {"note_id", "n-1"}}));

  crm_.failures["contact"].push_back({CrmError::Kind::unauthorized, "HTTP 401", std::nullopt});
  result = job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Wait>(result));
  EXPECT_EQ(std::get<jobs::Wait>(result).after, 600s);

  crm_.failures["contact"].push_back({CrmError::Kind::permanent, "HTTP 400 INVALID_EMAIL", std::nullopt});
  result = job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Fail>(result));
  EXPECT_NE(std::get<jobs::Fail>(result).error.find("INVALID_EMAIL"), std::string::npos);
}

TEST_F(DeliveryTest, MissingOrUnreadableLeads) {
  const Lead lead = store(LeadKind::contact, quote_fields());
  CrmDeliveryJob job(loader_, crm_);
  jobs::Job gone = job_for(lead);
  gone.payload_json = R"({"lead_id":"aaaaaaaaaaaaaaaaaaaaaaaaaa"})";
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(job.run(gone))) << "purged by retention: nothing to deliver";
  jobs::Job broken = job_for(lead);
  broken.payload_json = "{}";
  EXPECT_TRUE(std::holds_alternative<jobs::Fail>(job.run(broken)));
  // Sealed with another key (SECRET_KEY changed): a dead letter, not a retry loop.
  security::FieldCipher other("another-secret-key-0123456789abcdef-0123", "leads");
  repository_.records[lead.id] = seal_lead(lead, other);
  EXPECT_TRUE(std::holds_alternative<jobs::Fail>(job.run(job_for(lead))));
  EXPECT_TRUE(crm_.calls.empty());
}

TEST_F(DeliveryTest, SalesNotificationHasEveryFieldAndRepliesToTheVisitor) {
  LeadFields fields = quote_fields();
  fields.name = "Eve <script>alert(1)</script>";
  const Lead lead = store(LeadKind::quote, fields);
  EmailDeliveryJob job(EmailDeliveryJob::Recipient::sales, loader_, mailer_, mail_);
  const auto result = job.run(job_for(lead));
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(result));
  ASSERT_EQ(mailer_.sent.size(), 1u);
  const auto& mail = mailer_.sent[0];
  EXPECT_EQ(mail.to.at(0).address, "sales@indivillage.com");
  EXPECT_EQ(mail.reply_to.at(0).address, "grace@example.com");
  EXPECT_EQ(mail.reply_to.at(0).name, "Eve <script>alert(1)</script>");
  EXPECT_EQ(mail.from.address, "no-reply@indivillage.com");
  EXPECT_EQ(mail.message_id, "<lead-" + lead.id + "-sales@indivillage.com>");
  EXPECT_EQ(mail.subject, "Quote request: Eve <script>alert(1)</script> (Navy <Labs> & Co)");
  EXPECT_NE(mail.text_body.find("Label <b>bold</b> images."), std::string::npos);
  EXPECT_NE(mail.text_body.find("Budget range: US$50,000–200,000"), std::string::npos);
  EXPECT_NE(mail.html_body.find("Eve &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(mail.html_body.find("<script>"), std::string::npos);
  EXPECT_EQ(state_of(result), (boost::json::object{{"message_id", mail.message_id}}));
}

TEST_F(DeliveryTest, VisitorConfirmationRepeatsNothingFreeForm) {
  LeadFields fields = quote_fields();
  fields.message = "Visit http://spam.example and buy now";
  fields.company = "SpamCo http://spam.example";
  const Lead lead = store(LeadKind::quote, fields);
  EmailDeliveryJob job(EmailDeliveryJob::Recipient::visitor, loader_, mailer_, mail_);
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(job.run(job_for(lead))));
  const auto& mail = mailer_.sent.at(0);
  EXPECT_EQ(mail.to.at(0).address, "grace@example.com");
  EXPECT_EQ(mail.message_id, "<lead-" + lead.id + "-visitor@indivillage.com>");
  for (const auto* body : {&mail.text_body, &mail.html_body}) {
    EXPECT_EQ(body->find("spam.example"), std::string::npos);
    EXPECT_NE(body->find("Hello Grace,"), std::string::npos);
    EXPECT_NE(body->find(lead.id), std::string::npos);
    EXPECT_NE(body->find("Images"), std::string::npos) << "choices from our lists are repeated";
  }
}

TEST_F(DeliveryTest, MailErrorsRetryOrFail) {
  const Lead lead = store(LeadKind::contact, quote_fields());
  EmailDeliveryJob job(EmailDeliveryJob::Recipient::visitor, loader_, mailer_, mail_);
  mailer_.failures.push_back({true, "451 try later"});
  EXPECT_TRUE(std::holds_alternative<jobs::Retry>(job.run(job_for(lead))));
  mailer_.failures.push_back({false, "550 no such user"});
  EXPECT_TRUE(std::holds_alternative<jobs::Fail>(job.run(job_for(lead))));
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(job.run(job_for(lead))));
  EXPECT_EQ(mailer_.sent.size(), 1u);
}

TEST_F(DeliveryTest, CrlfInNameAndSubjectCannotAddHeaders) {
  // Validation refuses control characters; the mail rendering must hold even so.
  LeadFields fields = quote_fields();
  fields.name = "Eve\r\nBcc: victim@example.org\r\nX-Injected: yes";
  fields.company = "ACME\nSubject: spoofed";
  Lead lead{.id = new_lead_id(), .kind = LeadKind::quote, .fields = fields, .created_at = {}};
  for (const auto& message : {sales_notification(lead, mail_), visitor_confirmation(lead, mail_)}) {
    const std::string text = integrations::render_rfc5322(message, "Sun, 22 Nov 2026 03:40:00 +0000");
    const std::string head = text.substr(0, text.find("\r\n\r\n") + 2);
    for (const auto* injected : {"\r\nBcc:", "\r\nX-Injected:", "\r\nSubject: spoofed"}) {
      EXPECT_EQ(head.find(injected), std::string::npos) << injected << "\n" << head;
    }
    std::size_t subjects = 0;
    for (std::size_t at = head.find("\r\nSubject:"); at != std::string::npos;
         at = head.find("\r\nSubject:", at + 1)) {
      ++subjects;
    }
    EXPECT_EQ(subjects + (head.starts_with("Subject:") ? 1 : 0), 1u);
  }
}

TEST_F(DeliveryTest, RetentionPurgesByCreationTime) {
  const auto now = std::chrono::system_clock::time_point(1'800'000'000'000ms);
  LeadRetentionJob job(repository_, std::chrono::days(730), [now] { return now; });
  const auto result = job.run(jobs::Job{});
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(result));
  EXPECT_EQ(repository_.purged_before, 1'800'000'000'000 - 730LL * 86'400'000);
  EXPECT_EQ(std::get<jobs::Done>(result).state_json, R"({"deleted":3})");
}

TEST(LeadMailboxes, ParsesSettings) {
  const auto full = parse_mailbox("IndiVillage <no-reply@indivillage.com>");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->name, "IndiVillage");
  EXPECT_EQ(full->address, "no-reply@indivillage.com");
  const auto quoted = parse_mailbox("\"Sales, India\" <sales@indivillage.com>");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->name, "Sales, India");
  const auto bare = parse_mailbox(" sales@indivillage.com ");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->name, "");
  EXPECT_FALSE(parse_mailbox("not an address"));
  EXPECT_FALSE(parse_mailbox("Name <a@b.com"));
  EXPECT_FALSE(parse_mailbox("Evil\r\nBcc: x <a@b.com>"));
}

}  // namespace
}  // namespace iv::leads
