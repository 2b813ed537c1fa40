// render_rfc5322: headers, MIME structure, encodings, and header injection.
// The tests decode what was rendered with their own small decoders, so they
// check the bytes a mail reader would see, not our encoder against itself.
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "integrations/mailer.h"

namespace iv::integrations {
namespace {

const std::string kDate = "Tue, 01 Jan 2030 00:00:00 +0000";

struct ParsedMail {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, in order
  std::vector<std::string> raw_header_lines;
  std::string body;

  std::vector<std::string> values(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      if (lower(n) == lower(std::string(name))) out.push_back(v);
    }
    return out;
  }
  std::string value(std::string_view name) const {
    const auto all = values(name);
    return all.size() == 1 ? all[0] : "<" + std::to_string(all.size()) + " headers>";
  }
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
};

std::vector<std::string> split_crlf_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

ParsedMail parse(const std::string& mail) {
  ParsedMail parsed;
  const std::size_t blank = mail.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos);
  parsed.raw_header_lines = split_crlf_lines(std::string_view(mail).substr(0, blank + 2));
  parsed.body = mail.substr(blank + 4);
  for (const std::string& line : parsed.raw_header_lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      EXPECT_FALSE(parsed.headers.empty()) << "continuation before any header";
      if (!parsed.headers.empty()) parsed.headers.back().second += line;  // unfold: drop the CRLF only
      continue;
    }
    const std::size_t colon = line.find(':');
    EXPECT_NE(colon, std::string::npos) << "header line without a colon: " << line;
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    parsed.headers.emplace_back(line.substr(0, colon), value);
  }
  return parsed;
}

std::string base64_decode(std::string_view text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    const std::size_t index = kAlphabet.find(c);
    EXPECT_NE(index, std::string::npos) << "not base64: " << c;
    buffer = (buffer << 6) | static_cast<unsigned>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// Decodes RFC 2047 "=?UTF-8?B?...?=" words; whitespace between two encoded words disappears.
std::string decode_words(std::string_view value) {
  std::string out;
  std::string pending_space;
  bool previous_was_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value.substr(i).starts_with("=?UTF-8?B?")) {
      const std::size_t end = value.find("?=", i + 10);
      EXPECT_NE(end, std::string_view::npos);
      if (!previous_was_word) out += pending_space;
      pending_space.clear();
      out += base64_decode(value.substr(i + 10, end - i - 10));
      previous_was_word = true;
      i = end + 2;
    } else if (value[i] == ' ' || value[i] == '\t') {
      pending_space += value[i++];
    } else {
      out += pending_space;
      pending_space.clear();
      out += value[i++];
      previous_was_word = false;
    }
  }
  return out + pending_space;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  ADD_FAILURE() << "not an upper-case hex digit: " << c;
  return 0;
}

// Decodes quoted-printable; a final line without CRLF stays without one.
std::string quoted_printable_decode(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    const bool hard_break_follows = end != std::string_view::npos;
    if (!hard_break_follows) end = text.size();
    std::string_view line = text.substr(start, end - start);
    const bool soft_break = line.ends_with('=');
    if (soft_break) line.remove_suffix(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '=') {
        out += line[i];
        continue;
      }
      EXPECT_LT(i + 2, line.size()) << "truncated escape";
      if (i + 2 >= line.size()) break;
      out += static_cast<char>(hex_value(line[i + 1]) * 16 + hex_value(line[i + 2]));
      i += 2;
    }
    if (hard_break_follows && !soft_break) out += "\r\n";
    start = end + 2;
  }
  return out;
}

// The parts of a multipart body, each split into its own headers and body.
std::vector<ParsedMail> parts_of(const ParsedMail& mail) {
  const std::string type = mail.value("Content-Type");
  const std::size_t at = type.find("boundary=\"");
  EXPECT_NE(at, std::string::npos) << type;
  const std::string boundary = type.substr(at + 10, type.find('"', at + 10) - at - 10);
  std::vector<ParsedMail> parts;
  const std::string delimiter = "--" + boundary;
  std::size_t start = mail.body.find(delimiter + "\r\n");
  EXPECT_NE(start, std::string::npos);
  while (start != std::string::npos) {
    start += delimiter.size() + 2;
    std::size_t end = mail.body.find("\r\n" + delimiter, start);
    EXPECT_NE(end, std::string::npos);
    parts.push_back(parse(mail.body.substr(start, end - start)));  // that CRLF belongs to the delimiter
    if (mail.body.compare(end + 2 + delimiter.size(), 2, "--") == 0) break;
    start = end + 2;
  }
  return parts;
}

