#include "datasets/file_names.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

namespace iv::datasets {
namespace {

// Length of the valid UTF-8 sequence at the front of `text` and its code point; 0 when invalid.
std::size_t utf8_sequence(std::string_view text, char32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i) & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  code_point = value;
  return length;
}

bool is_invisible_control(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) ||  // C0, DEL, C1
         (c >= 0x202A && c <= 0x202E) ||                      // bidi embeddings and overrides
         (c >= 0x2066 && c <= 0x2069) ||                      // bidi isolates
         c == 0x200E || c == 0x200F || c == 0x061C ||         // directional marks
         c == 0xFEFF || (c >= 0x200B && c <= 0x200D);         // zero-width characters
}

bool is_reserved_device_name(std::string_view stem) {
  std::string upper;
  for (const char c : stem) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  static constexpr std::array<std::string_view, 4> kPlain{"CON", "PRN", "AUX", "NUL"};
  if (std::ranges::find(kPlain, upper) != kPlain.end()) return true;
  return upper.size() == 4 && (upper.starts_with("COM") || upper.starts_with("LPT")) && upper[3] >= '1' &&
         upper[3] <= '9';
}

void trim_spaces_and_dots(std::string& text) {
  const auto junk = [](char c) { return c == ' ' || c == '.'; };
  while (!text.empty() && junk(text.back())) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && junk(text[start])) ++start;
  text.erase(0, start);
}

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
void truncate_utf8(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

}  // namespace

std::string sanitize_file_name(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);

  std::string clean;
  while (!name.empty()) {
    char32_t c = 0;
    const std::size_t length = utf8_sequence(name, c);
    if (length == 0) {  // invalid byte: dropped
      name.remove_prefix(1);
      continue;
    }
    if (!is_invisible_control(c)) {
      if (c < 0x80 && std::string_view("<>:\"|?*").find(static_cast<char>(c)) != std::string_view::npos) {
        clean.push_back('_');
      } else {
        clean.append(name.substr(0, length));
      }
    }
    name.remove_prefix(length);
  }
  // Trailing dots and spaces vanish on Windows; leading ones are trimmed from
  // the stem only, so ".csv" keeps its extension.
  while (!clean.empty() && (clean.back() == ' ' || clean.back() == '.')) clean.pop_back();

  const std::size_t dot = clean.rfind('.');
  std::string stem = dot == std::string::npos ? clean : clean.substr(0, dot);
  std::string extension = dot == std::string::npos ? std::string() : clean.substr(dot);  // with the dot
  truncate_utf8(extension, 16);
  trim_spaces_and_dots(stem);
  if (stem.empty()) stem = "upload";
  if (is_reserved_device_name(stem.substr(0, stem.find('.')))) stem.insert(0, "_");
  truncate_utf8(stem, kMaxFileNameBytes - extension.size());
  return stem + extension;
}

std::string file_extension(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find_first_of("/\\", dot) != std::string_view::npos) return {};
  std::string extension(name.substr(dot + 1));
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

}  // namespace iv::datasets
