#include "analysis/encoding.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace iv::analysis {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence at `p`: > 0 when valid, 0 when invalid,
// -1 when it is a valid prefix cut by `end`.
int sequence_length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  int length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;   // no overlong forms
    if (c == 0xED) high = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (p + i >= end) return -1;
    unsigned char next = p[i];
    if (i == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) return 0;
  }
  return length;
}

// Skips ASCII eight bytes at a time; returns the first non-ASCII position.
const unsigned char* skip_ascii(const unsigned char* p, const unsigned char* end) {
  while (end - p >= 32) {
    std::uint64_t words[4];
    std::memcpy(words, p, 32);
    if ((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080ull) break;
    p += 32;
  }
  while (end - p >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ull) break;
    p += 8;
  }
  while (p < end && *p < 0x80) ++p;
  return p;
}

void append_code_point(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Windows-1252's printable characters in 0x80..0x9F (what "Latin-1" files
// from spreadsheets really contain); 0 marks the five undefined bytes.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

struct Utf8Scan {
  std::size_t invalid = 0;
  std::size_t multibyte = 0;
};

Utf8Scan scan_utf8(std::string_view text) {
  Utf8Scan scan;
  auto p = reinterpret_cast<const unsigned char*>(text.data());
  auto end = p + text.size();
  while (p < end) {
    p = skip_ascii(p, end);
    if (p >= end) break;
    int n = sequence_length(p, end);
    if (n < 0) break;  // cut by the end of the head
    if (n == 0) {
      ++scan.invalid;
      ++p;
    } else {
      ++scan.multibyte;
      p += n;
    }
  }
  return scan;
}

}  // namespace

std::string_view encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::utf8:
      return "utf-8";
    case Encoding::utf8_bom:
      return "utf-8-bom";
    case Encoding::utf16le:
      return "utf-16le";
    case Encoding::utf16be:
      return "utf-16be";
    case Encoding::latin1:
      return "latin-1";
  }
  return "utf-8";
}

Encoding detect_encoding(std::string_view head) {
  if (head.starts_with("\xEF\xBB\xBF")) return Encoding::utf8_bom;
  if (head.starts_with("\xFF\xFE")) return Encoding::utf16le;
  if (head.starts_with("\xFE\xFF")) return Encoding::utf16be;
  // UTF-16 without a BOM: ASCII-range text has a NUL in every other byte.
  std::size_t pairs = std::min<std::size_t>(head.size() / 2, 4096);
  if (pairs >= 2) {
    std::size_t even_nuls = 0, odd_nuls = 0;
    for (std::size_t i = 0; i < pairs; ++i) {
      even_nuls += head[2 * i] == '\0';
      odd_nuls += head[2 * i + 1] == '\0';
    }
    if (odd_nuls * 10 >= pairs * 4 && even_nuls * 10 < pairs) return Encoding::utf16le;
    if (even_nuls * 10 >= pairs * 4 && odd_nuls * 10 < pairs) return Encoding::utf16be;
  }
  Utf8Scan scan = scan_utf8(head);
  if (scan.invalid == 0) return Encoding::utf8;
  // Real multi-byte characters with a few broken ones: UTF-8 to be repaired.
  // Broken bytes and no multi-byte characters: a single-byte code page.
  if (scan.multibyte > scan.invalid * 4) return Encoding::utf8;
  return Encoding::latin1;
}

std::size_t bom_length(Encoding encoding, std::string_view head) {
  switch (encoding) {
    case Encoding::utf8_bom:
      return head.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    case Encoding::utf16le:
      return head.starts_with("\xFF\xFE") ? 2 : 0;
    case Encoding::utf16be:
      return head.starts_with("\xFE\xFF") ? 2 : 0;
    default:
      return 0;
  }
}

bool is_valid_utf8(std::string_view text, bool allow_truncated_tail) {
  auto p = reinterpret_cast<const unsigned char*>(text.data());
  auto end = p + text.size();
  while (p < end) {
    p = skip_ascii(p, end);
    if (p >= end) break;
    int n = sequence_length(p, end);
    if (n == 0) return false;
    if (n < 0) return allow_truncated_tail;
    p += n;
  }
  return true;
}

std::size_t append_repaired_utf8(std::string_view text, std::string& out) {
  std::size_t replaced = 0;
  auto begin = reinterpret_cast<const unsigned char*>(text.data());
  auto p = begin;
  auto end = p + text.size();
  while (p < end) {
    auto run = skip_ascii(p, end);
    while (run < end) {
      int n = sequence_length(run, end);
      if (n <= 0) break;
      run += n;
      run = skip_ascii(run, end);
    }
    out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(run - p));
    p = run;
    if (p < end) {
      out.append(kReplacement);
      ++replaced;
      ++p;
    }
  }
  return replaced;
}

void TextDecoder::decode(std::string_view input, bool last, std::string& out) {
  switch (encoding_) {
    case Encoding::utf8:
    case Encoding::utf8_bom:
      decode_utf8(input, last, out);
      break;
    case Encoding::utf16le:
    case Encoding::utf16be:
      decode_utf16(input, last, out);
      break;
    case Encoding::latin1:
      decode_latin1(input, out);
      break;
  }
}

void TextDecoder::decode_utf8(std::string_view input, bool last, std::string& out) {
  std::string joined;
  if (!carry_.empty()) {
    joined = std::move(carry_);
    joined.append(input);
    carry_.clear();
    input = joined;
  }
  // Keep a sequence cut by the chunk's end for the next call.
  std::size_t keep = 0;
  if (!last) {
    std::size_t start = input.size() >= 3 ? input.size() - 3 : 0;
    for (std::size_t i = input.size(); i-- > start;) {
      auto c = static_cast<unsigned char>(input[i]);
      if (c < 0x80) break;
      if (c >= 0xC0) {
        auto p = reinterpret_cast<const unsigned char*>(input.data()) + i;
        if (sequence_length(p, reinterpret_cast<const unsigned char*>(input.data()) + input.size()) < 0)
          keep = input.size() - i;
        break;
      }
    }
  }
  carry_.assign(input.substr(input.size() - keep));
  replacements_ += append_repaired_utf8(input.substr(0, input.size() - keep), out);
}

