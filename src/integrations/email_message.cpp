// render_rfc5322: the text of an e-mail (RFC 5322 + MIME, RFC 2045-2047).
//
// Header injection is impossible by construction: every value that reaches
// a header first loses its control characters (CR and LF included, each run
// becoming one space), and header lines are only ever ended here. Display
// names and texts that are not plain ASCII become RFC 2047 encoded-words
// (base64, UTF-8), long headers are folded at 78 columns, and bodies are
// quoted-printable with lines of at most 76 characters.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "integrations/mailer.h"

namespace iv::integrations {
namespace {

constexpr std::size_t kFoldColumn = 78;
constexpr std::size_t kMaxQuotedPrintableLine = 76;  // including the soft break's '='
// 39 bytes → 52 base64 characters → encoded-words of 64 characters (limit 75).
constexpr std::size_t kEncodedWordBytes = 39;
constexpr std::size_t kMaxDisplayName = 200;
// Never "=XX" nor a soft break, so no quoted-printable line can contain it.
constexpr std::string_view kBoundary = "=_indivillage_alternative_0";

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

bool is_ascii(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Control characters (CR, LF, NUL, TAB, ...) out, each run replaced by one
// space; no leading or trailing spaces.
std::string single_line(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (const char c : text) {
    if (is_control(static_cast<unsigned char>(c)) || c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// Cuts at most `max_bytes` from the front of `text` without splitting a UTF-8 sequence.
std::size_t utf8_prefix_length(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut == 0 ? max_bytes : cut;  // not UTF-8 at all: cut anywhere
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// "=?UTF-8?B?...?=" words covering `text`; decoders join adjacent words
// without the whitespace between them, so the text comes back unchanged.
std::vector<std::string> encoded_words(std::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    const std::size_t n = utf8_prefix_length(text, kEncodedWordBytes);
    words.push_back("=?UTF-8?B?" + base64(text.substr(0, n)) + "?=");
    text.remove_prefix(n);
  }
  return words;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) words.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// Words of an unstructured header value (Subject, X-...): plain when that is
// unambiguous and foldable, otherwise encoded-words.
std::vector<std::string> unstructured_words(std::string_view raw) {
  const std::string text = single_line(raw);
  std::vector<std::string> words = split_words(text);
  const bool plain =
      is_ascii(text) && text.find("=?") == std::string::npos &&
      std::ranges::all_of(words, [](const std::string& w) { return w.size() <= kFoldColumn - 2; });
  return plain ? words : encoded_words(text);
}

bool is_atext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// A display name as RFC 5322 phrase words: atoms, one quoted-string, or encoded-words.
std::vector<std::string> phrase_words(std::string_view raw) {
  std::string name = single_line(raw);
  name.resize(utf8_prefix_length(name, kMaxDisplayName));
  if (!is_ascii(name) || name.find("=?") != std::string::npos) return encoded_words(name);
  if (std::ranges::all_of(name, [](char c) { return c == ' ' || is_atext(c); })) return split_words(name);
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return {quoted + "\""};
}

// The addr-spec with everything that could end it or the header removed.
std::string clean_address(std::string_view raw) {
  std::string out;
  for (const char c : raw) {
    if (is_control(static_cast<unsigned char>(c)) ||
        std::string_view(" <>,;\"()\\").find(c) != std::string_view::npos) {
      continue;
    }
    out += c;
  }
  return out;
}

std::vector<std::string> address_list_words(const std::vector<EmailAddress>& addresses) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const std::string address = clean_address(addresses[i].address);
    std::vector<std::string> name = phrase_words(addresses[i].name);
    if (name.empty()) {
      words.push_back(address);
    } else {
      words.insert(words.end(), name.begin(), name.end());
      words.push_back("<" + address + ">");
    }
    if (i + 1 < addresses.size()) words.back() += ',';
  }
  return words;
}

// "Name: w1 w2 ..." folded before a word that would pass column 78 (a word
// never splits; the first one always stays on the name's line).
void append_header(std::string& out, std::string_view name, const std::vector<std::string>& words) {
  std::string line(name);
  line += ':';
  bool line_has_word = false;
  for (const std::string& word : words) {
    if (line_has_word && line.size() + 1 + word.size() > kFoldColumn) {
      out += line;
      out += "\r\n";
      line.clear();
    }
    line += ' ';
    line += word;
    line_has_word = true;
  }
  out += line;
  out += "\r\n";
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Extra headers may add information, never replace or smuggle the ones we write.
bool is_allowed_extra_header(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const bool token = std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!token) return false;
  std::string lower(name);
  std::ranges::transform(lower, lower.begin(), ascii_lower);
  static constexpr std::array<std::string_view, 14> kReserved = {
      "from",       "to",           "cc",     "bcc",         "reply-to", "subject",     "date",
      "message-id", "mime-version", "sender", "return-path", "received", "in-reply-to", "references"};
  if (std::ranges::find(kReserved, std::string_view(lower)) != kReserved.end()) return false;
  return !lower.starts_with("content-") && !lower.starts_with("resent-");
}

// One quoted-printable output line in the making, with soft breaks at 76 columns.
class QuotedPrintableWriter {
 public:
  explicit QuotedPrintableWriter(std::string& out) : out_(out) {}

  void put(unsigned char byte, bool last_in_line) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const bool literal =
        (byte >= 33 && byte <= 126 && byte != '=') || ((byte == ' ' || byte == '\t') && !last_in_line);
    std::string token = literal ? std::string(1, static_cast<char>(byte))
                                : std::string{'=', kHex[byte >> 4], kHex[byte & 0x0F]};
    if (line_.size() + token.size() > kMaxQuotedPrintableLine - 1) {
      out_ += line_;
      out_ += "=\r\n";
      line_.clear();
    }
    // A line that starts with "." is mangled by careless relays: encode it.
    if (line_.empty() && token == ".") token = "=2E";
    line_ += token;
  }

  // Ends the line with a hard line break (CRLF) or, for the text's last
  // line without one, with nothing.
  void end_line(bool hard_break) {
    out_ += line_;
    if (hard_break) out_ += "\r\n";
    line_.clear();
  }

 private:
  std::string& out_;
  std::string line_;
};

// `text` in quoted-printable with CRLF hard line breaks (LF, CR and CRLF in
// the input all count as one); it ends in CRLF only if `text` ends in a break.
std::string quoted_printable(std::string_view text) {
  std::string out;
  QuotedPrintableWriter writer(out);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size() && text[end] != '\r' && text[end] != '\n') ++end;
    for (std::size_t j = i; j < end; ++j) writer.put(static_cast<unsigned char>(text[j]), j + 1 == end);
    writer.end_line(end < text.size());
    i = end;
    if (i < text.size() && text[i] == '\r') {
      ++i;
      if (i < text.size() && text[i] == '\n') ++i;
    } else if (i < text.size()) {
      ++i;  // a lone LF
    }
  }
  return out;
}

// A MIME entity: its headers, a blank line, the encoded text (no final CRLF
// added: in a multipart body the CRLF before the next boundary belongs to
// the boundary, so adding one here would add a line to the text).
void append_text_entity(std::string& out, std::string_view subtype, std::string_view text) {
  out += "Content-Type: text/";
  out += subtype;
  out += "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += quoted_printable(text);
}

void append_boundary(std::string& out, bool last) {
  out += "\r\n--";
  out += kBoundary;
  out += last ? "--\r\n" : "\r\n";
}

}  // namespace

