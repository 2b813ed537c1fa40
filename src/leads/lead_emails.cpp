#include "leads/lead_emails.h"

#include "leads/lead_summary.h"
#include "leads/lead_validation.h"

namespace iv::leads {
namespace {

std::string first_name_or_name(std::string_view name) {
  const std::size_t space = name.find(' ');
  return std::string(space == std::string_view::npos ? name : name.substr(0, space));
}

std::string next_steps_text(LeadKind kind) {
  switch (kind) {
    case LeadKind::contact:
      return "A person on our team will reply within one business day.";
    case LeadKind::demo:
      return "A solutions lead will write within one business day to agree a time for a 30-minute "
             "walkthrough.";
    case LeadKind::quote:
      return "We will review your requirements, may ask a few questions, and send a scoped proposal with "
             "pricing "
             "within two business days.";
  }
  return {};
}

// Only what the visitor chose from our lists: safe to repeat to any address.
std::vector<std::pair<std::string, std::string>> chosen_options(const Lead& lead) {
  const LeadFields& f = lead.fields;
  std::vector<std::pair<std::string, std::string>> rows;
  if (!f.services.empty()) {
    std::string services;
    for (const auto& slug : f.services) services += (services.empty() ? "" : ", ") + slug;
    rows.emplace_back("Services", services);
  }
  if (!f.company_size.empty()) {
    rows.emplace_back("Company size", choice_label(company_size_choices(), f.company_size));
  }
  if (!f.data_type.empty()) rows.emplace_back("Type of data", choice_label(data_type_choices(), f.data_type));
  if (!f.timeline.empty()) rows.emplace_back("Timeline", choice_label(timeline_choices(), f.timeline));
  if (!f.budget_range.empty()) {
    rows.emplace_back("Budget range", choice_label(budget_range_choices(), f.budget_range));
  }
  return rows;
}

}  // namespace

std::string lead_message_id(std::string_view lead_id, std::string_view purpose, std::string_view domain) {
  return "<lead-" + std::string(lead_id) + "-" + std::string(purpose) + "@" + std::string(domain) + ">";
}

integrations::EmailMessage sales_notification(const Lead& lead, const LeadMailSettings& settings) {
  const LeadFields& f = lead.fields;
  std::string subject = std::string(kind_title(lead.kind)) + ": " + f.name;
  if (!f.company.empty()) subject += " (" + f.company + ")";

  integrations::EmailMessage message;
  message.from = settings.from;
  message.to = {settings.sales};
  message.reply_to = {{f.name, f.email}};
  message.subject = subject;
  message.text_body = "A new " + std::string(kind_name(lead.kind)) +
                      " request arrived through the website. Reply to this e-mail to answer " + f.name +
                      ".\n\n" + summary_text(lead);
  message.html_body = "<!doctype html><html><body><p>A new " + std::string(kind_name(lead.kind)) +
                      " request arrived through the website. Reply to this e-mail to answer " +
                      html_escape(f.name) + ".</p>" + summary_html(lead) + "</body></html>";
  message.message_id = lead_message_id(lead.id, "sales", settings.message_id_domain);
  message.extra_headers = {{"X-IndiVillage-Lead", lead.id},
                           {"X-IndiVillage-Lead-Kind", std::string(kind_name(lead.kind))}};
  return message;
}

integrations::EmailMessage visitor_confirmation(const Lead& lead, const LeadMailSettings& settings) {
  const LeadFields& f = lead.fields;
  const std::string greeting = "Hello " + first_name_or_name(f.name) + ",";
  const std::string received = "thank you for your " + std::string(kind_name(lead.kind)) +
                               " request. We have received it and it is with our team.";
  const std::string steps = next_steps_text(lead.kind);
  const auto options = chosen_options(lead);

  std::string text = greeting + "\n\n" + received + "\n\n" + steps + "\n\n";
  std::string html = "<!doctype html><html><body><p>" + html_escape(greeting) + "</p><p>" +
                     html_escape(received) + "</p><p>" + html_escape(steps) + "</p>";
  if (!options.empty()) {
    text += "What you told us:\n";
    html += "<p>What you told us:</p><ul>";
    for (const auto& [label, value] : options) {
      text += "  " + label + ": " + value + "\n";
      html += "<li>" + html_escape(label) + ": " + html_escape(value) + "</li>";
    }
    html += "</ul>";
    text += "\n";
  }
  const std::string reference = "Your reference: " + lead.id;
  const std::string not_you =
      "If you did not send this request, you can ignore this e-mail; we will not contact you again about it.";
  text += reference + "\n\n" + not_you + "\n\nThe IndiVillage team\n" + settings.site_url + "\n";
  html += "<p>" + html_escape(reference) + "</p><p>" + html_escape(not_you) +
          "</p><p>The IndiVillage team<br><a href=\"" + html_escape(settings.site_url) + "\">" +
          html_escape(settings.site_url) + "</a></p></body></html>";

  integrations::EmailMessage message;
  message.from = settings.from;
  message.to = {{f.name, f.email}};
  message.subject = "We received your " + std::string(kind_name(lead.kind)) + " request — IndiVillage";
  message.text_body = std::move(text);
  message.html_body = std::move(html);
  message.message_id = lead_message_id(lead.id, "visitor", settings.message_id_domain);
  message.extra_headers = {{"X-IndiVillage-Lead", lead.id}, {"Auto-Submitted", "auto-replied"}};
  return message;
}

std::optional<integrations::EmailAddress> parse_mailbox(std::string_view text) {
  text = trim(text);
  const std::size_t open = text.rfind('<');
  if (open == std::string_view::npos) {
    if (!is_valid_email(text)) return std::nullopt;
    return integrations::EmailAddress{"", std::string(text)};
  }
  if (!text.ends_with('>')) return std::nullopt;
  const std::string_view address = text.substr(open + 1, text.size() - open - 2);
  std::string_view name = trim(text.substr(0, open));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  if (!is_valid_email(address) || has_control_characters(name, false)) return std::nullopt;
  return integrations::EmailAddress{std::string(name), std::string(address)};
}

}  // namespace iv::leads
