#include "leads/lead_submissions.h"

#include "leads/lead_codec.h"
#include "leads/lead_id.h"

namespace iv::leads {

LeadSubmissions::LeadSubmissions(SubmissionSettings settings, const security::FieldCipher& cipher,
                                 LeadRepository& repository, GroupCommitter& committer)
    : settings_(std::move(settings)), cipher_(cipher), repository_(repository), committer_(committer) {
  if (!settings_.now) settings_.now = [] { return std::chrono::system_clock::now(); };
}

std::vector<FieldError> LeadSubmissions::validate(LeadKind kind, LeadFields& fields,
                                                  const std::vector<std::string>& known_services) const {
  return normalise_and_validate(kind, fields, known_services);
}

void LeadSubmissions::submit(Submission submission, std::function<void(SubmitOutcome)> done) {
  Lead lead{.id = new_lead_id(),
            .kind = submission.kind,
            .fields = std::move(submission.fields),
            .challenge = submission.challenge,
            .source = std::move(submission.source),
            .created_at = settings_.now()};
  PendingLead pending{.record = seal_lead(lead, cipher_, {.idempotency_key = submission.idempotency_key})};
  // Payloads carry only the id: the handler reads (and decrypts) the lead itself.
  const std::string payload = R"({"lead_id":")" + lead.id + "\"}";
  for (const auto kind : {kCrmJob, kSalesEmailJob, kVisitorEmailJob}) {
    pending.jobs.push_back(jobs::JobSpec{.kind = std::string(kind),
                                         .payload_json = payload,
                                         .dedupe_key = delivery_dedupe_key(lead.id, kind),
                                         .max_attempts = settings_.max_attempts});
  }
  pending.done = [done = std::move(done)](CommitResult result) {
    switch (result.status) {
      case CommitResult::Status::committed:
        done({SubmitOutcome::Status::accepted, std::move(result.id), false});
        return;
      case CommitResult::Status::duplicate:
        done({SubmitOutcome::Status::accepted, std::move(result.id), true});
        return;
      case CommitResult::Status::key_reused:
        done({SubmitOutcome::Status::key_reused, {}, false});
        return;
      case CommitResult::Status::failed:
        done({SubmitOutcome::Status::unavailable, {}, false});
        return;
    }
  };
  committer_.submit(std::move(pending));
}

std::optional<SubmitOutcome> LeadSubmissions::earlier_outcome(LeadKind kind, std::string_view idempotency_key,
                                                              const LeadFields& fields) {
  if (idempotency_key.empty()) return std::nullopt;
  const auto record = repository_.find_by_idempotency_key(kind, idempotency_key);
  if (!record) return std::nullopt;
  if (record->request_fingerprint != request_fingerprint(cipher_, kind, fields)) {
    return SubmitOutcome{SubmitOutcome::Status::key_reused, {}, false};
  }
  return SubmitOutcome{SubmitOutcome::Status::accepted, record->id, true};
}

std::optional<LeadReceipt> LeadSubmissions::receipt(std::string_view id) {
  const auto record = repository_.find(id);
  if (!record) return std::nullopt;
  return LeadReceipt{
      .id = record->id,
      .kind = record->kind,
      .created_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(record->created_at_ms))};
}

std::string LeadSubmissions::email_index(std::string_view email) const {
  return leads::email_index(cipher_, email);
}

}  // namespace iv::leads
