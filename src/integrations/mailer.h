// Port for outgoing e-mail (SMTP in production: smtp_mailer.h).
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace iv::integrations {

struct EmailAddress {
  std::string name;     // display name, may be empty; encoded as an RFC 2047 word when not ASCII
  std::string address;  // validated; never contains CR, LF, '<' or '>'
};

struct EmailMessage {
  EmailAddress from;
  std::vector<EmailAddress> to;
  std::vector<EmailAddress> reply_to;
  std::string subject;  // single line; CR/LF are removed, never interpreted
  std::string text_body;
  std::string html_body;  // optional; sent as multipart/alternative with the text
  std::string
      message_id;  // "<id@domain>", deterministic per (submission, purpose) so duplicates can be recognised
  std::vector<std::pair<std::string, std::string>>
      extra_headers;  // e.g. {"X-IndiVillage-Lead", id}; values sanitised
};

struct MailError {
  bool transient = true;  // 4xx SMTP replies and network errors; false for 5xx (bad recipient)
  std::string message;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual bool configured() const = 0;
  virtual std::expected<void, MailError> send(const EmailMessage& message) = 0;
};

// Renders the message as RFC 5322 text (CRLF line endings, MIME, encoded
// headers, dot-stuffing NOT applied). Exposed for tests and for the SMTP client.
std::string render_rfc5322(const EmailMessage& message, const std::string& date_header);

}  // namespace iv::integrations
