#include "web/site/lead_forms.h"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace iv::web::site {
namespace {

enum class Control { text, email, tel, textarea, select, checkboxes, hidden };

struct Choice {
  std::string value;
  std::string label;
};

// How a field looks; what it accepts comes from leads::field_rule().
struct FieldSpec {
  std::string_view name;
  std::string_view label;
  Control control = Control::text;
  std::string_view autocomplete;  // HTML autofill token; empty: none
  bool wide = false;              // spans both columns on wide screens
  std::string_view hint;
  std::vector<Choice> choices;
};

std::vector<Choice> domain_choices(std::span<const leads::Choice> choices) {
  std::vector<Choice> out;
  for (const auto& choice : choices) out.push_back({std::string(choice.value), std::string(choice.label)});
  return out;
}

std::vector<Choice> service_choices(const std::vector<content::Service>& services) {
  std::vector<Choice> choices;
  for (const auto& service : services) choices.push_back({service.slug, service.title});
  return choices;
}

// Fields every form opens with: who is asking.
std::vector<FieldSpec> contact_details() {
  return {{.name = "name", .label = "Full name", .autocomplete = "name"},
          {.name = "email", .label = "Work email", .control = Control::email, .autocomplete = "email"},
          {.name = "company", .label = "Company", .autocomplete = "organization"},
          {.name = "phone",
           .label = "Phone",
           .control = Control::tel,
           .autocomplete = "tel",
           .hint = "Include the country code, for example +44 20 7946 0000."}};
}

std::vector<FieldSpec> field_specs(LeadFormKind kind, const std::vector<content::Service>& services) {
  std::vector<FieldSpec> fields = contact_details();
  switch (kind) {
    case LeadFormKind::contact:
      fields.push_back(
          {.name = "message", .label = "How can we help?", .control = Control::textarea, .wide = true});
      break;
    case LeadFormKind::demo:
      fields.push_back({.name = "company_size",
                        .label = "Company size",
                        .control = Control::select,
                        .choices = domain_choices(leads::company_size_choices())});
      fields.push_back({.name = "preferred_dates",
                        .label = "Preferred dates and times",
                        .hint = "For example: Tuesday or Thursday mornings, UK time."});
      fields.push_back({.name = "services",
                        .label = "Which services would you like to see?",
                        .control = Control::checkboxes,
                        .wide = true,
                        .choices = service_choices(services)});
      fields.push_back({.name = "message",
                        .label = "What would you like the demo to cover?",
                        .control = Control::textarea,
                        .wide = true});
      break;
    case LeadFormKind::quote:
      fields.push_back({.name = "services",
                        .label = "Services you need",
                        .control = Control::checkboxes,
                        .wide = true,
                        .choices = service_choices(services)});
      fields.push_back({.name = "data_type",
                        .label = "Type of data",
                        .control = Control::select,
                        .choices = domain_choices(leads::data_type_choices())});
      fields.push_back({.name = "data_volume",
                        .label = "Data volume",
                        .hint = "For example: 200,000 images, or 5,000 documents a month."});
      fields.push_back({.name = "timeline",
                        .label = "Timeline",
                        .control = Control::select,
                        .choices = domain_choices(leads::timeline_choices())});
      fields.push_back({.name = "budget_range",
                        .label = "Budget range",
                        .control = Control::select,
                        .choices = domain_choices(leads::budget_range_choices())});
      fields.push_back(
          {.name = "message",
           .label = "Project details",
           .control = Control::textarea,
           .wide = true,
           .hint = "Tell us about your use case, quality targets and any tools you already use."});
      fields.push_back({.name = "upload_id", .label = "Sample dataset", .control = Control::hidden});
      break;
  }
  return fields;
}

std::string_view input_type(Control control) {
  switch (control) {
    case Control::email:
      return "email";
    case Control::tel:
      return "tel";
    case Control::hidden:
      return "hidden";
    default:
      return "text";
  }
}

std::string string_value(const boost::json::object& values, std::string_view name) {
  const auto* value = values.if_contains(name);
  return (value != nullptr && value->is_string()) ? std::string(value->get_string()) : std::string();
}

bool is_selected(const boost::json::object& values, std::string_view name, std::string_view choice) {
  const auto* value = values.if_contains(name);
  if (value == nullptr) return false;
  if (value->is_string()) return value->get_string() == choice;
  if (value->is_array()) {
    const auto& items = value->get_array();
    return std::any_of(items.begin(), items.end(), [&](const boost::json::value& item) {
      return item.is_string() && item.get_string() == choice;
    });
  }
  return false;
}

boost::json::object field_view(LeadFormKind kind, const FieldSpec& spec, const boost::json::object& values,
                               const boost::json::object& errors) {
  const auto rule = leads::field_rule(kind, spec.name).value_or(leads::FieldRule{});
  const std::string id = "field-" + std::string(spec.name);
  boost::json::object field{{"name", spec.name},
                            {"id", id},
                            {"label", spec.label},
                            {"required", rule.required},
                            {"wide", spec.wide},
                            {"value", string_value(values, spec.name)},
                            {"is_input", spec.control == Control::text || spec.control == Control::email ||
                                             spec.control == Control::tel},
                            {"is_textarea", spec.control == Control::textarea},
                            {"is_select", spec.control == Control::select},
                            {"is_checkboxes", spec.control == Control::checkboxes},
                            {"is_hidden", spec.control == Control::hidden},
                            {"type", input_type(spec.control)}};
  // The browser's length limits; the server counts the same characters.
  field["has_minlength"] = rule.min_length > 0 && spec.control != Control::tel;
  field["minlength"] = rule.min_length;
  field["has_maxlength"] = rule.max_length > 0;
  field["maxlength"] = rule.max_length;
  field["has_autocomplete"] = !spec.autocomplete.empty();
  field["autocomplete"] = spec.autocomplete;
  field["has_hint"] = !spec.hint.empty();
  field["hint"] = spec.hint;
  field["hint_id"] = id + "-hint";
  const std::string error = string_value(errors, spec.name);
  field["has_error"] = !error.empty();
  field["error"] = error;
  field["error_id"] = id + "-error";
  // aria-describedby lists the hint and the error, in reading order.
  std::string described_by;
  if (!spec.hint.empty()) described_by = id + "-hint";
  if (!error.empty()) described_by += (described_by.empty() ? "" : " ") + id + "-error";
  field["has_described_by"] = !described_by.empty();
  field["described_by"] = described_by;

  boost::json::array choices;
  int index = 0;
  for (const auto& choice : spec.choices) {
    const bool selected = is_selected(values, spec.name, choice.value);
    choices.push_back(boost::json::object{{"value", choice.value},
                                          {"label", choice.label},
                                          {"id", id + "-" + std::to_string(++index)},
                                          {"selected", selected}});
  }
  field["choices"] = std::move(choices);
  return field;
}

// Where the summary's link for a field goes: the control itself, or the first
// box of a group of checkboxes.
std::string error_target(const FieldSpec& spec) {
  const std::string id = "field-" + std::string(spec.name);
  return spec.control == Control::checkboxes && !spec.choices.empty() ? id + "-1" : id;
}

}  // namespace

