// What the lead forms (web/site/lead_pages.h) and the lead API
// (web/api/lead_api.h) share between the request and the domain: the bot
// check (ALTCHA proof of work, reCAPTCHA when configured, or none), the rate
// limits per client address and per e-mail address, the list of service
// slugs a visitor may choose (cached until the content changes), and the
// counters of what happened to submissions.
//
// reCAPTCHA verification is an HTTP call to Google; it runs on the intake's
// own thread so it never blocks a server I/O thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leads/lead.h"
#include "security/rate_limiter.h"
#include "web/http.h"

namespace iv::leads {
class LeadSubmissions;
class RecaptchaVerifier;
}  // namespace iv::leads
namespace iv::security {
class Altcha;
}
namespace iv::observe {
class Logger;
class MetricsRegistry;
}  // namespace iv::observe

namespace iv::web {

struct LeadIntakeSettings {
  // Token buckets: a burst, then a steady rate. A person sends a handful of
  // requests a day; the limits only stop floods.
  security::RateRule per_address{"lead-address", 10, 10.0 / 3600};
  // Submissions without a solved challenge (no JavaScript): fewer per address.
  security::RateRule per_address_without_challenge{"lead-address-no-challenge", 3, 3.0 / 3600};
  security::RateRule per_email{"lead-email", 5, 5.0 / 3600};
  std::function<std::chrono::system_clock::time_point()> now;  // default: system clock
};

struct ChallengeInput {
  std::string altcha;     // the form field / JSON member "altcha" (base64 JSON); empty when absent
  std::string recaptcha;  // "g-recaptcha-response"; empty when absent
  std::string remote_address;
  bool required = false;  // API: a missing challenge is a failure, not Challenge::none
};

struct ChallengeResult {
  std::optional<leads::Challenge> passed;  // empty: failed
  std::string failure;                     // why, for logs and the API's error message
};

// Runs `start` with a `reply` function that may be called once, from any
// thread. When `start` replied before returning (a refusal decided at once),
// that response is returned as is; otherwise a Response whose `pending` the
// later reply fulfils (e.g. after the group commit).
Response respond_when_ready(const std::function<void(std::function<void(Response)>)>& start);

class LeadIntake {
 public:
  // `recaptcha` may be null (not configured). `list_services` returns the
  // slugs of the services on the site. All references must outlive the intake.
  LeadIntake(LeadIntakeSettings settings, leads::LeadSubmissions& submissions, const security::Altcha& altcha,
             security::RateLimiter& limiter, leads::RecaptchaVerifier* recaptcha,
             std::function<std::vector<std::string>()> list_services, observe::Logger& logger,
             observe::MetricsRegistry& metrics);
  ~LeadIntake();
  LeadIntake(const LeadIntake&) = delete;
  LeadIntake& operator=(const LeadIntake&) = delete;

  leads::LeadSubmissions& submissions() { return submissions_; }
  observe::Logger& logger() { return logger_; }
  std::chrono::system_clock::time_point now() const { return settings_.now(); }

  // Checks the submission's proof; `next` runs once with the result, at once
  // or on the intake's thread (reCAPTCHA).
  void check_challenge(ChallengeInput input, std::function<void(ChallengeResult)> next);

  // Takes a token from the address bucket (the stricter one without a
  // challenge) and, when `email` is a valid address, from its e-mail bucket.
  // Returns the wait when one of them is empty.
  std::optional<std::chrono::seconds> take_rate_limits(std::string_view remote_address,
                                                       std::string_view email, leads::Challenge challenge);

  // Slugs of the services a visitor may choose; cached until refresh().
  std::vector<std::string> known_services();
  void refresh();

  // leads_submissions_total{channel="form"|"api", outcome="..."}.
  void count(std::string_view channel, std::string_view outcome);

 private:
  struct BlockingRunner;

  LeadIntakeSettings settings_;
  leads::LeadSubmissions& submissions_;
  const security::Altcha& altcha_;
  security::RateLimiter& limiter_;
  leads::RecaptchaVerifier* recaptcha_;
  std::function<std::vector<std::string>()> list_services_;
  observe::Logger& logger_;
  observe::MetricsRegistry& metrics_;
  std::unique_ptr<BlockingRunner> runner_;
  std::mutex services_mutex_;
  std::optional<std::vector<std::string>> services_;  // guarded by services_mutex_
};

}  // namespace iv::web
