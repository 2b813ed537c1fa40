#include "integrations/smtp_mailer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <curl/curl.h>

#include "integrations/curl_handles.h"
#include "integrations/curl_http_client.h"

namespace iv::integrations {
namespace {

using curl_handles::EasyHandle;
using RecipientList = curl_handles::SlistHandle;

constexpr std::size_t kMaxAddress = 254;

// A mailbox we are willing to put in an SMTP command: local@domain with
// nothing that could end the command or the angle brackets around it.
bool is_sendable_address(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddress) return false;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  return std::ranges::none_of(address, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F || std::string_view("<>,;\"()\\").find(c) != std::string_view::npos;
  });
}

struct UploadSource {
  std::string_view data;
  std::size_t position = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& source = *static_cast<UploadSource*>(user);
  const std::size_t n = std::min(size * count, source.data.size() - source.position);
  std::memcpy(buffer, source.data.data() + source.position, n);
  source.position += n;
  return n;
}

// libcurl takes the EHLO domain from the URL's path: add ours unless the
// operator's URL already names one.
std::string url_with_helo(const std::string& url, const std::string& helo_domain) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const std::size_t path = url.find('/', authority);
  if (path == std::string::npos) return url + "/" + helo_domain;
  if (path + 1 == url.size()) return url + helo_domain;
  return url;
}

bool has_credentials(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  const std::size_t authority = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find('/', authority), url.size());
  return url.find('@', authority) < authority_end;
}

MailError error_for(CURLcode code, long smtp_reply, const char* detail) {
  std::string message = "SMTP: ";
  message += curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') message += std::string(" (") + detail + ")";
  if (smtp_reply != 0) message += ", last reply " + std::to_string(smtp_reply);
  // A refused login or missing STARTTLS is configuration: wait for a fix.
  if (code == CURLE_LOGIN_DENIED || code == CURLE_USE_SSL_FAILED) return {true, std::move(message)};
  return {!(smtp_reply >= 500 && smtp_reply < 600), std::move(message)};
}

}  // namespace

std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday], utc.tm_mday,
                kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

SmtpMailer::SmtpMailer(SmtpSettings settings) : settings_(std::move(settings)) {
  init_curl_once();
}

std::expected<void, MailError> SmtpMailer::send(const EmailMessage& message) {
  if (!configured()) return std::unexpected(MailError{true, "SMTP not configured"});
  if (!settings_.url.starts_with("smtp://") && !settings_.url.starts_with("smtps://")) {
    return std::unexpected(MailError{true, "SMTP URL must start with smtp:// or smtps://"});
  }
  if (!is_sendable_address(message.from.address)) {
    return std::unexpected(MailError{false, "invalid sender address"});
  }
  if (message.to.empty()) return std::unexpected(MailError{false, "no recipient"});
  RecipientList recipients;
  for (const EmailAddress& to : message.to) {
    if (!is_sendable_address(to.address))
      return std::unexpected(MailError{false, "invalid recipient address"});
    if (!curl_handles::append(recipients, "<" + to.address + ">")) {
      return std::unexpected(MailError{true, "out of memory"});
    }
  }

  const std::string text = render_rfc5322(message, rfc5322_date(std::chrono::system_clock::now()));
  UploadSource source{text};
  EasyHandle handle(curl_easy_init());
  if (!handle) return std::unexpected(MailError{true, "curl_easy_init failed"});
  CURL* curl = handle.get();
  const std::string url = url_with_helo(settings_.url, settings_.helo_domain);
  const std::string sender = "<" + message.from.address + ">";
  char error_detail[CURL_ERROR_SIZE] = {};
  const long connect_timeout = std::min<long>(settings_.timeout.count(), 10000);

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_USE_SSL, has_credentials(settings_.url) ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(curl, CURLOPT_READDATA, &source);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_detail);

  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) return {};
  long smtp_reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &smtp_reply);
  return std::unexpected(error_for(code, smtp_reply, error_detail));
}

}  // namespace iv::integrations
