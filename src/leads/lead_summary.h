// A lead as labelled rows, for the people who read it: the sales e-mail and
// the CRM note. Everything a visitor typed is escaped in the HTML forms.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leads/lead.h"

namespace iv::leads {

struct SummaryRow {
  std::string label;  // "Company size"
  std::string value;  // as typed, or the choice's label; may hold newlines (message)
};

// The non-empty fields of `lead`, in form order, followed by the reference,
// the time and the challenge.
std::vector<SummaryRow> summary_rows(const Lead& lead);

// `&`, `<`, `>`, `"` and `'` as character references.
std::string html_escape(std::string_view text);

// "Label: value" lines (multi-line values indented on the following lines).
std::string summary_text(const Lead& lead);
// A <table> of the rows, every value escaped, newlines as <br>.
std::string summary_html(const Lead& lead);

// "2026-11-22 03:40 UTC".
std::string format_utc(std::chrono::system_clock::time_point time);

}  // namespace iv::leads