EmailMessage sample() {
  EmailMessage m;
  m.from = {"IndiVillage", "noreply@indivillage.com"};
  m.to = {{"Sales Team", "sales@indivillage.com"}, {"", "ops@indivillage.com"}};
  m.reply_to = {{"Ada Lovelace", "ada@example.com"}};
  m.subject = "New contact request";
  m.text_body = "Hello,\nA new lead arrived.\n";
  m.html_body = "<p>Hello,</p>\n<p>A new lead arrived.</p>\n";
  m.message_id = "<lead-42.sales@indivillage.com>";
  m.extra_headers = {{"X-IndiVillage-Lead", "42"}};
  return m;
}

TEST(EmailMessage, RendersTheHeadersOfTheMessage) {
  const ParsedMail mail = parse(render_rfc5322(sample(), kDate));
  EXPECT_EQ(mail.value("Date"), kDate);
  EXPECT_EQ(mail.value("From"), "IndiVillage <noreply@indivillage.com>");
  EXPECT_EQ(mail.value("To"), "Sales Team <sales@indivillage.com>, ops@indivillage.com");
  EXPECT_EQ(mail.value("Reply-To"), "Ada Lovelace <ada@example.com>");
  EXPECT_EQ(mail.value("Subject"), "New contact request");
  EXPECT_EQ(mail.value("Message-ID"), "<lead-42.sales@indivillage.com>");
  EXPECT_EQ(mail.value("MIME-Version"), "1.0");
  EXPECT_EQ(mail.value("X-IndiVillage-Lead"), "42");
  EXPECT_TRUE(mail.value("Content-Type").starts_with("multipart/alternative; boundary=\""));
  EXPECT_EQ(mail.headers.size(), 9u);
}

TEST(EmailMessage, EveryLineEndsInCrlf) {
  const std::string text = render_rfc5322(sample(), kDate);
  ASSERT_TRUE(text.ends_with("\r\n"));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      EXPECT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
    if (text[i] == '\r') {
      EXPECT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "bare CR at " << i;
    }
  }
}

TEST(EmailMessage, OmitsReplyToAndMessageIdWhenEmpty) {
  EmailMessage m = sample();
  m.reply_to.clear();
  m.message_id.clear();
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  EXPECT_TRUE(mail.values("Reply-To").empty());
  EXPECT_TRUE(mail.values("Message-ID").empty());
}

TEST(EmailMessage, BracketsAMessageIdGivenWithoutThem) {
  EmailMessage m = sample();
  m.message_id = "lead-42@indivillage.com";
  EXPECT_EQ(parse(render_rfc5322(m, kDate)).value("Message-ID"), "<lead-42@indivillage.com>");
}

