// Conversion between a Lead and its stored LeadRecord: personal fields are
// sealed with the "leads" FieldCipher, the e-mail gets a blind index, and the
// non-personal choices stay readable for reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "leads/lead.h"
#include "leads/lead_repository.h"

namespace iv::security {
class FieldCipher;
}

namespace iv::leads {

// What else a record carries besides the lead.
struct RecordExtras {
  std::string idempotency_key;
};

LeadRecord seal_lead(const Lead& lead, const security::FieldCipher& cipher, const RecordExtras& extras = {});

// nullopt when the record was sealed with another key or altered.
std::optional<Lead> open_lead(const LeadRecord& record, const security::FieldCipher& cipher);

// The fields as a JSON object (also the sealed plaintext).
std::string fields_json(const LeadFields& fields);
std::optional<LeadFields> parse_fields_json(std::string_view json);

// Blind index of an e-mail address, case-insensitive (rate limits, look-ups).
std::string email_index(const security::FieldCipher& cipher, std::string_view email);

// Blind index of what was asked (kind and fields, not the proof of work), so
// that a retried request can be told apart from a reused idempotency key.
std::string request_fingerprint(const security::FieldCipher& cipher, LeadKind kind, const LeadFields& fields);

}  // namespace iv::leads
