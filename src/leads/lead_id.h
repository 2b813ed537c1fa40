// Submission ids: 128 random bits from the operating system, written as 26
// characters of lower-case RFC 4648 base32 ("a".."z", "2".."7"). They appear
// in thank-you URLs and e-mails, so they must not be guessable or ordered.
#pragma once

#include <string>
#include <string_view>

namespace iv::leads {

// A fresh id. Throws std::runtime_error when the system has no randomness to give.
std::string new_lead_id();

// True for text shaped like a lead id (it may still be unknown).
bool is_lead_id(std::string_view text);

}  // namespace iv::leads
