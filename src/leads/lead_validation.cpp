#include "leads/lead_validation.h"

#include <algorithm>
#include <utility>

namespace iv::leads {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_non_ascii(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

// RFC 5322 atext: the characters of a dot-atom besides the dots.
bool is_atext(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return is_alpha(c) || is_digit(c) || kSpecials.find(c) != std::string_view::npos || is_non_ascii(c);
}

std::string replace_line_ends(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// The field's value by name, for the generic checks.
std::string missing_message(std::string_view field) {
  if (field == "name") return "Enter your name.";
  if (field == "email") return "Enter your email address.";
  if (field == "company") return "Enter your company or organisation.";
  if (field == "message") return "Tell us how we can help.";
  return "Fill in this field.";
}

bool is_upload_reference(std::string_view text) {
  return text.size() >= 8 && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
         });
}

// Checks one text-like field; returns the message of its first problem.
std::optional<std::string> text_problem(const FieldRule& rule, const std::string& value) {
  if (!is_valid_utf8(value)) return "This text has characters that could not be read. Please type it again.";
  const bool multiline = rule.type == FieldType::multiline;
  if (has_control_characters(value, multiline)) {
    if (!multiline && value.find('\n') != std::string::npos) return "Use a single line.";
    return "Remove special control characters (such as tabs) from this field.";
  }
  if (value.empty()) {
    if (rule.required) return missing_message(rule.name);
    return std::nullopt;
  }
  const std::size_t length = character_count(value);
  switch (rule.type) {
    case FieldType::email:
      if (value.size() > rule.max_length) return "Use an address of at most 254 characters.";
      if (!is_valid_email(value)) return "Enter an email address like name@company.com.";
      return std::nullopt;
    case FieldType::phone:
      if (!is_valid_phone(value)) {
        return "Enter a phone number of 7 to 15 digits, with the country code, for example +44 20 7946 0000.";
      }
      return std::nullopt;
    case FieldType::choice:
      if (std::none_of(rule.choices.begin(), rule.choices.end(),
                       [&](const Choice& c) { return c.value == value; })) {
        return "Choose one of the listed options.";
      }
      return std::nullopt;
    case FieldType::reference:
      if (!is_upload_reference(value)) return "This upload reference is not valid. Upload the file again.";
      return std::nullopt;
    default:
      break;
  }
  if (length < rule.min_length) {
    return "Enter at least " + plural(rule.min_length, "character") + " (you entered " +
           std::to_string(length) + ").";
  }
  if (rule.max_length > 0 && length > rule.max_length) {
    return "Use at most " + plural(rule.max_length, "character") + " (you entered " + std::to_string(length) +
           ").";
  }
  return std::nullopt;
}

void normalise(LeadFields& fields) {
  for (const auto name : text_field_names()) {
    std::string* value = text_field(fields, name);
    std::string trimmed(trim(*value));
    *value = name == "message" ? replace_line_ends(trimmed) : std::move(trimmed);
  }
  if (is_valid_utf8(fields.email)) fields.email = normalise_email(fields.email);
  std::vector<std::string> services;
  for (auto& slug : fields.services) {
    std::string trimmed(trim(slug));
    if (!trimmed.empty() && std::find(services.begin(), services.end(), trimmed) == services.end()) {
      services.push_back(std::move(trimmed));
    }
  }
  fields.services = std::move(services);
}

}  // namespace

std::string_view trim(std::string_view text) {
  for (;;) {
    if (!text.empty() && is_ascii_space(text.front())) {
      text.remove_prefix(1);
    } else if (text.starts_with("\xC2\xA0")) {
      text.remove_prefix(2);
    } else {
      break;
    }
  }
  for (;;) {
    if (!text.empty() && is_ascii_space(text.back())) {
      text.remove_suffix(1);
    } else if (text.ends_with("\xC2\xA0")) {
      text.remove_suffix(2);
    } else {
      break;
    }
  }
  return text;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
    if (overlong || surrogate || code > 0x10FFFF) return false;
    i += length;
  }
  return true;
}

std::size_t character_count(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_control_characters(std::string_view text, bool allow_newlines) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && allow_newlines) continue;
    if (c < 0x20 || c == 0x7F) return true;
    // C1 controls U+0080..U+009F are encoded C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

bool is_valid_email(std::string_view address) {
  if (address.empty() || address.size() > 254 || !is_valid_utf8(address)) return false;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.size() > 64 || domain.size() > 253) return false;
  // Local part: a dot-atom.
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  if (!std::all_of(local.begin(), local.end(), [](char c) { return c == '.' || is_atext(c); })) return false;
  // Domain: two or more labels; the last one is not all digits (no bare IP addresses).
  std::size_t labels = 0;
  std::string_view last_label;
  std::size_t start = 0;
  while (start <= domain.size()) {
    const std::size_t dot = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    const bool label_ok = std::all_of(label.begin(), label.end(), [](char c) {
      return is_alpha(c) || is_digit(c) || c == '-' || is_non_ascii(c);
    });
    if (!label_ok) return false;
    ++labels;
    last_label = label;
    start = dot + 1;
  }
  if (labels < 2) return false;
  return !std::all_of(last_label.begin(), last_label.end(), is_digit);
}

bool is_valid_phone(std::string_view phone) {
  if (phone.size() < 7 || phone.size() > 20) return false;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (is_digit(c)) {
      ++digits;
    } else if (c == '+') {
      if (i != 0) return false;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  return digits >= 7 && digits <= 15;
}

std::string normalise_email(std::string_view address) {
  std::string out(address);
  const std::size_t at = out.rfind('@');
  if (at == std::string::npos) return out;
  for (std::size_t i = at + 1; i < out.size(); ++i) {
    if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<char>(out[i] - 'A' + 'a');
  }
  return out;
}

std::vector<FieldError> normalise_and_validate(LeadKind kind, LeadFields& fields,
                                               const std::vector<std::string>& known_services) {
  normalise(fields);
  std::vector<FieldError> errors;
  for (const FieldRule& rule : field_rules(kind)) {
    if (rule.type == FieldType::consent) {
      if (!fields.consent) {
        errors.push_back(
            {"consent", "Please agree to the privacy policy so that we may answer your request."});
      }
      continue;
    }
    if (rule.type == FieldType::services) {
      const bool unknown =
          std::any_of(fields.services.begin(), fields.services.end(), [&](const std::string& s) {
            return std::find(known_services.begin(), known_services.end(), s) == known_services.end();
          });
      if (unknown) errors.push_back({"services", "Choose services from the list."});
      continue;
    }
    if (auto problem = text_problem(rule, *text_field(fields, rule.name))) {
      errors.push_back({std::string(rule.name), std::move(*problem)});
    }
  }
  // Fields that belong to another kind of request.
  const std::string not_taken = "A " + std::string(kind_name(kind)) + " request does not take this field.";
  for (const auto name : text_field_names()) {
    if (!field_rule(kind, name) && !text_field(fields, name)->empty())
      errors.push_back({std::string(name), not_taken});
  }
  if (!field_rule(kind, "services") && !fields.services.empty()) errors.push_back({"services", not_taken});
  return errors;
}

}  // namespace iv::leads
