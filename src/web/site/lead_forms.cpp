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

struct FieldSpec {
  std::string_view name;
  std::string_view label;
  Control control = Control::text;
  std::string_view autocomplete;  // HTML autofill token; empty: none
  bool required = false;
  bool wide = false;  // spans both columns on wide screens
  std::string_view hint;
  std::vector<Choice> choices;
};

std::vector<Choice> company_sizes() {
  return {{"1-49", "1–49 people"},
          {"50-249", "50–249 people"},
          {"250-999", "250–999 people"},
          {"1000-4999", "1,000–4,999 people"},
          {"5000+", "5,000 people or more"}};
}

std::vector<Choice> data_types() {
  return {{"images", "Images"},        {"video", "Video"},         {"text", "Text"},
          {"documents", "Documents"},  {"audio", "Audio"},         {"lidar", "LiDAR / 3D point clouds"},
          {"tabular", "Tabular data"}, {"mixed", "Mixed or other"}};
}

std::vector<Choice> timelines() {
  return {{"asap", "As soon as possible"},
          {"1-month", "Within a month"},
          {"1-3-months", "In 1–3 months"},
          {"3-6-months", "In 3–6 months"},
          {"exploring", "Just exploring"}};
}

std::vector<Choice> budget_ranges() {
  return {{"under-10k", "Under US$10,000"},
          {"10k-50k", "US$10,000–50,000"},
          {"50k-200k", "US$50,000–200,000"},
          {"over-200k", "Over US$200,000"},
          {"not-sure", "Not sure yet"}};
}

std::vector<Choice> service_choices(const std::vector<content::Service>& services) {
  std::vector<Choice> choices;
  for (const auto& service : services) choices.push_back({service.slug, service.title});
  return choices;
}

// Fields every form opens with: who is asking.
std::vector<FieldSpec> contact_details(bool company_required) {
  return {
      {.name = "name", .label = "Full name", .autocomplete = "name", .required = true},
      {.name = "email",
       .label = "Work email",
       .control = Control::email,
       .autocomplete = "email",
       .required = true},
      {.name = "company", .label = "Company", .autocomplete = "organization", .required = company_required},
      {.name = "phone",
       .label = "Phone",
       .control = Control::tel,
       .autocomplete = "tel",
       .hint = "Include the country code, for example +44 20 7946 0000."}};
}

std::vector<FieldSpec> field_specs(LeadFormKind kind, const std::vector<content::Service>& services) {
  std::vector<FieldSpec> fields = contact_details(kind != LeadFormKind::contact);
  switch (kind) {
    case LeadFormKind::contact:
      fields.push_back({.name = "message",
                        .label = "How can we help?",
                        .control = Control::textarea,
                        .required = true,
                        .wide = true});
      break;
    case LeadFormKind::demo:
      fields.push_back({.name = "company_size",
                        .label = "Company size",
                        .control = Control::select,
                        .choices = company_sizes()});
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
                        .choices = data_types()});
      fields.push_back({.name = "data_volume",
                        .label = "Data volume",
                        .hint = "For example: 200,000 images, or 5,000 documents a month."});
      fields.push_back(
          {.name = "timeline", .label = "Timeline", .control = Control::select, .choices = timelines()});
      fields.push_back({.name = "budget_range",
                        .label = "Budget range",
                        .control = Control::select,
                        .choices = budget_ranges()});
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

boost::json::object field_view(const FieldSpec& spec, const boost::json::object& values,
                               const boost::json::object& errors) {
  const std::string id = "field-" + std::string(spec.name);
  boost::json::object field{{"name", spec.name},
                            {"id", id},
                            {"label", spec.label},
                            {"required", spec.required},
                            {"wide", spec.wide},
                            {"value", string_value(values, spec.name)},
                            {"is_input", spec.control == Control::text || spec.control == Control::email ||
                                             spec.control == Control::tel},
                            {"is_textarea", spec.control == Control::textarea},
                            {"is_select", spec.control == Control::select},
                            {"is_checkboxes", spec.control == Control::checkboxes},
                            {"is_hidden", spec.control == Control::hidden},
                            {"type", input_type(spec.control)}};
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

}  // namespace

std::optional<LeadFormKind> lead_form_kind(std::string_view name) {
  if (name == "contact") return LeadFormKind::contact;
  if (name == "demo") return LeadFormKind::demo;
  if (name == "quote") return LeadFormKind::quote;
  return std::nullopt;
}

boost::json::object lead_form_view(LeadFormKind kind, const std::vector<content::Service>& services,
                                   const boost::json::object& values, const boost::json::object& errors) {
  static constexpr std::string_view kNames[] = {"contact", "demo", "quote"};
  static constexpr std::string_view kSubmitLabels[] = {"Send message", "Request a demo", "Request a quote"};
  const auto index = static_cast<std::size_t>(kind);
  boost::json::array fields;
  for (const auto& spec : field_specs(kind, services)) fields.push_back(field_view(spec, values, errors));
  return {{"kind", kNames[index]},
          {"action", "/" + std::string(kNames[index])},
          {"submit_label", kSubmitLabels[index]},
          {"fields", std::move(fields)},
          {"consent_checked", is_selected(values, "consent", "yes") || is_selected(values, "consent", "on")},
          {"has_errors", !errors.empty()},
          {"consent_error", string_value(errors, "consent")},
          {"has_consent_error", !string_value(errors, "consent").empty()}};
}

}  // namespace iv::web::site
