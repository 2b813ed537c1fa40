// Detectors for personal data in single values, and the column-name hints
// that lower the share needed to flag a column. A detector answers only
// "does this value look like X"; it never stores or logs the value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iv::analysis {

enum class PiiKind : std::uint8_t { email, phone, payment_card, ip_address, pan, aadhaar };
inline constexpr std::size_t kPiiKindCount = 6;

// "email", "phone", "payment_card", "ip_address", "pan", "aadhaar".
std::string_view pii_kind_name(PiiKind kind);
// "e-mail addresses", "phone numbers", ...: for sentences.
std::string_view pii_kind_description(PiiKind kind);

// A bit per PiiKind that `value` (trimmed) matches.
//  email: local@domain.tld, no spaces, a dot in the domain.
//  phone: +CC then 7..15 digits in total; Indian mobiles (10 digits starting
//         6-9, optionally after 0, 91 or +91); or 10..11 digits written with
//         separators ( ) - . space. Plain digit runs of other lengths are not phones.
//  payment_card: 13..19 digits (spaces or dashes between groups allowed),
//         starting 2-6, passing the Luhn check.
//  ip_address: dotted IPv4 (0..255 each) or IPv6 (8 groups, or fewer with one "::").
//  pan: Indian PAN, AAAAA9999A with the fourth letter a holder type (P, C, H, F, A, T, B, L, J, G).
//  aadhaar: 12 digits (or 4-4-4 with spaces/dashes), not starting 0 or 1,
//         passing the Verhoeff check.
std::uint8_t detect_pii(std::string_view value);

// A bit per PiiKind that the column name suggests ("email", "phone",
// "mobile", "card", "ip", "pan", "aadhaar", ...), case-insensitive.
std::uint8_t pii_name_hints(std::string_view column_name);

// True when `word` (lowercase letters) is one of the words of `name`, split at
// non-letters and at camelCase humps: "user_id", "userId" and "ID" have "id".
bool name_has_word(std::string_view name, std::string_view word);

bool luhn_valid(std::string_view digits);
bool verhoeff_valid(std::string_view digits);

}  // namespace iv::analysis
