#include "leads/lead_codec.h"

#include <boost/json.hpp>

#include "security/field_cipher.h"

namespace iv::leads {
namespace {

namespace json = boost::json;

std::int64_t to_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string string_member(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

std::string details_json(const LeadFields& fields) {
  json::object details;
  if (!fields.services.empty()) details["services"] = string_array(fields.services);
  const std::pair<std::string_view, const std::string*> choices[] = {{"company_size", &fields.company_size},
                                                                     {"data_type", &fields.data_type},
                                                                     {"timeline", &fields.timeline},
                                                                     {"budget_range", &fields.budget_range}};
  for (const auto& [key, value] : choices) {
    if (!value->empty()) details[key] = *value;
  }
  return json::serialize(details);
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string delivery_dedupe_key(std::string_view lead_id, std::string_view job_kind) {
  return "lead:" + std::string(lead_id) + ":" + std::string(job_kind);
}

std::string fields_json(const LeadFields& f) {
  // A fixed member order: the text is also hashed for request fingerprints.
  json::object out{{"name", f.name},
                   {"email", f.email},
                   {"company", f.company},
                   {"phone", f.phone},
                   {"message", f.message},
                   {"consent", f.consent},
                   {"services", string_array(f.services)},
                   {"preferred_dates", f.preferred_dates},
                   {"company_size", f.company_size},
                   {"data_type", f.data_type},
                   {"data_volume", f.data_volume},
                   {"timeline", f.timeline},
                   {"budget_range", f.budget_range},
                   {"upload_id", f.upload_id}};
  return json::serialize(out);
}

std::optional<LeadFields> parse_fields_json(std::string_view text) {
  boost::system::error_code error;
  const json::value parsed = json::parse(text, error);
  if (error || !parsed.is_object()) return std::nullopt;
  const json::object& o = parsed.get_object();
  LeadFields f;
  f.name = string_member(o, "name");
  f.email = string_member(o, "email");
  f.company = string_member(o, "company");
  f.phone = string_member(o, "phone");
  f.message = string_member(o, "message");
  const auto* consent = o.if_contains("consent");
  f.consent = consent != nullptr && consent->is_bool() && consent->get_bool();
  if (const auto* services = o.if_contains("services"); services != nullptr && services->is_array()) {
    for (const auto& item : services->get_array()) {
      if (item.is_string()) f.services.emplace_back(item.get_string());
    }
  }
  f.preferred_dates = string_member(o, "preferred_dates");
  f.company_size = string_member(o, "company_size");
  f.data_type = string_member(o, "data_type");
  f.data_volume = string_member(o, "data_volume");
  f.timeline = string_member(o, "timeline");
  f.budget_range = string_member(o, "budget_range");
  f.upload_id = string_member(o, "upload_id");
  return f;
}

std::string email_index(const security::FieldCipher& cipher, std::string_view email) {
  return cipher.blind_index(lower_ascii(email));
}

std::string request_fingerprint(const security::FieldCipher& cipher, LeadKind kind,
                                const LeadFields& fields) {
  return cipher.blind_index("request:" + std::string(kind_name(kind)) + ":" + fields_json(fields));
}

LeadRecord seal_lead(const Lead& lead, const security::FieldCipher& cipher, const RecordExtras& extras) {
  return LeadRecord{.id = lead.id,
                    .kind = lead.kind,
                    .sealed_fields = cipher.seal(fields_json(lead.fields)),
                    .email_index = email_index(cipher, lead.fields.email),
                    .details_json = details_json(lead.fields),
                    .challenge = std::string(challenge_name(lead.challenge)),
                    .source = lead.source,
                    .idempotency_key = extras.idempotency_key,
                    .request_fingerprint = request_fingerprint(cipher, lead.kind, lead.fields),
                    .created_at_ms = to_ms(lead.created_at)};
}

std::optional<Lead> open_lead(const LeadRecord& record, const security::FieldCipher& cipher) {
  const auto plaintext = cipher.open(record.sealed_fields);
  if (!plaintext) return std::nullopt;
  auto fields = parse_fields_json(*plaintext);
  if (!fields) return std::nullopt;
  return Lead{
      .id = record.id,
      .kind = record.kind,
      .fields = std::move(*fields),
      .challenge = parse_challenge(record.challenge).value_or(Challenge::none),
      .source = record.source,
      .created_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(record.created_at_ms))};
}

}  // namespace iv::leads