void TextDecoder::decode_utf16(std::string_view input, bool last, std::string& out) {
  std::string joined;
  if (!carry_.empty()) {
    joined = std::move(carry_);
    joined.append(input);
    carry_.clear();
    input = joined;
  }
  bool little = encoding_ == Encoding::utf16le;
  std::size_t i = 0;
  for (; i + 1 < input.size(); i += 2) {
    auto b0 = static_cast<unsigned char>(input[i]), b1 = static_cast<unsigned char>(input[i + 1]);
    std::uint32_t unit = little ? (b0 | (b1 << 8)) : ((b0 << 8) | b1);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (high_surrogate_) {
        out.append(kReplacement);
        ++replacements_;
      }
      high_surrogate_ = unit;
      continue;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      if (high_surrogate_) {
        append_code_point(0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unit - 0xDC00), out);
        high_surrogate_ = 0;
      } else {
        out.append(kReplacement);
        ++replacements_;
      }
      continue;
    }
    if (high_surrogate_) {
      out.append(kReplacement);
      ++replacements_;
      high_surrogate_ = 0;
    }
    append_code_point(unit, out);
  }
  if (i < input.size()) carry_.assign(input.substr(i));
  if (last && (!carry_.empty() || high_surrogate_)) {
    out.append(kReplacement);
    ++replacements_;
    carry_.clear();
    high_surrogate_ = 0;
  }
}

void TextDecoder::decode_latin1(std::string_view input, std::string& out) {
  for (char ch : input) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else if (c < 0xA0) {
      std::uint16_t cp = kCp1252High[c - 0x80];
      if (cp == 0) {
        out.append(kReplacement);
        ++replacements_;
      } else {
        append_code_point(cp, out);
      }
    } else {
      append_code_point(c, out);
    }
  }
}

std::expected<TextSource, ReadError> TextSource::open(const std::filesystem::path& path, Encoding encoding,
                                                      std::uint64_t start_offset) {
  auto bytes = ByteSource::open(path);
  if (!bytes) return std::unexpected(bytes.error());
  if (start_offset == 0) {
    char bom[3];
    auto n = bytes->read(bom, sizeof bom);
    if (!n) return std::unexpected(n.error());
    start_offset = bom_length(encoding, std::string_view(bom, *n));
  }
  if (auto seek = bytes->seek(start_offset); !seek) return std::unexpected(seek.error());
  return TextSource(std::move(*bytes), encoding);
}

std::expected<std::size_t, ReadError> TextSource::read(char* out, std::size_t capacity) {
  Encoding encoding = decoder_.encoding();
  bool utf8 = encoding == Encoding::utf8 || encoding == Encoding::utf8_bom;
  if (utf8 && direct_ && pending_offset_ >= pending_.size()) return read_utf8_direct(out, capacity);
  while (pending_offset_ >= pending_.size()) {
    if (eof_) return 0;
    pending_.clear();
    pending_offset_ = 0;
    raw_.resize(kReadChunkBytes);
    auto n = bytes_.read(raw_.data(), raw_.size());
    if (!n) return std::unexpected(n.error());
    eof_ = *n == 0;
    decoder_.decode(std::string_view(raw_.data(), *n), eof_, pending_);
  }
  // Hand out whole UTF-8 sequences only.
  std::size_t available = pending_.size() - pending_offset_;
  std::size_t take = std::min(available, capacity);
  if (take < available) {
    while (take > 0 && (static_cast<unsigned char>(pending_[pending_offset_ + take]) & 0xC0) == 0x80) --take;
  }
  std::memcpy(out, pending_.data() + pending_offset_, take);
  pending_offset_ += take;
  return take;
}

std::expected<std::size_t, ReadError> TextSource::read_utf8_direct(char* out, std::size_t capacity) {
  if (eof_ && utf8_tail_.empty()) return 0;
  std::size_t have = utf8_tail_.size();
  std::memcpy(out, utf8_tail_.data(), have);
  utf8_tail_.clear();
  std::size_t want = std::min(capacity, kReadChunkBytes) - have;
  std::size_t got = 0;
  if (!eof_) {
    auto n = bytes_.read(out + have, want);
    if (!n) return std::unexpected(n.error());
    got = *n;
    eof_ = got < want;
  }
  std::string_view text(out, have + got);
  if (is_valid_utf8(text, !eof_)) {
    // Hold back a sequence cut by the end of the read.
    std::size_t cut = text.size();
    std::size_t floor = cut >= 3 ? cut - 3 : 0;
    for (std::size_t i = cut; i-- > floor;) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) break;
      if (c >= 0xC0) {
        if (!is_valid_utf8(text.substr(i), false)) cut = i;
        break;
      }
    }
    utf8_tail_.assign(text.substr(cut));
    if (cut == 0 && !eof_) return read_utf8_direct(out, capacity);
    return cut;
  }
  // Broken bytes: from now on everything goes through the decoder.
  direct_ = false;
  pending_.clear();
  pending_offset_ = 0;
  decoder_.decode(text, eof_, pending_);
  return read(out, capacity);
}

std::string replacement_warning(std::uint64_t count) {
  return std::to_string(count) +
         (count == 1 ? " invalid byte sequence was" : " invalid byte sequences were") +
         " replaced with the replacement character (U+FFFD).";
}

}  // namespace iv::analysis
