#include "app/config.h"

#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace iv::app {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

long long env_integer(const char* name, long long fallback, long long min, long long max) {
  const auto text = env(name);
  if (!text) return fallback;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || value < min || value > max) {
    throw std::invalid_argument(std::string(name) + " must be an integer between " + std::to_string(min) +
                                " and " + std::to_string(max) + ", got \"" + *text + "\"");
  }
  return value;
}

bool env_flag(const char* name, bool fallback) {
  const auto text = env(name);
  if (!text) return fallback;
  if (*text == "1" || *text == "true" || *text == "yes" || *text == "on") return true;
  if (*text == "0" || *text == "false" || *text == "no" || *text == "off") return false;
  throw std::invalid_argument(std::string(name) + " must be 1/0, true/false, yes/no or on/off");
}

// Lead capture: integrations, mail addresses, abuse limits, retention.
void read_lead_settings(Config& c) {
  if (auto v = env("SMTP_URL")) c.smtp_url = *v;
  if (auto v = env("HUBSPOT_TOKEN")) c.hubspot_token = *v;
  if (auto v = env("HUBSPOT_BASE_URL")) c.hubspot_base_url = *v;
  if (auto v = env("RECAPTCHA_SECRET")) c.recaptcha_secret = *v;
  if (auto v = env("RECAPTCHA_VERIFY_URL")) c.recaptcha_verify_url = *v;
  if (auto v = env("SALES_EMAIL")) c.sales_email = *v;
  if (auto v = env("MAIL_FROM")) c.mail_from = *v;
  if (auto v = env("FORM_ALLOWED_ORIGINS")) c.form_allowed_origins = *v;
  c.lead_retention_days =
      static_cast<int>(env_integer("LEAD_RETENTION_DAYS", c.lead_retention_days, 1, 36500));
  c.challenge_max_number = env_integer("CHALLENGE_MAX_NUMBER", c.challenge_max_number, 1, 100000000);
  c.form_min_fill = std::chrono::milliseconds(env_integer("FORM_MIN_FILL_MS", 3000, 0, 600000));
  c.rate_limit_address_burst =
      static_cast<int>(env_integer("RATE_LIMIT_ADDRESS_BURST", c.rate_limit_address_burst, 1, 100000000));
  c.rate_limit_address_per_hour = static_cast<double>(env_integer(
      "RATE_LIMIT_ADDRESS_PER_HOUR", static_cast<long long>(c.rate_limit_address_per_hour), 1, 1000000000));
  c.rate_limit_no_challenge_burst = static_cast<int>(
      env_integer("RATE_LIMIT_NO_CHALLENGE_BURST", c.rate_limit_no_challenge_burst, 1, 100000000));
  c.rate_limit_no_challenge_per_hour = static_cast<double>(
      env_integer("RATE_LIMIT_NO_CHALLENGE_PER_HOUR",
                  static_cast<long long>(c.rate_limit_no_challenge_per_hour), 1, 1000000000));
  c.rate_limit_email_burst =
      static_cast<int>(env_integer("RATE_LIMIT_EMAIL_BURST", c.rate_limit_email_burst, 1, 100000000));
  c.rate_limit_email_per_hour = static_cast<double>(env_integer(
      "RATE_LIMIT_EMAIL_PER_HOUR", static_cast<long long>(c.rate_limit_email_per_hour), 1, 1000000000));
  c.worker_threads = static_cast<int>(env_integer("WORKER_THREADS", c.worker_threads, 1, 64));
  c.job_retry_base = std::chrono::milliseconds(env_integer("JOB_RETRY_BASE_MS", 10000, 100, 3600000));
  c.job_lease = std::chrono::seconds(env_integer("JOB_LEASE_S", 120, 2, 86400));
  c.integration_wait = std::chrono::seconds(env_integer("INTEGRATION_WAIT_S", 60, 1, 86400));
  c.hubspot_timeout = std::chrono::milliseconds(env_integer("HUBSPOT_TIMEOUT_MS", 10000, 100, 600000));
  c.smtp_timeout = std::chrono::milliseconds(env_integer("SMTP_TIMEOUT_MS", 20000, 100, 600000));
  c.lead_commit_wait = std::chrono::microseconds(env_integer("LEAD_COMMIT_WAIT_US", 500, 0, 1000000));
  if (auto v = env("SQLITE_SYNCHRONOUS")) {
    if (*v != "full" && *v != "normal")
      throw std::invalid_argument("SQLITE_SYNCHRONOUS must be full or normal");
    c.sqlite_synchronous_full = *v == "full";
  }
}

}  // namespace

