#include "integrations/hubspot_client.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <boost/json.hpp>

namespace iv::integrations {
namespace {

namespace json = boost::json;

constexpr std::chrono::seconds kDefaultRateLimitWait{10};
constexpr std::size_t kMaxErrorMessage = 300;
constexpr std::size_t kMaxReference = 128;
// Association type ids HubSpot defines (HUBSPOT_DEFINED category).
constexpr int kNoteToContact = 202;
constexpr int kDealToContact = 3;
// HubSpot's limits: 500 associations per page, 100 inputs per batch read.
constexpr int kAssociationsPageSize = 500;
constexpr std::size_t kBatchReadSize = 100;

bool is_success(int status) {
  return status >= 200 && status < 300;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_reference_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

bool is_valid_reference(std::string_view reference) {
  return !reference.empty() && reference.size() <= kMaxReference &&
         std::ranges::all_of(reference, is_reference_char);
}

// HubSpot record ids are decimal numbers; anything else would also be unsafe in a URL path.
bool is_valid_record_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::ranges::all_of(id, is_digit);
}

bool is_valid_property_name(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  return std::ranges::all_of(name, [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; });
}

// "1234" or "1234.50": what HubSpot accepts for the number property `amount`.
bool is_plain_number(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || !std::ranges::all_of(whole, is_digit)) return false;
  return dot == std::string_view::npos || (!fraction.empty() && std::ranges::all_of(fraction, is_digit));
}

std::string ascii_lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    if (is_reference_char(c) && c != ':') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

// Error messages must not carry personal data, and HubSpot's validation
// messages quote the values they reject: e-mail addresses become "[email]".
std::string mask_emails(std::string_view text) {
  const auto is_address_char = [](char c) {
    return is_reference_char(c) || c == '+' || c == '%' || c == '@' || c == '\'';
  };
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_address_char(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_address_char(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    out += word.find('@') == std::string_view::npos ? std::string(word) : std::string("[email]");
    i = end;
  }
  return out;
}

std::string truncate_utf8(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

// HubSpot sends ids as strings in v3 and as numbers in v4 answers.
std::string id_text(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  return {};
}

CrmError transient(std::string message) {
  return {CrmError::Kind::transient, std::move(message), std::nullopt};
}

CrmError permanent(std::string message) {
  return {CrmError::Kind::permanent, std::move(message), std::nullopt};
}

// "HubSpot 400 VALIDATION_ERROR: Property values were not valid (correlationId 3f...)".
std::string describe(const HttpResponse& response) {
  std::string text = "HubSpot " + std::to_string(response.status);
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  if (ec || !body.is_object()) return text;
  const json::object& error = body.get_object();
  const std::string category = string_field(error, "category");
  const std::string message = string_field(error, "message");
  const std::string correlation_id = string_field(error, "correlationId");
  if (!category.empty()) text += " " + category;
  if (!message.empty()) text += ": " + truncate_utf8(mask_emails(message), kMaxErrorMessage);
  if (!correlation_id.empty()) text += " (correlationId " + correlation_id + ")";
  return text;
}

std::optional<long long> parse_whole_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Retry-After in seconds when given; otherwise the length of HubSpot's
// rate-limit window (X-HubSpot-RateLimit-Interval-Milliseconds), rounded up.
std::chrono::seconds rate_limit_wait(const HttpResponse& response) {
  if (const auto header = response.header("retry-after")) {
    if (const auto seconds = parse_whole_number(*header))
      return std::chrono::seconds(std::max(*seconds, 1LL));
  }
  if (const auto header = response.header("x-hubspot-ratelimit-interval-milliseconds")) {
    if (const auto millis = parse_whole_number(*header)) {
      return std::chrono::seconds(std::max((*millis + 999) / 1000, 1LL));
    }
  }
  return kDefaultRateLimitWait;
}

CrmError error_from(const HttpResponse& response) {
  const int status = response.status;
  if (status == 429) return {CrmError::Kind::rate_limited, describe(response), rate_limit_wait(response)};
  if (status == 401 || status == 403) return {CrmError::Kind::unauthorized, describe(response), std::nullopt};
  // 408: the request did not arrive in time, which says nothing about our data.
  if (status >= 400 && status < 500 && status != 408) return permanent(describe(response));
  // 5xx, and the 1xx/3xx a well-configured base URL never gives: try again later.
  return transient(describe(response));
}

// The JSON object of a 2xx answer, or the error the answer stands for.
std::expected<json::object, CrmError> object_of(const HttpResponse& response) {
  if (!is_success(response.status)) return std::unexpected(error_from(response));
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  if (ec || !body.is_object()) {
    return std::unexpected(
        transient("HubSpot " + std::to_string(response.status) + ": answer is not a JSON object"));
  }
  return std::move(body.get_object());
}

// The id of the first record of a batch answer ({"results": [{"id": ...}]});
// a batch that reports per-input errors instead is a permanent error.
std::expected<std::string, CrmError> first_result_id(const json::object& answer) {
  if (const json::value* results = answer.if_contains("results"); results != nullptr && results->is_array()) {
    for (const json::value& result : results->get_array()) {
      if (!result.is_object()) continue;
      if (const json::value* id = result.get_object().if_contains("id")) {
        if (std::string text = id_text(*id); !text.empty()) return text;
      }
    }
  }
  if (const json::value* errors = answer.if_contains("errors"); errors != nullptr && errors->is_array()) {
    for (const json::value& error : errors->get_array()) {
      if (error.is_object()) {
        return std::unexpected(permanent(
            "HubSpot batch error: " +
            truncate_utf8(mask_emails(string_field(error.get_object(), "message")), kMaxErrorMessage)));
      }
    }
  }
  return std::unexpected(transient("HubSpot answer has no record id"));
}

// True when `body` contains "Reference: <reference>" not followed by more
// reference characters (so "Reference: 12" does not match reference "1").
bool mentions_reference(std::string_view body, std::string_view reference) {
  const std::string marker = "Reference: " + std::string(reference);
  for (std::size_t at = body.find(marker); at != std::string_view::npos; at = body.find(marker, at + 1)) {
    const std::size_t after = at + marker.size();
    if (after == body.size() || !is_reference_char(body[after])) return true;
  }
  return false;
}

std::string now_millis() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

json::array hubspot_defined_association(int type_id) {
  return json::array{
      json::object{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", type_id}}};
}

}  // namespace

HubSpotClient::HubSpotClient(HubSpotSettings settings, HttpClient& http)
    : settings_(std::move(settings)), http_(http) {
  if (!is_valid_property_name(settings_.reference_property)) {
    throw std::invalid_argument("HubSpot reference property must match [a-z][a-z0-9_]*: " +
                                settings_.reference_property);
  }
  while (settings_.base_url.ends_with('/')) settings_.base_url.pop_back();
}

std::expected<HttpResponse, CrmError> HubSpotClient::send(const std::string& method, const std::string& path,
                                                          const std::string& json_body) {
  if (!configured())
    return std::unexpected(CrmError{CrmError::Kind::unauthorized, "HubSpot token not set", {}});
  HttpRequest request;
  request.method = method;
  request.url = settings_.base_url + path;
  request.headers = {{"Authorization", "Bearer " + settings_.token}, {"Accept", "application/json"}};
  if (!json_body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = json_body;
  request.timeout = settings_.timeout;
  auto response = http_.send(request);
  if (!response) {
    return std::unexpected(transient(std::string("HubSpot unreachable: ") +
                                     (response.error().timed_out ? "timed out: " : "") +
                                     response.error().message));
  }
  return std::move(*response);
}

std::expected<std::string, CrmError> HubSpotClient::upsert_contact(const CrmContact& contact) {
  if (contact.email.empty()) return std::unexpected(permanent("contact has no e-mail address"));
  const std::string email = ascii_lower(contact.email);
  json::object properties{{"email", email}};
  const auto put = [&properties](std::string_view name, const std::string& value) {
    if (!value.empty()) properties[name] = value;
  };
  put("firstname", contact.first_name);
  put("lastname", contact.last_name);
  put("company", contact.company);
  put("phone", contact.phone);
  put("lifecyclestage", contact.lifecycle_stage);
  const json::object input{{"idProperty", "email"}, {"id", email}, {"properties", std::move(properties)}};
  const json::object body{{"inputs", json::array{input}}};

  auto response = send("POST", "/crm/v3/objects/contacts/batch/upsert", json::serialize(body));
  if (!response) return std::unexpected(response.error());
  auto answer = object_of(*response);
  if (!answer) return std::unexpected(answer.error());
  return first_result_id(*answer);
}

std::expected<std::optional<std::string>, CrmError> HubSpotClient::find_note(const std::string& contact_id,
                                                                             const std::string& reference) {
  std::vector<std::string> note_ids;
  std::string after;
  do {
    std::string path = "/crm/v4/objects/contacts/" + contact_id +
                       "/associations/notes?limit=" + std::to_string(kAssociationsPageSize);
    if (!after.empty()) path += "&after=" + percent_encode(after);
    auto response = send("GET", path, "");
    if (!response) return std::unexpected(response.error());
    auto page = object_of(*response);
    if (!page) return std::unexpected(page.error());
    if (const json::value* results = page->if_contains("results");
        results != nullptr && results->is_array()) {
      for (const json::value& result : results->get_array()) {
        if (!result.is_object()) continue;
        if (const json::value* id = result.get_object().if_contains("toObjectId"))
          note_ids.push_back(id_text(*id));
      }
    }
    after.clear();
    if (const auto* paging = page->if_contains("paging"); paging != nullptr && paging->is_object()) {
      if (const auto* next = paging->get_object().if_contains("next"); next != nullptr && next->is_object()) {
        after = string_field(next->get_object(), "after");
      }
    }
  } while (!after.empty());

  for (std::size_t start = 0; start < note_ids.size(); start += kBatchReadSize) {
    json::array inputs;
    for (std::size_t i = start; i < std::min(note_ids.size(), start + kBatchReadSize); ++i) {
      inputs.push_back(json::object{{"id", note_ids[i]}});
    }
    const json::object body{{"properties", json::array{"hs_note_body"}}, {"inputs", std::move(inputs)}};
    auto response = send("POST", "/crm/v3/objects/notes/batch/read", json::serialize(body));
    if (!response) return std::unexpected(response.error());
    auto answer = object_of(*response);  // 207 (some ids gone since) is a success too
    if (!answer) return std::unexpected(answer.error());
    const json::value* results = answer->if_contains("results");
    if (results == nullptr || !results->is_array()) continue;
    for (const json::value& result : results->get_array()) {
      if (!result.is_object()) continue;
      const json::value* properties = result.get_object().if_contains("properties");
      if (properties == nullptr || !properties->is_object()) continue;
      if (mentions_reference(string_field(properties->get_object(), "hs_note_body"), reference)) {
        if (const json::value* id = result.get_object().if_contains("id")) return id_text(*id);
      }
    }
  }
  return std::nullopt;
}

std::expected<std::string, CrmError> HubSpotClient::add_note(const std::string& contact_id,
                                                             const std::string& reference,
                                                             const std::string& body_html) {
  if (!is_valid_record_id(contact_id)) return std::unexpected(permanent("invalid HubSpot contact id"));
  if (!is_valid_reference(reference)) return std::unexpected(permanent("invalid note reference"));
  auto existing = find_note(contact_id, reference);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return **existing;

  const json::object properties{{"hs_timestamp", now_millis()},
                                {"hs_note_body", body_html + "<p>Reference: " + reference + "</p>"}};
  const json::object association{{"to", json::object{{"id", contact_id}}},
                                 {"types", hubspot_defined_association(kNoteToContact)}};
  const json::object body{{"properties", properties}, {"associations", json::array{association}}};
  auto response = send("POST", "/crm/v3/objects/notes", json::serialize(body));
  if (!response) return std::unexpected(response.error());
  auto answer = object_of(*response);
  if (!answer) return std::unexpected(answer.error());
  const json::value* id = answer->if_contains("id");
  if (id == nullptr || id_text(*id).empty())
    return std::unexpected(transient("HubSpot answer has no note id"));
  return id_text(*id);
}

std::expected<void, CrmError> HubSpotClient::ensure_reference_property() {
  if (reference_property_ready_.load()) return {};
  const std::string path = "/crm/v3/properties/deals/" + settings_.reference_property;
  // Two rounds: a 409 on create means someone created it meanwhile; check it then.
  for (int round = 0; round < 2; ++round) {
    auto existing = send("GET", path, "");
    if (!existing) return std::unexpected(existing.error());
    if (existing->status != 404) {
      auto property = object_of(*existing);
      if (!property) return std::unexpected(property.error());
      const json::value* unique = property->if_contains("hasUniqueValue");
      if (unique == nullptr || !unique->is_bool() || !unique->get_bool()) {
        return std::unexpected(permanent("HubSpot deal property " + settings_.reference_property +
                                         " exists but does not require unique values"));
      }
      reference_property_ready_.store(true);
      return {};
    }
    const json::object definition{
        {"name", settings_.reference_property},
        {"label", "IndiVillage reference"},
        {"description", "Id of the website submission this deal came from (set by the website; unique)."},
        {"groupName", "dealinformation"},
        {"type", "string"},
        {"fieldType", "text"},
        {"hasUniqueValue", true},
        {"formField", false}};
    auto created = send("POST", "/crm/v3/properties/deals", json::serialize(definition));
    if (!created) return std::unexpected(created.error());
    if (is_success(created->status)) {
      reference_property_ready_.store(true);
      return {};
    }
    if (created->status != 409) return std::unexpected(error_from(*created));
  }
  return std::unexpected(
      transient("HubSpot deal property " + settings_.reference_property + " keeps conflicting"));
}

std::expected<std::string, CrmError> HubSpotClient::create_deal(const std::string& contact_id,
                                                                const std::string& reference,
                                                                const CrmDeal& deal) {
  if (!is_valid_record_id(contact_id)) return std::unexpected(permanent("invalid HubSpot contact id"));
  if (!is_valid_reference(reference)) return std::unexpected(permanent("invalid deal reference"));
  if (auto ready = ensure_reference_property(); !ready) return std::unexpected(ready.error());

  json::object properties{{"dealname", deal.name.empty() ? "Website request " + reference : deal.name},
                          {"pipeline", deal.pipeline},
                          {"dealstage", deal.stage}};
  if (is_plain_number(deal.amount)) properties["amount"] = deal.amount;
  if (!deal.description.empty()) properties["description"] = deal.description;
  const json::object input{
      {"idProperty", settings_.reference_property}, {"id", reference}, {"properties", std::move(properties)}};
  const json::object body{{"inputs", json::array{input}}};
  auto response = send("POST", "/crm/v3/objects/deals/batch/upsert", json::serialize(body));
  if (!response) return std::unexpected(response.error());
  auto answer = object_of(*response);
  if (!answer) return std::unexpected(answer.error());
  auto deal_id = first_result_id(*answer);
  if (!deal_id) return std::unexpected(deal_id.error());
  if (!is_valid_record_id(*deal_id))
    return std::unexpected(transient("HubSpot answered an unexpected deal id"));

  const std::string association_path =
      "/crm/v4/objects/deals/" + *deal_id + "/associations/contacts/" + contact_id;
  auto associated =
      send("PUT", association_path, json::serialize(hubspot_defined_association(kDealToContact)));
  if (!associated) return std::unexpected(associated.error());
  if (!is_success(associated->status)) return std::unexpected(error_from(*associated));
  return deal_id;
}

}  // namespace iv::integrations
