// A durable unit of background work (the transactional outbox): written in the
// same transaction as the data that caused it, leased by one worker at a time,
// retried with backoff, and parked as a dead letter after too many failures.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace iv::jobs {

using Clock = std::chrono::system_clock;

struct JobSpec {
  std::string kind;  // handler name, e.g. "lead.hubspot", "lead.email.sales"
  std::string payload_json =
      "{}";  // input; never personal data in clear (pass ids, the handler loads the rest)
  // Jobs with the same non-empty key are enqueued once (e.g. "schedule:retention:2026-11-22").
  std::string dedupe_key;
  Clock::time_point run_at{};  // not before; default: now
  int max_attempts = 12;
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  std::string payload_json;
  // Progress a handler saved on earlier attempts (e.g. the CRM ids already
  // created), so a retry continues instead of repeating side effects.
  std::string state_json;
  int attempt = 1;  // 1 on the first run
  int max_attempts = 12;
  std::string lease_token;  // proves ownership when completing
  Clock::time_point created_at;
};

// What a handler tells the worker.
struct Done {
  std::string state_json;  // final state, kept for audit
};
struct Retry {
  std::string error;                          // short, no personal data
  std::string state_json;                     // progress so far
  std::optional<std::chrono::seconds> after;  // e.g. from Retry-After; default: backoff policy
};
struct Fail {
  std::string error;  // permanent failure: dead letter at once (e.g. HubSpot 400 on bad data)
};
// Waiting for configuration (e.g. HUBSPOT_TOKEN unset): re-check later, does not use up attempts.
struct Wait {
  std::string reason;
  std::chrono::seconds after{60};
};
using JobResult = std::variant<Done, Retry, Fail, Wait>;

}  // namespace iv::jobs
