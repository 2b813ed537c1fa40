#include "leads/lead.h"

#include <algorithm>
#include <array>

namespace iv::leads {
namespace {

constexpr std::array kCompanySizes = {
    Choice{"1-49", "1–49 people"}, Choice{"50-249", "50–249 people"}, Choice{"250-999", "250–999 people"},
    Choice{"1000-4999", "1,000–4,999 people"}, Choice{"5000+", "5,000 people or more"}};

constexpr std::array kDataTypes = {Choice{"images", "Images"},
                                   Choice{"video", "Video"},
                                   Choice{"text", "Text"},
                                   Choice{"documents", "Documents"},
                                   Choice{"audio", "Audio"},
                                   Choice{"lidar", "LiDAR / 3D point clouds"},
                                   Choice{"tabular", "Tabular data"},
                                   Choice{"mixed", "Mixed or other"}};

constexpr std::array kTimelines = {Choice{"asap", "As soon as possible"}, Choice{"1-month", "Within a month"},
                                   Choice{"1-3-months", "In 1–3 months"},
                                   Choice{"3-6-months", "In 3–6 months"},
                                   Choice{"exploring", "Just exploring"}};

constexpr std::array kBudgetRanges = {
    Choice{"under-10k", "Under US$10,000"}, Choice{"10k-50k", "US$10,000–50,000"},
    Choice{"50k-200k", "US$50,000–200,000"}, Choice{"over-200k", "Over US$200,000"},
    Choice{"not-sure", "Not sure yet"}};

// Lengths: a name needs two characters ("Li"), 100 fits any real one; the
// e-mail limit is RFC 5321's path limit; phone numbers are E.164's 15 digits
// plus room for separators. Free text stops at 5,000 characters, a long letter.
constexpr FieldRule kName{.name = "name", .required = true, .min_length = 2, .max_length = 100};
constexpr FieldRule kEmail{.name = "email", .type = FieldType::email, .required = true, .max_length = 254};
constexpr FieldRule kOptionalCompany{.name = "company", .max_length = 150};
constexpr FieldRule kCompany{.name = "company", .required = true, .max_length = 150};
constexpr FieldRule kPhone{.name = "phone", .type = FieldType::phone, .min_length = 7, .max_length = 20};
constexpr FieldRule kConsent{.name = "consent", .type = FieldType::consent, .required = true};
constexpr FieldRule kServices{.name = "services", .type = FieldType::services};

const FieldRule kContactRules[] = {
    kName,
    kEmail,
    kOptionalCompany,
    kPhone,
    {.name = "message", .type = FieldType::multiline, .required = true, .min_length = 10, .max_length = 5000},
    kConsent};

const FieldRule kDemoRules[] = {kName,
                                kEmail,
                                kCompany,
                                kPhone,
                                {.name = "company_size", .type = FieldType::choice, .choices = kCompanySizes},
                                {.name = "preferred_dates", .max_length = 200},
                                kServices,
                                {.name = "message", .type = FieldType::multiline, .max_length = 5000},
                                kConsent};

const FieldRule kQuoteRules[] = {
    kName,
    kEmail,
    kCompany,
    kPhone,
    kServices,
    {.name = "data_type", .type = FieldType::choice, .choices = kDataTypes},
    {.name = "data_volume", .max_length = 200},
    {.name = "timeline", .type = FieldType::choice, .choices = kTimelines},
    {.name = "budget_range", .type = FieldType::choice, .choices = kBudgetRanges},
    {.name = "message", .type = FieldType::multiline, .max_length = 5000},
    {.name = "upload_id", .type = FieldType::reference, .max_length = 64},
    kConsent};

}  // namespace

std::string_view kind_name(LeadKind kind) {
  switch (kind) {
    case LeadKind::contact:
      return "contact";
    case LeadKind::demo:
      return "demo";
    case LeadKind::quote:
      return "quote";
  }
  return "contact";
}

std::optional<LeadKind> parse_kind(std::string_view name) {
  for (const LeadKind kind : kLeadKinds) {
    if (kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view kind_title(LeadKind kind) {
  switch (kind) {
    case LeadKind::contact:
      return "Contact request";
    case LeadKind::demo:
      return "Demo request";
    case LeadKind::quote:
      return "Quote request";
  }
  return "Request";
}

std::string_view challenge_name(Challenge challenge) {
  switch (challenge) {
    case Challenge::altcha:
      return "altcha";
    case Challenge::recaptcha:
      return "recaptcha";
    case Challenge::none:
      return "none";
  }
  return "none";
}

std::optional<Challenge> parse_challenge(std::string_view name) {
  for (const Challenge challenge : {Challenge::altcha, Challenge::recaptcha, Challenge::none}) {
    if (challenge_name(challenge) == name) return challenge;
  }
  return std::nullopt;
}

std::span<const Choice> company_size_choices() {
  return kCompanySizes;
}
std::span<const Choice> data_type_choices() {
  return kDataTypes;
}
std::span<const Choice> timeline_choices() {
  return kTimelines;
}
std::span<const Choice> budget_range_choices() {
  return kBudgetRanges;
}

std::string_view choice_label(std::span<const Choice> choices, std::string_view value) {
  const auto found =
      std::find_if(choices.begin(), choices.end(), [&](const Choice& c) { return c.value == value; });
  return found == choices.end() ? value : found->label;
}

std::span<const FieldRule> field_rules(LeadKind kind) {
  switch (kind) {
    case LeadKind::contact:
      return kContactRules;
    case LeadKind::demo:
      return kDemoRules;
    case LeadKind::quote:
      return kQuoteRules;
  }
  return kContactRules;
}

std::optional<FieldRule> field_rule(LeadKind kind, std::string_view field) {
  for (const auto& rule : field_rules(kind)) {
    if (rule.name == field) return rule;
  }
  return std::nullopt;
}

namespace {

// One table for the names and the members, so they cannot drift apart.
constexpr std::pair<std::string_view, std::string LeadFields::*> kTextFields[] = {
    {"name", &LeadFields::name},
    {"email", &LeadFields::email},
    {"company", &LeadFields::company},
    {"phone", &LeadFields::phone},
    {"message", &LeadFields::message},
    {"preferred_dates", &LeadFields::preferred_dates},
    {"company_size", &LeadFields::company_size},
    {"data_type", &LeadFields::data_type},
    {"data_volume", &LeadFields::data_volume},
    {"timeline", &LeadFields::timeline},
    {"budget_range", &LeadFields::budget_range},
    {"upload_id", &LeadFields::upload_id}};

constexpr auto kTextFieldNames = [] {
  std::array<std::string_view, std::size(kTextFields)> names{};
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = kTextFields[i].first;
  return names;
}();

}  // namespace

std::span<const std::string_view> text_field_names() {
  return kTextFieldNames;
}

std::string* text_field(LeadFields& f, std::string_view name) {
  for (const auto& [field, member] : kTextFields) {
    if (field == name) return &(f.*member);
  }
  return nullptr;
}

}  // namespace iv::leads