TEST(EmailMessage, TextOnlyMessageIsASingleQuotedPrintablePart) {
  EmailMessage m = sample();
  m.html_body.clear();
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  EXPECT_EQ(mail.value("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(mail.value("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(quoted_printable_decode(mail.body), "Hello,\r\nA new lead arrived.\r\n");
}

TEST(EmailMessage, MultipartCarriesTextThenHtml) {
  const ParsedMail mail = parse(render_rfc5322(sample(), kDate));
  const std::vector<ParsedMail> parts = parts_of(mail);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].value("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(parts[0].value("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(quoted_printable_decode(parts[0].body), "Hello,\r\nA new lead arrived.\r\n");
  EXPECT_EQ(parts[1].value("Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(quoted_printable_decode(parts[1].body), "<p>Hello,</p>\r\n<p>A new lead arrived.</p>\r\n");
  EXPECT_TRUE(mail.body.ends_with("--\r\n"));
}

TEST(EmailMessage, Utf8SubjectBecomesShortEncodedWords) {
  EmailMessage m = sample();
  std::string subject;
  while (subject.size() < 300) subject += "Angebot für Zoë — ✓ 日本語 ";
  subject.pop_back();
  m.subject = subject;
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  EXPECT_EQ(decode_words(mail.value("Subject")), subject);
  for (const std::string& line : mail.raw_header_lines) {
    EXPECT_LE(line.size(), 78u) << line;
    for (unsigned char c : line) EXPECT_LT(c, 0x80) << "raw 8-bit byte in a header";
  }
}

TEST(EmailMessage, Utf8DisplayNameIsEncodedAndTheAddressStaysReadable) {
  EmailMessage m = sample();
  m.to = {{"Zoë Müller", "zoe@example.com"}};
  const std::string to = parse(render_rfc5322(m, kDate)).value("To");
  EXPECT_TRUE(to.starts_with("=?UTF-8?B?")) << to;
  EXPECT_TRUE(to.ends_with(" <zoe@example.com>")) << to;
  EXPECT_EQ(decode_words(to), "Zoë Müller <zoe@example.com>");
}

TEST(EmailMessage, NameWithSpecialsIsQuoted) {
  EmailMessage m = sample();
  m.reply_to = {{"O\"Brien, Pat (ACME)", "pat@example.com"}};
  EXPECT_EQ(parse(render_rfc5322(m, kDate)).value("Reply-To"),
            "\"O\\\"Brien, Pat (ACME)\" <pat@example.com>");
}

TEST(EmailMessage, LongAsciiSubjectFoldsAtSpaces) {
  EmailMessage m = sample();
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += "word" + std::to_string(i) + " ";
  subject.pop_back();
  m.subject = subject;
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  EXPECT_EQ(mail.value("Subject"), subject);  // unfolding gives the text back
  int subject_lines = 0;
  for (const std::string& line : mail.raw_header_lines) {
    EXPECT_LE(line.size(), 78u);
    if (line.starts_with("Subject:") || (subject_lines > 0 && line.starts_with(" "))) ++subject_lines;
  }
  EXPECT_GT(subject_lines, 1);
}

TEST(EmailMessage, SubjectThatLooksEncodedIsEncodedItself) {
  EmailMessage m = sample();
  m.subject = "=?UTF-8?B?SGFja2Vk?= hello";
  const std::string subject = parse(render_rfc5322(m, kDate)).value("Subject");
  EXPECT_EQ(decode_words(subject), "=?UTF-8?B?SGFja2Vk?= hello");
}

// --- header injection -------------------------------------------------------

void expect_no_injected_header(const ParsedMail& mail) {
  EXPECT_TRUE(mail.values("Bcc").empty());
  EXPECT_TRUE(mail.values("Cc").empty());
  for (const std::string& line : mail.raw_header_lines) {
    EXPECT_FALSE(line.starts_with("Bcc")) << line;
  }
  EXPECT_EQ(mail.values("From").size(), 1u);
  EXPECT_EQ(mail.values("To").size(), 1u);
  EXPECT_EQ(mail.values("Subject").size(), 1u);
}

TEST(EmailMessage, CrlfInTheSubjectAddsNoHeader) {
  for (const std::string_view breaker : {"\r\n", "\n", "\r", "\r\n\r\n", "\n\t"}) {
    EmailMessage m = sample();
    m.to = {{"", "sales@indivillage.com"}};
    m.subject = "Hello" + std::string(breaker) + "Bcc: evil@x";
    const ParsedMail mail = parse(render_rfc5322(m, kDate));
    expect_no_injected_header(mail);
    EXPECT_EQ(mail.value("Subject"), "Hello Bcc: evil@x");
  }
}

TEST(EmailMessage, CrlfInDisplayNamesAddsNoHeader) {
  EmailMessage m = sample();
  m.from.name = "Bob\r\nBcc: evil@x";
  m.to = {{"Bob\r\nBcc: evil@x", "sales@indivillage.com"}};
  m.reply_to = {{"Bob\nBcc: evil@x", "bob@example.com"}};
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  expect_no_injected_header(mail);
  EXPECT_EQ(mail.value("From"), "\"Bob Bcc: evil@x\" <noreply@indivillage.com>");
  EXPECT_EQ(mail.value("Reply-To"), "\"Bob Bcc: evil@x\" <bob@example.com>");
}

TEST(EmailMessage, CrlfAndBracketsInAddressesAreDropped) {
  EmailMessage m = sample();
  m.to = {{"", "sales@indivillage.com>\r\nBcc: <evil@x"}};
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  expect_no_injected_header(mail);
  EXPECT_EQ(mail.value("To"), "sales@indivillage.comBcc:evil@x");
}

TEST(EmailMessage, ExtraHeadersCannotReplaceOrSmuggleHeaders) {
  EmailMessage m = sample();
  m.to = {{"", "sales@indivillage.com"}};
  m.extra_headers = {{"X-IndiVillage-Lead", "42\r\nBcc: evil@x"},
                     {"Bcc", "evil@x"},
                     {"bcc", "evil@x"},
                     {"Content-Type", "text/plain"},
                     {"X-Bad: Name", "v"},
                     {"X-Bad\r\nBcc", "v"},
                     {"", "v"},
                     {"X-Note", "Grüße"}};
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  expect_no_injected_header(mail);
  EXPECT_EQ(mail.value("X-IndiVillage-Lead"), "42 Bcc: evil@x");
  EXPECT_EQ(decode_words(mail.value("X-Note")), "Grüße");
  EXPECT_EQ(mail.values("Content-Type").size(), 1u);
  EXPECT_TRUE(mail.value("Content-Type").starts_with("multipart/alternative"));
  // Date From To Reply-To Subject Message-ID, the two allowed extras, MIME-Version, Content-Type.
  EXPECT_EQ(mail.headers.size(), 10u);
}

// --- bodies --------------------------------------------------------------------

TEST(EmailMessage, LongLinesAreSoftWrappedAt76) {
  EmailMessage m = sample();
  m.html_body.clear();
  const std::string long_line(1000, 'x');
  const std::string with_escapes = std::string(300, '=') + "é" + std::string(100, ' ') + "end";
  m.text_body = long_line + "\n" + with_escapes + "\n";
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  for (const std::string& line : split_crlf_lines(mail.body)) EXPECT_LE(line.size(), 76u) << line;
  EXPECT_EQ(quoted_printable_decode(mail.body), long_line + "\r\n" + with_escapes + "\r\n");
}

TEST(EmailMessage, QuotedPrintableEscapesWhatItMust) {
  EmailMessage m = sample();
  m.html_body.clear();
  m.text_body = "a=b \ntab\t\n.dot\nä\n";
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  EXPECT_EQ(mail.body, "a=3Db=20\r\ntab=09\r\n=2Edot\r\n=C3=A4\r\n");
}

TEST(EmailMessage, AnyLineEndingBecomesCrlf) {
  EmailMessage m = sample();
  m.html_body.clear();
  m.text_body = "one\ntwo\r\nthree\rfour\n\nsix";
  const ParsedMail mail = parse(render_rfc5322(m, kDate));
  EXPECT_EQ(quoted_printable_decode(mail.body), "one\r\ntwo\r\nthree\r\nfour\r\n\r\nsix\r\n");
}

TEST(EmailMessage, PartsKeepWhetherTheTextEndsWithANewline) {
  EmailMessage m = sample();
  m.text_body = "no newline at the end";
  m.html_body = "<p>two</p>\n\n";
  const std::vector<ParsedMail> parts = parts_of(parse(render_rfc5322(m, kDate)));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(quoted_printable_decode(parts[0].body), "no newline at the end");
  EXPECT_EQ(quoted_printable_decode(parts[1].body), "<p>two</p>\r\n\r\n");
}

TEST(EmailMessage, Utf8BodyRoundTrips) {
  EmailMessage m = sample();
  m.text_body = "Grüße aus Bengaluru — ಕನ್ನಡ ✓\n";
  m.html_body = "<p>Grüße — ಕನ್ನಡ</p>\n";
  const std::vector<ParsedMail> parts = parts_of(parse(render_rfc5322(m, kDate)));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(quoted_printable_decode(parts[0].body), "Grüße aus Bengaluru — ಕನ್ನಡ ✓\r\n");
  EXPECT_EQ(quoted_printable_decode(parts[1].body), "<p>Grüße — ಕನ್ನಡ</p>\r\n");
}

TEST(EmailMessage, BodyTextCannotForgeAPartBoundary) {
  EmailMessage m = sample();
  const std::string boundary_probe = "--=_indivillage_alternative_0--\n--=_indivillage_alternative_0\n";
  m.text_body = boundary_probe;
  const std::vector<ParsedMail> parts = parts_of(parse(render_rfc5322(m, kDate)));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(quoted_printable_decode(parts[0].body),
            "--=_indivillage_alternative_0--\r\n--=_indivillage_alternative_0\r\n");
}

}  // namespace
}  // namespace iv::integrations
