// Port to where leads are stored (store/sql_lead_repository.h). The domain
// hands it LeadRecords whose personal fields are already sealed, so no engine
// ever sees them in clear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leads/lead.h"

namespace iv::store {
class SqlConnection;
}

namespace iv::leads {

// A lead as stored. Only `sealed_fields` holds personal data, and only sealed.
struct LeadRecord {
  std::string id;
  LeadKind kind = LeadKind::contact;
  std::string sealed_fields;    // FieldCipher("leads").seal() of the fields as JSON (lead_codec.h)
  std::string email_index;      // FieldCipher blind index of the lower-cased e-mail address
  std::string details_json;     // the non-personal choices (services, sizes, ranges) in clear, for reports
  std::string challenge;        // challenge_name()
  std::string source;           // "form" | "api"
  std::string idempotency_key;  // empty: none; unique per (kind, key)
  std::string request_fingerprint;  // blind index of the request, to tell a retry from a reused key
  std::int64_t created_at_ms = 0;   // epoch milliseconds

  bool operator==(const LeadRecord&) const = default;
};

struct InsertOutcome {
  enum class Status {
    inserted,    // a new lead
    duplicate,   // same kind and idempotency key, same request: `id` is the first lead's
    key_reused,  // same kind and idempotency key but a different request: nothing stored
  } status = Status::inserted;
  std::string id;
};

class LeadRepository {
 public:
  virtual ~LeadRepository() = default;

  // Inserts inside the caller's open transaction on `conn` (the group commit
  // writes many leads and their jobs in one). A record with an idempotency key
  // that a lead of the same kind already has, including one inserted earlier
  // in the same transaction, is not inserted again.
  virtual InsertOutcome insert(store::SqlConnection& conn, const LeadRecord& record) = 0;

  virtual std::optional<LeadRecord> find(std::string_view id) = 0;
  virtual std::optional<LeadRecord> find_by_idempotency_key(LeadKind kind, std::string_view key) = 0;

  // Deletes leads created before `cutoff_ms` together with their finished
  // (done or dead) delivery jobs, i.e. jobs whose dedupe key starts with
  // "lead:<id>:". Returns the number of leads deleted.
  virtual std::int64_t purge_created_before(std::int64_t cutoff_ms) = 0;

  virtual std::int64_t count() = 0;
};

// Dedupe key of a lead's delivery job, "lead:<id>:<job kind>", so a lead never
// gets the same job twice and retention can find its jobs.
std::string delivery_dedupe_key(std::string_view lead_id, std::string_view job_kind);

}  // namespace iv::leads