Config config_from_environment() {
  Config c;
  if (auto v = env("HOST")) c.host = *v;
  c.port = static_cast<std::uint16_t>(env_integer("PORT", c.port, 0, 65535));
  if (auto v = env("DATA_DIR")) c.data_dir = *v;
  if (auto v = env("SHARE_DIR")) c.share_dir = *v;
  if (auto v = env("PUBLIC_BASE_URL")) c.public_base_url = *v;
  if (auto v = env("DATABASE_URL")) c.database_url = *v;
  if (auto v = env("SECRET_KEY")) c.secret_key = *v;
  if (auto v = env("LOG_LEVEL")) c.log_level = *v;
  c.access_log = env_flag("ACCESS_LOG", c.access_log);
  c.behind_tls = env_flag("BEHIND_TLS", c.behind_tls);
  c.threads = static_cast<int>(env_integer("THREADS", c.threads, 0, 256));
  c.max_connections = static_cast<std::size_t>(env_integer("MAX_CONNECTIONS", 10000, 1, 1000000));
  c.max_header_bytes =
      static_cast<std::size_t>(env_integer("MAX_HEADER_BYTES", 16 * 1024, 1024, 1024 * 1024));
  c.header_timeout = std::chrono::milliseconds(env_integer("HEADER_TIMEOUT_MS", 10000, 100, 600000));
  c.idle_timeout = std::chrono::milliseconds(env_integer("IDLE_TIMEOUT_MS", 60000, 100, 3600000));
  c.content_poll = std::chrono::milliseconds(env_integer("CONTENT_POLL_MS", 2000, 100, 3600000));
  read_lead_settings(c);
  // --- dataset uploads (issue 4)
  c.max_upload_bytes = env_integer("MAX_UPLOAD_BYTES", c.max_upload_bytes, 1, std::int64_t{1} << 40);
  if (auto v = env("CLAMD_ADDRESS")) c.clamd_address = *v;
  c.upload_token_ttl = std::chrono::seconds(env_integer("UPLOAD_TOKEN_TTL_S", 21600, 60, 7 * 86400));
  c.upload_retention_days = static_cast<int>(env_integer("UPLOAD_RETENTION_DAYS", 30, 1, 36500));
  c.result_retention_days = static_cast<int>(env_integer("RESULT_RETENTION_DAYS", 90, 1, 36500));
  c.analysis_timeout = std::chrono::seconds(env_integer("ANALYSIS_TIMEOUT_S", 300, 1, 86400));
  c.upload_rate_burst = static_cast<int>(env_integer("UPLOAD_RATE_BURST", 20, 1, 100000000));
  c.upload_rate_per_hour = static_cast<double>(env_integer("UPLOAD_RATE_PER_HOUR", 20, 1, 100000000));
  c.analysis_test_delay = std::chrono::milliseconds(env_integer("ANALYSIS_TEST_DELAY_MS", 0, 0, 3600000));
  return c;
}

namespace {

// Asks the kernel for a free port by binding port 0 on `host`. Used when the
// caller wants "any port" but links must carry the real one.
std::uint16_t pick_free_port(const std::string& host) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed while choosing a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot find a free port on " + host);
  return ntohs(address.sin_port);
}

}  // namespace

void finalize(Config& c) {
  // Port 0 means "any free port"; choose it now so that canonical links,
  // the sitemap and API links name the port the server really uses.
  if (c.port == 0) c.port = pick_free_port(c.host);
  if (c.share_dir.empty()) c.share_dir = IV_DEFAULT_SHARE_DIR;
  if (!std::filesystem::is_directory(c.share_dir / "templates")) {
    throw std::invalid_argument(
        "SHARE_DIR " + c.share_dir.string() +
        " does not contain templates/; set SHARE_DIR to the project's share directory");
  }
  if (c.public_base_url.empty()) {
    c.public_base_url = "http://" + c.host + ":" + std::to_string(c.port);
  }
  while (c.public_base_url.ends_with('/')) c.public_base_url.pop_back();
  if (!c.public_base_url.starts_with("http://") && !c.public_base_url.starts_with("https://")) {
    throw std::invalid_argument("PUBLIC_BASE_URL must start with http:// or https://");
  }
  if (!c.database_url.empty() && !c.database_url.starts_with("sqlite:")) {
    throw std::invalid_argument("DATABASE_URL " + c.database_url.substr(0, c.database_url.find(':')) +
                                ": only the embedded SQLite engine is available in this build");
  }
}

}  // namespace iv::app
