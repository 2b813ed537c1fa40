// The contact, demo and quote forms as data: which fields each form has
// (names from the "Lead fields" contract in DESIGN.md), their labels,
// autocomplete tokens and choices. Which fields are required, their lengths
// and the allowed choices come from the domain (leads/lead.h), so the
// browser's constraints match the server's validation. One partial renders
// every field, so all three forms share the same accessible markup.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "content/model.h"
#include "leads/lead.h"

namespace iv::web::site {

using LeadFormKind = leads::LeadKind;

// "contact" | "demo" | "quote" -> kind; anything else -> nullopt.
std::optional<LeadFormKind> lead_form_kind(std::string_view name);

// The form's template data: {kind, action, fields: [...], error_summary: [...], ...}.
// `values` pre-fills fields by name (strings; "services" may be an array of
// slugs; "consent" is "yes" when ticked) and `errors` holds a message per
// field name; both are empty on first display. The error summary lists the
// errors in form order, each linking to its field.
boost::json::object lead_form_view(LeadFormKind kind, const std::vector<content::Service>& services,
                                   const boost::json::object& values, const boost::json::object& errors);

}  // namespace iv::web::site
