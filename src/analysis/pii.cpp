#include "analysis/pii.h"

#include <string>

namespace iv::analysis {
namespace {

constexpr std::uint8_t bit(PiiKind kind) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(kind));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_alnum(char c) {
  return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool looks_like_email(std::string_view value) {
  const std::size_t at = value.find('@');
  if (at == 0 || at == std::string_view::npos || at > 64) return false;
  const std::string_view local = value.substr(0, at);
  const std::string_view domain = value.substr(at + 1);
  for (const char c : local) {
    if (!(is_alnum(c) || std::string_view("._%+-'").find(c) != std::string_view::npos)) return false;
  }
  const std::size_t last_dot = domain.rfind('.');
  if (domain.empty() || last_dot == std::string_view::npos || last_dot == 0 || last_dot + 2 > domain.size()) {
    return false;
  }
  for (const char c : domain) {
    if (!(is_alnum(c) || c == '.' || c == '-')) return false;
  }
  for (std::size_t i = last_dot + 1; i < domain.size(); ++i) {
    if (is_digit(domain[i])) return false;  // the top-level domain is letters
  }
  return domain.find("..") == std::string_view::npos;
}

// Collects the digits of a value made of digits and the given separators;
// returns false on any other character or too many digits.
struct Digits {
  char buffer[19];
  std::size_t size = 0;
  std::string_view view() const { return {buffer, size}; }
};

bool collect_digits(std::string_view value, std::string_view separators, Digits& digits,
                    std::size_t& separator_count) {
  separator_count = 0;
  for (const char c : value) {
    if (is_digit(c)) {
      if (digits.size == sizeof digits.buffer) return false;
      digits.buffer[digits.size++] = c;
    } else if (separators.find(c) != std::string_view::npos) {
      ++separator_count;
    } else {
      return false;
    }
  }
  return true;
}

bool is_indian_mobile(std::string_view digits) {
  return digits.size() == 10 && digits[0] >= '6' && digits[0] <= '9';
}

bool looks_like_phone(std::string_view value, std::string_view digits, std::size_t separators) {
  if (value[0] == '+') {
    if (digits.size() == 12 && digits.substr(0, 2) == "91") return is_indian_mobile(digits.substr(2));
    return digits.size() >= 8 && digits.size() <= 15 && digits[0] != '0';
  }
  if (is_indian_mobile(digits)) return true;
  if (digits.size() == 11 && digits[0] == '0' && is_indian_mobile(digits.substr(1))) return true;
  if (digits.size() == 12 && digits.substr(0, 2) == "91" && is_indian_mobile(digits.substr(2))) return true;
  // National numbers written for people: 10 or 11 digits with separators.
  return separators > 0 && (digits.size() == 10 || digits.size() == 11);
}

bool looks_like_ipv4(std::string_view value) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    int number = 0;
    std::size_t digits = 0;
    while (pos < value.size() && is_digit(value[pos]) && digits < 4) {
      number = number * 10 + (value[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3 || number > 255) return false;
    ++parts;
    if (pos == value.size()) return parts == 4;
    if (value[pos] != '.' || parts == 4) return false;
    ++pos;
  }
}

// Hex groups separated by ':'; the last one may be an embedded IPv4 address
// (two groups' worth) when `allow_ipv4_tail`.
bool count_ipv6_groups(std::string_view text, bool allow_ipv4_tail, int& groups) {
  groups = 0;
  if (text.empty()) return true;
  for (;;) {
    const std::size_t colon = text.find(':');
    const std::string_view piece = text.substr(0, colon);
    const bool last = colon == std::string_view::npos;
    if (last && allow_ipv4_tail && piece.find('.') != std::string_view::npos) {
      if (!looks_like_ipv4(piece)) return false;
      groups += 2;
      return true;
    }
    if (piece.empty() || piece.size() > 4) return false;
    for (const char c : piece) {
      if (!is_hex(c)) return false;
    }
    ++groups;
    if (last) return true;
    text.remove_prefix(colon + 1);
  }
}

bool looks_like_ipv6(std::string_view value) {
  if (value.size() < 2 || value.size() > 45) return false;
  const std::size_t gap = value.find("::");
  if (gap == std::string_view::npos) {
    int groups = 0;
    return count_ipv6_groups(value, true, groups) && groups == 8;
  }
  if (value.find("::", gap + 1) != std::string_view::npos) return false;
  int head = 0, tail = 0;
  return count_ipv6_groups(value.substr(0, gap), false, head) &&
         count_ipv6_groups(value.substr(gap + 2), true, tail) && head + tail <= 7;
}

bool looks_like_pan(std::string_view value) {
  if (value.size() != 10) return false;
  for (std::size_t i = 0; i < 5; ++i) {
    if (!is_upper(value[i])) return false;
  }
  for (std::size_t i = 5; i < 9; ++i) {
    if (!is_digit(value[i])) return false;
  }
  return is_upper(value[9]) && std::string_view("PCHFATBLJG").find(value[3]) != std::string_view::npos;
}

std::string lowercase(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

bool has_word(std::string_view name, std::string_view word) {
  std::string current;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    const char c = i < name.size() ? name[i] : ' ';
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool hump = letter && is_upper(c) && i > 0 && !is_upper(name[i - 1]) && !current.empty();
    if (!letter || hump) {
      if (current == word) return true;
      current.clear();
    }
    if (letter) current.push_back(static_cast<char>(is_upper(c) ? c - 'A' + 'a' : c));
  }
  return false;
}

}  // namespace

bool name_has_word(std::string_view name, std::string_view word) {
  return has_word(name, word);
}

std::string_view pii_kind_name(PiiKind kind) {
  switch (kind) {
    case PiiKind::email:
      return "email";
    case PiiKind::phone:
      return "phone";
    case PiiKind::payment_card:
      return "payment_card";
    case PiiKind::ip_address:
      return "ip_address";
    case PiiKind::pan:
      return "pan";
    case PiiKind::aadhaar:
      return "aadhaar";
  }
  return "";
}

std::string_view pii_kind_description(PiiKind kind) {
  switch (kind) {
    case PiiKind::email:
      return "e-mail addresses";
    case PiiKind::phone:
      return "phone numbers";
    case PiiKind::payment_card:
      return "payment card numbers";
    case PiiKind::ip_address:
      return "IP addresses";
    case PiiKind::pan:
      return "PAN numbers";
    case PiiKind::aadhaar:
      return "Aadhaar numbers";
  }
  return "";
}

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool double_it = false;
  for (std::size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool verhoeff_valid(std::string_view digits) {
  // The dihedral group D5's multiplication table and the position permutation.
  static constexpr std::uint8_t multiply[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
      {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
      {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr std::uint8_t permute[8][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
      {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  if (digits.empty()) return false;
  std::uint8_t check = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const int d = digits[digits.size() - 1 - i] - '0';
    check = multiply[check][permute[i % 8][d]];
  }
  return check == 0;
}

std::uint8_t detect_pii(std::string_view value) {
  if (value.size() < 3 || value.size() > 64) return 0;
  const char first = value[0];
  if (is_digit(first) || first == '+' || first == '(') {
    std::uint8_t found = 0;
    if (is_digit(first) && looks_like_ipv4(value)) return bit(PiiKind::ip_address);
    Digits collected;
    std::size_t separators = 0;
    if (collect_digits(value, first == '+' || first == '(' ? " -().+" : " -().", collected, separators)) {
      const std::string_view digits = collected.view();
      // One point makes it a decimal number, not a phone, card or Aadhaar number.
      if (value.find('.') != std::string_view::npos && value.find('.') == value.rfind('.')) return 0;
      if (first == '+' && value.find('+', 1) != std::string_view::npos) return 0;
      if (looks_like_phone(value, digits, separators)) found |= bit(PiiKind::phone);
      const bool card_separators_only = value.find_first_of("().+") == std::string_view::npos;
      if (card_separators_only && digits.size() >= 13 && digits.size() <= 19 && digits[0] >= '2' &&
          digits[0] <= '6' && luhn_valid(digits)) {
        found |= bit(PiiKind::payment_card);
      }
      if (card_separators_only && digits.size() == 12 && digits[0] >= '2' && verhoeff_valid(digits) &&
          (separators == 0 || separators == 2)) {
        found |= bit(PiiKind::aadhaar);
      }
      return found;
    }
    if (is_digit(first) && looks_like_ipv6(value)) return bit(PiiKind::ip_address);
    return 0;
  }
  if (is_upper(first) && looks_like_pan(value)) return bit(PiiKind::pan);
  if (value.find('@') != std::string_view::npos) return looks_like_email(value) ? bit(PiiKind::email) : 0;
  if ((is_hex(first) || first == ':') && value.find(':') != std::string_view::npos &&
      looks_like_ipv6(value)) {
    return bit(PiiKind::ip_address);
  }
  return 0;
}

std::uint8_t pii_name_hints(std::string_view column_name) {
  std::uint8_t hints = 0;
  const std::string name = lowercase(column_name);
  if (name.find("mail") != std::string::npos) hints |= bit(PiiKind::email);
  if (name.find("phone") != std::string::npos || name.find("mobile") != std::string::npos ||
      has_word(column_name, "tel") || has_word(column_name, "cell") ||
      name.find("whatsapp") != std::string::npos) {
    hints |= bit(PiiKind::phone);
  }
  if (name.find("card") != std::string::npos || has_word(column_name, "cc"))
    hints |= bit(PiiKind::payment_card);
  if (has_word(column_name, "ip") || name.find("ip_address") != std::string::npos ||
      name.find("ipaddress") != std::string::npos) {
    hints |= bit(PiiKind::ip_address);
  }
  if (has_word(column_name, "pan")) hints |= bit(PiiKind::pan);
  if (name.find("aadhaar") != std::string::npos || name.find("aadhar") != std::string::npos ||
      has_word(column_name, "uid")) {
    hints |= bit(PiiKind::aadhaar);
  }
  return hints;
}

}  // namespace iv::analysis