std::string render_rfc5322(const EmailMessage& message, const std::string& date_header) {
  std::string out;
  append_header(out, "Date", split_words(single_line(date_header)));
  append_header(out, "From", address_list_words({message.from}));
  append_header(out, "To", address_list_words(message.to));
  if (!message.reply_to.empty()) append_header(out, "Reply-To", address_list_words(message.reply_to));
  append_header(out, "Subject", unstructured_words(message.subject));
  if (const std::string id = clean_address(message.message_id); !id.empty()) {
    append_header(out, "Message-ID", {"<" + id + ">"});
  }
  for (const auto& [name, value] : message.extra_headers) {
    if (is_allowed_extra_header(name)) append_header(out, name, unstructured_words(value));
  }
  out += "MIME-Version: 1.0\r\n";
  if (message.html_body.empty()) {
    append_text_entity(out, "plain", message.text_body);
    if (!out.ends_with("\r\n")) out += "\r\n";  // the message itself ends with a line break
    return out;
  }
  out += "Content-Type: multipart/alternative; boundary=\"";
  out += kBoundary;
  out += "\"\r\n\r\n--";
  out += kBoundary;
  out += "\r\n";
  append_text_entity(out, "plain", message.text_body);
  append_boundary(out, false);
  append_text_entity(out, "html", message.html_body);
  append_boundary(out, true);
  return out;
}

}  // namespace iv::integrations
