// Mailer over SMTP with libcurl: SendGrid's relay (smtp://apikey:KEY@smtp.sendgrid.net:587)
// or any other server.
//
// TLS: smtps:// uses implicit TLS. smtp:// upgrades with STARTTLS when the
// server offers it (CURLUSESSL_TRY), and REQUIRES it when the URL carries
// credentials, so a password is never sent in the clear; a relay without TLS
// that wants a password is refused (a transient error until it is fixed).
// Certificates are verified against the system store.
//
// Errors: SMTP 5xx replies (bad recipient, message refused) are permanent;
// 4xx replies, network failures and timeouts are transient; so are a rejected
// login and a missing STARTTLS, which are configuration problems that an
// operator fixes while the job waits.
//
// Exactly-once: SMTP cannot deduplicate, so if the connection drops after the
// server accepted the data but before its final reply arrived, a retry sends
// the mail again; the deterministic Message-ID lets mail clients fold the two.
//
// Thread-safe: each send() is its own connection.
#pragma once

#include <chrono>
#include <string>

#include "integrations/mailer.h"

namespace iv::integrations {

struct SmtpSettings {
  std::string url;  // smtp://user:pass@host:port or smtps://...; empty = not configured
  std::chrono::milliseconds timeout{20000};     // whole conversation
  std::string helo_domain = "indivillage.com";  // sent in EHLO unless the URL has a path
};

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpSettings settings);

  bool configured() const override { return !settings_.url.empty(); }
  // Envelope: MAIL FROM message.from.address, RCPT TO every message.to
  // address (Reply-To is a header only). Addresses with whitespace, control
  // characters or any of <>,;"()\ are refused (permanent) before connecting.
  std::expected<void, MailError> send(const EmailMessage& message) override;

 private:
  SmtpSettings settings_;
};

// "Tue, 01 Jan 2030 00:00:00 +0000": the RFC 5322 Date of `when`, in UTC and
// independent of the C locale.
std::string rfc5322_date(std::chrono::system_clock::time_point when);

}  // namespace iv::integrations
