#include "leads/lead_summary.h"

#include <chrono>
#include <cstdio>

#include "security/markup_escape.h"

namespace iv::leads {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

void add(std::vector<SummaryRow>& rows, std::string_view label, std::string_view value) {
  if (!value.empty()) rows.push_back({std::string(label), std::string(value)});
}

}  // namespace

std::string format_utc(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss clock(seconds - day);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()));
  return text;
}

std::vector<SummaryRow> summary_rows(const Lead& lead) {
  const LeadFields& f = lead.fields;
  std::vector<SummaryRow> rows;
  add(rows, "Request", kind_title(lead.kind));
  add(rows, "Name", f.name);
  add(rows, "Email", f.email);
  add(rows, "Company", f.company);
  add(rows, "Phone", f.phone);
  add(rows, "Company size",
      f.company_size.empty() ? "" : choice_label(company_size_choices(), f.company_size));
  add(rows, "Preferred dates", f.preferred_dates);
  add(rows, "Services", join(f.services, ", "));
  add(rows, "Type of data", f.data_type.empty() ? "" : choice_label(data_type_choices(), f.data_type));
  add(rows, "Data volume", f.data_volume);
  add(rows, "Timeline", f.timeline.empty() ? "" : choice_label(timeline_choices(), f.timeline));
  add(rows, "Budget range",
      f.budget_range.empty() ? "" : choice_label(budget_range_choices(), f.budget_range));
  add(rows, "Sample dataset", f.upload_id);
  add(rows, "Message", f.message);
  add(rows, "Consent", f.consent ? "Agreed to the privacy policy" : "Not given");
  add(rows, "Submitted", format_utc(lead.created_at));
  add(rows, "Submitted through", lead.source == "api" ? "API" : "Website form");
  add(rows, "Bot check", challenge_name(lead.challenge));
  add(rows, "Lead id", lead.id);
  return rows;
}

std::string html_escape(std::string_view text) {
  return security::markup_escape(text);
}

std::string summary_text(const Lead& lead) {
  std::string out;
  for (const auto& row : summary_rows(lead)) {
    out += row.label + ":";
    if (row.value.find('\n') == std::string::npos) {
      out += " " + row.value + "\n";
      continue;
    }
    out += "\n";
    std::size_t start = 0;
    while (start <= row.value.size()) {
      const std::size_t end = std::min(row.value.find('\n', start), row.value.size());
      out += "    " + row.value.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  return out;
}

std::string summary_html(const Lead& lead) {
  std::string out = "<table>";
  for (const auto& row : summary_rows(lead)) {
    std::string value = html_escape(row.value);
    for (std::size_t at = value.find('\n'); at != std::string::npos; at = value.find('\n', at + 4)) {
      value.replace(at, 1, "<br>");
    }
    out += "<tr><th align=\"left\" valign=\"top\">" + html_escape(row.label) + "</th><td>" + value +
           "</td></tr>";
  }
  return out + "</table>";
}

}  // namespace iv::leads
