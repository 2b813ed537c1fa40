// A lead: a contact, demo or quote request from a visitor (DESIGN.md "Lead
// fields"), and the fixed choices its fields may take. The web forms and the
// API both read the choices and field rules from here, so the browser's
// constraints and the server's validation cannot drift apart.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace iv::leads {

enum class LeadKind : std::uint8_t { contact, demo, quote };
inline constexpr LeadKind kLeadKinds[] = {LeadKind::contact, LeadKind::demo, LeadKind::quote};

// "contact" | "demo" | "quote".
std::string_view kind_name(LeadKind kind);
// The inverse of kind_name; nullopt for anything else.
std::optional<LeadKind> parse_kind(std::string_view name);
// "Contact request", "Demo request", "Quote request": for people (mail subjects, CRM notes).
std::string_view kind_title(LeadKind kind);

// Every field of every kind; a kind uses a subset (see field_rule). Text is
// UTF-8. Before normalise_and_validate() the values are as received.
struct LeadFields {
  std::string name;
  std::string email;
  std::string company;
  std::string phone;
  std::string message;
  bool consent = false;
  std::vector<std::string> services;  // service slugs (demo, quote)
  std::string preferred_dates;        // demo
  std::string company_size;           // demo, one of company_size_choices()
  std::string data_type;              // quote, one of data_type_choices()
  std::string data_volume;            // quote
  std::string timeline;               // quote, one of timeline_choices()
  std::string budget_range;           // quote, one of budget_range_choices()
  std::string upload_id;              // quote, an uploaded sample dataset

  bool operator==(const LeadFields&) const = default;
};

// Names of the text fields of the "Lead fields" contract (DESIGN.md), in form order.
std::span<const std::string_view> text_field_names();
// The text member of `fields` named `name`; nullptr for services, consent and unknown names.
std::string* text_field(LeadFields& fields, std::string_view name);

// How a submission showed that a person sent it.
enum class Challenge : std::uint8_t {
  altcha,     // a solved proof-of-work challenge
  recaptcha,  // Google reCAPTCHA, when configured
  none,       // no JavaScript: accepted under a stricter rate limit
};
std::string_view challenge_name(Challenge challenge);
std::optional<Challenge> parse_challenge(std::string_view name);

struct Lead {
  std::string id;  // new_lead_id()
  LeadKind kind = LeadKind::contact;
  LeadFields fields;
  Challenge challenge = Challenge::none;
  std::string source;  // "form" | "api"
  std::chrono::system_clock::time_point created_at;
};

// ---------------------------------------------------------------------------
// Choices

struct Choice {
  std::string_view value;  // what the form and the API send
  std::string_view label;  // what a person reads
};

std::span<const Choice> company_size_choices();
std::span<const Choice> data_type_choices();
std::span<const Choice> timeline_choices();
std::span<const Choice> budget_range_choices();
// The label of `value`, or `value` itself when it is not one of `choices`.
std::string_view choice_label(std::span<const Choice> choices, std::string_view value);

// ---------------------------------------------------------------------------
// Field rules: which fields a kind takes, which are required, and their
// lengths in characters (Unicode code points, after trimming).

enum class FieldType : std::uint8_t { text, multiline, email, phone, choice, services, consent, reference };

struct FieldRule {
  std::string_view name;
  FieldType type = FieldType::text;
  bool required = false;
  std::size_t min_length = 0;
  std::size_t max_length = 0;            // 0 for fields that are not text
  std::span<const Choice> choices = {};  // FieldType::choice
};

// The fields of `kind` in form order (contact details first, consent last).
std::span<const FieldRule> field_rules(LeadKind kind);
// The rule for one field of `kind`; nullopt when the kind has no such field.
std::optional<FieldRule> field_rule(LeadKind kind, std::string_view field);

}  // namespace iv::leads
