// Run-time configuration: environment variables (the contract in DESIGN.md),
// overridden by command-line flags. Plain data; validated by validate().
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace iv::app {

struct Config {
  std::string host = "127.0.0.1";           // HOST
  std::uint16_t port = 8080;                // PORT
  std::filesystem::path data_dir = "data";  // DATA_DIR
  std::filesystem::path share_dir;          // SHARE_DIR: templates/, static/, content/, migrations/, openapi/
  std::string public_base_url;              // PUBLIC_BASE_URL; default http://HOST:PORT
  std::string database_url;                 // DATABASE_URL; empty: SQLite under DATA_DIR
  std::string secret_key;                   // SECRET_KEY; generated into DATA_DIR when unset
  std::string log_level = "info";           // LOG_LEVEL
  bool access_log = true;                   // ACCESS_LOG=0 turns it off
  bool behind_tls = false;                  // BEHIND_TLS=1 adds HSTS
  int threads = 0;                          // THREADS; 0 = one per core
  std::size_t max_connections = 10000;      // MAX_CONNECTIONS
  std::size_t max_header_bytes = 16 * 1024;         // MAX_HEADER_BYTES
  std::chrono::milliseconds header_timeout{10000};  // HEADER_TIMEOUT_MS
  std::chrono::milliseconds idle_timeout{60000};    // IDLE_TIMEOUT_MS
  std::chrono::milliseconds content_poll{2000};     // CONTENT_POLL_MS: how often to look for content changes
  std::string port_file;                            // --port-file: bound port written here (tests)

  // --- lead capture (issue 3) ---------------------------------------------
  std::string smtp_url;                                     // SMTP_URL; empty: e-mail jobs wait
  std::string hubspot_token;                                // HUBSPOT_TOKEN; empty: CRM jobs wait
  std::string hubspot_base_url = "https://api.hubapi.com";  // HUBSPOT_BASE_URL
  std::string recaptcha_secret;                             // RECAPTCHA_SECRET; empty: reCAPTCHA not used
  std::string recaptcha_verify_url =
      "https://www.google.com/recaptcha/api/siteverify";             // RECAPTCHA_VERIFY_URL
  std::string sales_email = "sales@indivillage.com";                 // SALES_EMAIL
  std::string mail_from = "IndiVillage <no-reply@indivillage.com>";  // MAIL_FROM
  int lead_retention_days = 730;                                     // LEAD_RETENTION_DAYS
  std::int64_t challenge_max_number = 100000;     // CHALLENGE_MAX_NUMBER: proof-of-work difficulty
  std::chrono::milliseconds form_min_fill{3000};  // FORM_MIN_FILL_MS: minimum time to fill in a form
  std::string form_allowed_origins;               // FORM_ALLOWED_ORIGINS: extra origins, comma-separated
  // Rate limits (token buckets): burst and sustained rate per hour.
  int rate_limit_address_burst = 10;                // RATE_LIMIT_ADDRESS_BURST
  double rate_limit_address_per_hour = 10;          // RATE_LIMIT_ADDRESS_PER_HOUR
  int rate_limit_no_challenge_burst = 3;            // RATE_LIMIT_NO_CHALLENGE_BURST
  double rate_limit_no_challenge_per_hour = 3;      // RATE_LIMIT_NO_CHALLENGE_PER_HOUR
  int rate_limit_email_burst = 5;                   // RATE_LIMIT_EMAIL_BURST
  double rate_limit_email_per_hour = 5;             // RATE_LIMIT_EMAIL_PER_HOUR
  int worker_threads = 2;                           // WORKER_THREADS: job workers in this process
  std::chrono::milliseconds job_retry_base{10000};  // JOB_RETRY_BASE_MS: first retry within this (doubling)
  std::chrono::seconds job_lease{120};        // JOB_LEASE_S: a crashed worker's job is retaken after this
  std::chrono::seconds integration_wait{60};  // INTEGRATION_WAIT_S: re-check an unconfigured integration
  std::chrono::milliseconds hubspot_timeout{10000};  // HUBSPOT_TIMEOUT_MS: one HubSpot request
  std::chrono::milliseconds smtp_timeout{20000};     // SMTP_TIMEOUT_MS: one SMTP conversation
  std::chrono::microseconds lead_commit_wait{500};   // LEAD_COMMIT_WAIT_US: group-commit linger (bench/leads)
  // SQLITE_SYNCHRONOUS=full|normal. FULL: a commit (and so every 303/201 for
  // a lead) is on disk before it is acknowledged, even across power loss.
  bool sqlite_synchronous_full = true;

  // --- dataset uploads (issue 4) -------------------------------------------
  std::int64_t max_upload_bytes = std::int64_t{1} << 30;  // MAX_UPLOAD_BYTES
  std::string clamd_address;  // CLAMD_ADDRESS: unix:/path or tcp://host:port; empty: no scan
  // UPLOAD_TOKEN_TTL_S: life of an upload token; an unfinished upload expires with it.
  std::chrono::seconds upload_token_ttl{21600};
  int upload_retention_days = 30;              // UPLOAD_RETENTION_DAYS: uploaded files
  int result_retention_days = 90;              // RESULT_RETENTION_DAYS: analyses and upload records
  std::chrono::seconds analysis_timeout{300};  // ANALYSIS_TIMEOUT_S: time budget of one analysis
  int upload_rate_burst = 20;                  // UPLOAD_RATE_BURST: uploads created per address, burst
  double upload_rate_per_hour = 20;            // UPLOAD_RATE_PER_HOUR: and sustained
  // ANALYSIS_TEST_DELAY_MS: test hook that delays each analysis (the kill -9 test).
  std::chrono::milliseconds analysis_test_delay{0};
};

// Reads the environment. Throws std::invalid_argument naming the variable on a bad value.
Config config_from_environment();

// Fills defaults that depend on other fields (base URL, share dir) and checks
// ranges. Throws std::invalid_argument with a readable message.
void finalize(Config& config);

}  // namespace iv::app
