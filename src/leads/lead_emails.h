// The two e-mails a lead causes: a notification to the sales inbox with every
// field (Reply-To the visitor, so answering is one click), and a confirmation
// to the visitor.
//
// The confirmation goes to an address anyone can type into the form, so it
// must not become a way to send our mail with someone else's words to a
// stranger: it repeats nothing free-form the visitor wrote except their name
// (at most 100 characters, no control characters), only what was chosen from
// our own lists. Message-IDs are deterministic per lead and purpose, so a
// retried send is recognisable as the same message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "integrations/mailer.h"
#include "leads/lead.h"

namespace iv::leads {

struct LeadMailSettings {
  integrations::EmailAddress from{"IndiVillage", "no-reply@indivillage.com"};  // MAIL_FROM
  integrations::EmailAddress sales{"", "sales@indivillage.com"};               // SALES_EMAIL
  std::string site_url = "https://indivillage.com";                            // links in the mails
  std::string message_id_domain = "indivillage.com";
};

// "<lead-<id>-<purpose>@<domain>>".
std::string lead_message_id(std::string_view lead_id, std::string_view purpose, std::string_view domain);

integrations::EmailMessage sales_notification(const Lead& lead, const LeadMailSettings& settings);
integrations::EmailMessage visitor_confirmation(const Lead& lead, const LeadMailSettings& settings);

// Parses "Name <address@example.com>" or "address@example.com" (for MAIL_FROM
// and SALES_EMAIL); nullopt when the address is not valid.
std::optional<integrations::EmailAddress> parse_mailbox(std::string_view text);

}  // namespace iv::leads
