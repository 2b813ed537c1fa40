// Server-side validation of lead submissions: the authority, whatever the
// browser checked. Normalises first (trims, unifies line ends, lower-cases the
// e-mail domain, drops duplicate services), then checks every field of the
// kind and reports each problem as {field, message} with a message a visitor
// can act on. Text must be valid UTF-8 without control characters (newlines
// are allowed in free text only).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "leads/lead.h"

namespace iv::leads {

struct FieldError {
  std::string field;    // the field's name as in the form and the API ("email")
  std::string message;  // for people: what is wrong and what would be accepted

  bool operator==(const FieldError&) const = default;
};

// Normalises `fields` in place and returns the problems, in form order; empty
// when the submission is valid. `known_services` are the service slugs a
// visitor may choose. Fields that `kind` does not take must be empty.
std::vector<FieldError> normalise_and_validate(LeadKind kind, LeadFields& fields,
                                               const std::vector<std::string>& known_services);

// --- building blocks, exposed for tests and for the web layer ----------------

// Removes leading and trailing ASCII white space and no-break spaces.
std::string_view trim(std::string_view text);
// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool is_valid_utf8(std::string_view text);
// Number of code points in valid UTF-8.
std::size_t character_count(std::string_view text);
// True when `text` has a C0 or C1 control character or DEL; with
// `allow_newlines`, '\n' is allowed.
bool has_control_characters(std::string_view text, bool allow_newlines);

// A practical subset of RFC 5321/5322 addresses that real mail systems
// deliver: dot-atom local part (no quoted strings or comments, UTF-8 allowed
// per RFC 6531), a domain of at least two labels of letters, digits and
// hyphens (or UTF-8 for internationalised names), at most 254 characters.
bool is_valid_email(std::string_view address);
// Digits with optional spaces, dots, hyphens and parentheses, and one leading
// '+'; 7 to 20 characters holding 7 to 15 digits.
bool is_valid_phone(std::string_view phone);
// Lower-cases the domain part of an address (the local part is the receiving
// system's business and stays as typed).
std::string normalise_email(std::string_view address);

}  // namespace iv::leads
