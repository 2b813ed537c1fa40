// The contact, demo and quote forms as data: which fields each form has
// (names from the "Lead fields" contract in DESIGN.md), their labels,
// autocomplete tokens and choices. One partial renders every field, so all
// three forms share the same accessible markup.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "content/model.h"

namespace iv::web::site {

enum class LeadFormKind { contact, demo, quote };

// "contact" | "demo" | "quote" -> kind; anything else -> nullopt.
std::optional<LeadFormKind> lead_form_kind(std::string_view name);

// The form's template data: {kind, action, fields: [...], ...}. `values`
// pre-fills fields by name (strings; "services" may be an array of slugs) and
// `errors` holds a message per field name; both are empty on first display.
boost::json::object lead_form_view(LeadFormKind kind, const std::vector<content::Service>& services,
                                   const boost::json::object& values, const boost::json::object& errors);

}  // namespace iv::web::site
