#include "web/lead_intake.h"

#include <condition_variable>
#include <deque>
#include <thread>

#include "leads/lead_submissions.h"
#include "leads/lead_validation.h"
#include "leads/recaptcha_verifier.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "security/altcha.h"

namespace iv::web {

// One thread for the few blocking calls (reCAPTCHA); created only when needed.
struct LeadIntake::BlockingRunner {
  std::mutex mutex;
  std::condition_variable work;
  std::deque<std::function<void()>> tasks;  // guarded by mutex
  bool stopping = false;                    // guarded by mutex
  std::thread thread{[this] { run(); }};

  ~BlockingRunner() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    work.notify_all();
    thread.join();
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex);
      tasks.push_back(std::move(task));
    }
    work.notify_one();
  }

  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex);
        work.wait(lock, [&] { return stopping || !tasks.empty(); });
        if (tasks.empty()) return;  // stopping, and everything posted has run
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }
};

Response respond_when_ready(const std::function<void(std::function<void(Response)>)>& start) {
  struct Shared {
    std::mutex mutex;
    bool returned = false;          // guarded by mutex: the handler has returned
    std::optional<Response> early;  // guarded by mutex: a reply that came before that
    std::shared_ptr<PendingResponse> pending = std::make_shared<PendingResponse>();
  };
  auto shared = std::make_shared<Shared>();
  start([shared](Response response) {
    {
      std::lock_guard lock(shared->mutex);
      if (!shared->returned) {
        shared->early = std::move(response);
        return;
      }
    }
    shared->pending->fulfil(std::move(response));
  });
  std::lock_guard lock(shared->mutex);
  shared->returned = true;
  if (shared->early) return std::move(*shared->early);
  Response later;
  later.pending = shared->pending;
  return later;
}

LeadIntake::LeadIntake(LeadIntakeSettings settings, leads::LeadSubmissions& submissions,
                       const security::Altcha& altcha, security::RateLimiter& limiter,
                       leads::RecaptchaVerifier* recaptcha,
                       std::function<std::vector<std::string>()> list_services, observe::Logger& logger,
                       observe::MetricsRegistry& metrics)
    : settings_(std::move(settings)),
      submissions_(submissions),
      altcha_(altcha),
      limiter_(limiter),
      recaptcha_(recaptcha != nullptr && recaptcha->configured() ? recaptcha : nullptr),
      list_services_(std::move(list_services)),
      logger_(logger),
      metrics_(metrics) {
  if (!settings_.now) settings_.now = [] { return std::chrono::system_clock::now(); };
  if (recaptcha_ != nullptr) runner_ = std::make_unique<BlockingRunner>();
}

LeadIntake::~LeadIntake() = default;

void LeadIntake::check_challenge(ChallengeInput input, std::function<void(ChallengeResult)> next) {
  auto check_altcha = [this](const ChallengeInput& in) -> ChallengeResult {
    if (in.altcha.empty()) {
      if (in.required) return {std::nullopt, "missing"};
      return {leads::Challenge::none, {}};
    }
    const auto verdict = altcha_.verify(in.altcha, now());
    if (verdict == security::Altcha::Verdict::ok) return {leads::Challenge::altcha, {}};
    return {std::nullopt, std::string(security::Altcha::describe(verdict))};
  };
  if (recaptcha_ == nullptr || input.recaptcha.empty()) {
    next(check_altcha(input));
    return;
  }
  runner_->post([this, input = std::move(input), next = std::move(next), check_altcha] {
    ChallengeResult result;
    try {
      switch (recaptcha_->verify(input.recaptcha, input.remote_address)) {
        case leads::RecaptchaVerifier::Verdict::passed:
          result = {leads::Challenge::recaptcha, {}};
          break;
        case leads::RecaptchaVerifier::Verdict::failed:
          result = {std::nullopt, "reCAPTCHA verification failed"};
          break;
        case leads::RecaptchaVerifier::Verdict::unavailable:
          // Google unreachable: judge by our own checks rather than lock people out.
          logger_.warn("reCAPTCHA verification unavailable");
          result = check_altcha(input);
          break;
      }
    } catch (const std::exception& error) {
      logger_.warn("reCAPTCHA verification failed", {{"error", error.what()}});
      result = check_altcha(input);
    }
    next(std::move(result));
  });
}

std::optional<std::chrono::seconds> LeadIntake::take_rate_limits(std::string_view remote_address,
                                                                 std::string_view email,
                                                                 leads::Challenge challenge) {
  const auto now = std::chrono::steady_clock::now();
  const auto& address_rule =
      challenge == leads::Challenge::none ? settings_.per_address_without_challenge : settings_.per_address;
  const auto by_address = limiter_.take(address_rule, remote_address, now);
  if (!by_address.allowed) return by_address.retry_after;
  const std::string normalised = leads::normalise_email(leads::trim(email));
  if (!leads::is_valid_email(normalised)) return std::nullopt;  // validation will refuse it
  const auto by_email = limiter_.take(settings_.per_email, submissions_.email_index(normalised), now);
  if (!by_email.allowed) return by_email.retry_after;
  return std::nullopt;
}

std::vector<std::string> LeadIntake::known_services() {
  {
    std::lock_guard lock(services_mutex_);
    if (services_) return *services_;
  }
  auto loaded = list_services_ ? list_services_() : std::vector<std::string>{};
  std::lock_guard lock(services_mutex_);
  services_ = loaded;
  return loaded;
}

void LeadIntake::refresh() {
  std::lock_guard lock(services_mutex_);
  services_.reset();
}

void LeadIntake::count(std::string_view channel, std::string_view outcome) {
  metrics_
      .counter("leads_submissions_total", "Lead submissions by channel (form, api) and outcome",
               {{"channel", std::string(channel)}, {"outcome", std::string(outcome)}})
      .inc();
}

}  // namespace iv::web