std::optional<LeadFormKind> lead_form_kind(std::string_view name) {
  return leads::parse_kind(name);
}

boost::json::object lead_form_view(LeadFormKind kind, const std::vector<content::Service>& services,
                                   const boost::json::object& values, const boost::json::object& errors) {
  static constexpr std::string_view kSubmitLabels[] = {"Send message", "Request a demo", "Request a quote"};
  const auto index = static_cast<std::size_t>(kind);
  const std::string kind_name(leads::kind_name(kind));
  boost::json::array fields;
  boost::json::array summary;
  for (const auto& spec : field_specs(kind, services)) {
    fields.push_back(field_view(kind, spec, values, errors));
    const std::string error = string_value(errors, spec.name);
    if (!error.empty()) {
      summary.push_back(
          boost::json::object{{"href", "#" + error_target(spec)}, {"message", error}, {"label", spec.label}});
    }
  }
  const std::string consent_error = string_value(errors, "consent");
  if (!consent_error.empty()) {
    summary.push_back(
        boost::json::object{{"href", "#field-consent"}, {"message", consent_error}, {"label", "Consent"}});
  }
  return {{"kind", kind_name},
          {"action", "/" + kind_name},
          {"submit_label", kSubmitLabels[index]},
          {"fields", std::move(fields)},
          {"consent_checked", is_selected(values, "consent", "yes") || is_selected(values, "consent", "on")},
          {"has_errors", !summary.empty()},
          {"error_summary", std::move(summary)},
          {"consent_error", consent_error},
          {"has_consent_error", !consent_error.empty()}};
}

}  // namespace iv::web::site
