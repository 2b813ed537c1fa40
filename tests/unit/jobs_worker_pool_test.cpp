// RetryPolicy bounds, the WorkerPool over a real SqlJobQueue on SQLite
// (handlers run, Retry / Fail / Wait / exceptions become the right
// transitions, heartbeats keep long jobs, stop() drains, wake() skips the idle
// sleep, metrics and logs), and the Scheduler's once-per-period enqueue.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "jobs/scheduler.h"
#include "jobs/worker_pool.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "store/sql_job_queue.h"
#include "store/sqlite_database.h"
#include "support/log_capture.h"
#include "support/temp_database.h"

namespace iv::jobs {
namespace {

using namespace std::chrono_literals;
using store::SqlRow;

// ---- RetryPolicy ----------------------------------------------------------------

TEST(RetryPolicyTest, FullJitterBetweenMinimumAndTheDoublingCeiling) {
  const RetryPolicy policy{.base = 10s, .cap = 3600s, .min_delay = 1s};
  EXPECT_EQ(policy.delay_for(1, 0.0), 1s) << "jitter 0 gives the minimum";
  EXPECT_EQ(policy.delay_for(1, 0.999), 9990ms);
  EXPECT_EQ(policy.delay_for(2, 0.999), 19980ms);
  EXPECT_EQ(policy.delay_for(3, 0.999), 39960ms);
  EXPECT_EQ(policy.delay_for(3, 0.5), 20s);
  EXPECT_EQ(policy.delay_for(9, 0.999), 2557440ms);  // 10 s * 2^8 = 2560 s
  EXPECT_EQ(policy.delay_for(10, 0.999), 3596400ms) << "capped at one hour";
  EXPECT_EQ(policy.delay_for(1000, 0.5), 1800s) << "huge attempt numbers stay capped";
  EXPECT_EQ(policy.delay_for(1, 0.05), 1s) << "0.5 s is raised to the minimum";
  EXPECT_EQ(RetryPolicy{.base = 200ms}.delay_for(1, 0.5), 100ms) << "sub-second bases for tests";
  EXPECT_EQ(policy.delay_for(0, 0.999), 9990ms) << "attempt numbers below 1 count as the first";
  for (int attempt = 1; attempt <= 40; ++attempt) {
    for (double unit : {0.0, 0.25, 0.5, 0.999}) {
      const auto delay = policy.delay_for(attempt, unit);
      EXPECT_GE(delay, policy.min_delay);
      EXPECT_LT(delay, policy.cap);
    }
  }
}

// ---- fixtures -------------------------------------------------------------------

// A handler made of a function, counting its calls.
class FunctionHandler final : public JobHandler {
 public:
  explicit FunctionHandler(std::function<JobResult(const Job&)> fn, std::chrono::seconds lease = 120s)
      : fn_(std::move(fn)), lease_(lease) {}
  JobResult run(const Job& job) override {
    ++calls;
    return fn_(job);
  }
  std::chrono::seconds lease_duration() const override { return lease_; }
  std::atomic<int> calls{0};

 private:
  std::function<JobResult(const Job&)> fn_;
  std::chrono::seconds lease_;
};

// Polls `condition` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerPoolTest()
      : queue_(database_),
        logger_(observe::LogSettings{.min_level = observe::LogLevel::debug, .out = log_.file()}) {}

  WorkerPoolSettings settings(int threads = 2) {
    return WorkerPoolSettings{.threads = threads, .idle_poll = 20ms, .worker_id = "test", .retry = {}};
  }

  std::int64_t enqueue(std::string kind, int max_attempts = 12, std::string payload = "{}") {
    JobSpec spec;
    spec.kind = std::move(kind);
    spec.payload_json = std::move(payload);
    spec.max_attempts = max_attempts;
    return queue_.enqueue(spec);
  }

  SqlRow job_row(std::int64_t id, std::string_view columns) {
    return database_.lease()
        ->query("SELECT " + std::string(columns) + " FROM jobs WHERE id = $1", {id})
        .at(0);
  }
  std::string status(std::int64_t id) { return job_row(id, "status").text(0); }

  // The value of one rendered series, e.g. `jobs_dead{kind="a"}`; -1 when absent.
  double metric(const std::string& series) {
    const std::string text = metrics_.render();
    const std::string prefix = "\n" + series + " ";
    const std::size_t at = ("\n" + text).find(prefix);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + prefix.size() - 1));
  }

  test::MigratedDatabase scratch_{"iv-pool-test-"};
  store::SqliteDatabase& database_ = scratch_.database();
  store::SqlJobQueue queue_;
  test::CapturedLog log_;
  observe::Logger logger_;
  observe::MetricsRegistry metrics_;
};

// ---- worker pool ------------------------------------------------------------------

TEST_F(WorkerPoolTest, RunsEachJobWithItsKindsHandlerAndCompletesIt) {
  std::mutex mutex;
  std::set<std::string> payloads;
  FunctionHandler a([&](const Job& job) -> JobResult {
    std::lock_guard lock(mutex);
    payloads.insert(job.payload_json);
    return Done{R"({"ok":true})"};
  });
  FunctionHandler b([](const Job&) -> JobResult { return Done{}; });
  for (int i = 0; i < 20; ++i) enqueue("a", 12, std::to_string(i));
  const std::int64_t b_job = enqueue("b");
  const std::int64_t unknown = enqueue("nobody.handles.this");

  WorkerPool pool(settings(), queue_, logger_, metrics_);
  pool.register_handler("a", a);
  pool.register_handler("b", b);
  EXPECT_THROW(pool.register_handler("a", b), std::invalid_argument);
  pool.start();
  EXPECT_TRUE(eventually([&] { return queue_.stats().done == 21; }));
  pool.stop();

  EXPECT_EQ(a.calls.load(), 20);
  EXPECT_EQ(b.calls.load(), 1);
  EXPECT_EQ(payloads.size(), 20u);
  EXPECT_EQ(status(b_job), "done");
  EXPECT_EQ(status(unknown), "ready") << "kinds without a handler here are left for others";
  EXPECT_EQ(metric(R"(jobs_processed_total{kind="a",outcome="done"})"), 20);
  EXPECT_EQ(metric(R"(job_duration_seconds_count{kind="a"})"), 20);
  EXPECT_EQ(metric(R"(jobs_ready{kind="nobody.handles.this"})"), 1);
  EXPECT_EQ(metric(R"(jobs_ready{kind="a"})"), 0);
}

TEST_F(WorkerPoolTest, RetryAfterFromTheHandlerSetsTheNextRun) {
  FunctionHandler handler([](const Job&) -> JobResult {
    return Retry{.error = "HubSpot 429", .state_json = R"({"contact":"1"})", .after = 3600s};
  });
  const std::int64_t id = enqueue("a");
  WorkerPool pool(settings(1), queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  const auto before = Clock::now();
  pool.start();
  EXPECT_TRUE(eventually([&] { return status(id) == "ready" && handler.calls.load() == 1; }));
  pool.stop();

  const auto expected_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((before + 3600s).time_since_epoch()).count();
  const SqlRow row = job_row(id, "run_at, attempt, last_error, state");
  EXPECT_GE(row.integer(0), expected_ms);
  EXPECT_LT(row.integer(0), expected_ms + 10'000);
  EXPECT_EQ(row.integer(1), 1);
  EXPECT_EQ(row.text(2), "HubSpot 429");
  EXPECT_EQ(row.text(3), R"({"contact":"1"})");
  EXPECT_EQ(metric(R"(jobs_processed_total{kind="a",outcome="retry"})"), 1);
  EXPECT_EQ(metric(R"(jobs_scheduled{kind="a"})"), 1);
  EXPECT_NE(log_.text().find(R"("msg":"job retry")"), std::string::npos);
}

TEST_F(WorkerPoolTest, RetryWithoutAfterUsesThePolicyAndRunsAgain) {
  std::atomic<int> last_attempt{0};
  FunctionHandler handler([&](const Job& job) -> JobResult {
    last_attempt = job.attempt;
    if (job.attempt == 1) return Retry{.error = "timeout", .state_json = "", .after = std::nullopt};
    return Done{};
  });
  const std::int64_t id = enqueue("a");
  WorkerPoolSettings one_second = settings(1);
  one_second.retry = RetryPolicy{.base = 1s, .cap = 1s, .min_delay = 1s};
  WorkerPool pool(one_second, queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  const auto started = std::chrono::steady_clock::now();
  pool.start();
  EXPECT_TRUE(eventually([&] { return status(id) == "done"; }));
  pool.stop();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s) << "waited for the backoff";
  EXPECT_EQ(last_attempt.load(), 2);
  EXPECT_EQ(handler.calls.load(), 2);
}

TEST_F(WorkerPoolTest, RetriesUpToMaxAttemptsThenBuries) {
  FunctionHandler handler(
      [](const Job&) -> JobResult { return Retry{.error = "SMTP down", .state_json = "", .after = 0s}; });
  const std::int64_t id = enqueue("a", 3, R"({"secret_payload_marker":1})");
  WorkerPool pool(settings(1), queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  pool.start();
  EXPECT_TRUE(eventually([&] { return status(id) == "dead"; }));
  pool.stop();
  EXPECT_EQ(handler.calls.load(), 3);
  EXPECT_EQ(job_row(id, "attempt").integer(0), 3);
  EXPECT_EQ(job_row(id, "last_error").text(0), "SMTP down");
  EXPECT_EQ(metric(R"(jobs_processed_total{kind="a",outcome="retry"})"), 2);
  EXPECT_EQ(metric(R"(jobs_processed_total{kind="a",outcome="dead"})"), 1);
  EXPECT_EQ(metric(R"(jobs_dead{kind="a"})"), 1) << "dead letters show in /metrics";

  const std::string logs = log_.text();
  EXPECT_NE(logs.find(R"("msg":"job dead")"), std::string::npos);
  EXPECT_NE(logs.find(R"("job_id":)" + std::to_string(id)), std::string::npos);
  EXPECT_EQ(logs.find("secret_payload_marker"), std::string::npos) << "payloads are never logged";
}

TEST_F(WorkerPoolTest, FailBuriesAtOnce) {
  FunctionHandler handler([](const Job&) -> JobResult { return Fail{"HubSpot 400: invalid email"}; });
  const std::int64_t id = enqueue("a");
  WorkerPool pool(settings(1), queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  pool.start();
  EXPECT_TRUE(eventually([&] { return status(id) == "dead"; }));
  pool.stop();
  EXPECT_EQ(handler.calls.load(), 1);
  EXPECT_EQ(job_row(id, "last_error").text(0), "HubSpot 400: invalid email");
  EXPECT_EQ(metric(R"(jobs_dead{kind="a"})"), 1);
}

TEST_F(WorkerPoolTest, AnExceptionIsARetryThatKeepsSavedProgress) {
  std::string state_on_third;
  FunctionHandler handler([&](const Job& job) -> JobResult {
    if (job.attempt == 1) return Retry{.error = "partial", .state_json = R"({"step":1})", .after = 0s};
    if (job.attempt == 2) throw std::runtime_error("connection reset");
    state_on_third = job.state_json;
    return Done{};
  });
  const std::int64_t id = enqueue("a");
  WorkerPoolSettings fast = settings(1);
  fast.retry = RetryPolicy{.base = 0s, .cap = 0s, .min_delay = 0s};
  WorkerPool pool(fast, queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  pool.start();
  EXPECT_TRUE(eventually([&] { return status(id) == "done"; }));
  pool.stop();
  EXPECT_EQ(handler.calls.load(), 3);
  EXPECT_EQ(state_on_third, R"({"step":1})");
  EXPECT_NE(log_.text().find("connection reset"), std::string::npos);
}

TEST_F(WorkerPoolTest, WaitDoesNotUseUpAttempts) {
  std::vector<int> attempts;
  FunctionHandler handler([&](const Job& job) -> JobResult {
    attempts.push_back(job.attempt);
    if (attempts.size() < 4) return Wait{.reason = "HUBSPOT_TOKEN not set", .after = 0s};
    return Done{};
  });
  const std::int64_t id = enqueue("a", 1);
  WorkerPool pool(settings(1), queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  pool.start();
  EXPECT_TRUE(eventually([&] { return status(id) == "done"; }));
  pool.stop();
  EXPECT_EQ(attempts, (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(metric(R"(jobs_processed_total{kind="a",outcome="wait"})"), 3);
}

TEST_F(WorkerPoolTest, StopLetsRunningJobsFinishAndLeasesNoMore) {
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  FunctionHandler slow([&](const Job&) -> JobResult {
    ++started;
    std::this_thread::sleep_for(300ms);
    ++finished;
    return Done{};
  });
  for (int i = 0; i < 6; ++i) enqueue("a");
  WorkerPool pool(settings(2), queue_, logger_, metrics_);
  pool.register_handler("a", slow);
  pool.start();
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }));
  pool.stop();
  EXPECT_EQ(finished.load(), started.load());
  const QueueStats stats = queue_.stats();
  EXPECT_EQ(stats.done, started.load());
  EXPECT_EQ(stats.running, 0);
  EXPECT_EQ(stats.ready, 6 - started.load());
  EXPECT_LE(started.load(), 4);
}

TEST_F(WorkerPoolTest, HeartbeatsKeepALongJobFromBeingTakenOver) {
  std::atomic<bool> release{false};
  FunctionHandler long_job(
      [&](const Job&) -> JobResult {
        while (!release) std::this_thread::sleep_for(10ms);
        return Done{};
      },
      1s);
  const std::int64_t id = enqueue("a");
  WorkerPool pool(settings(1), queue_, logger_, metrics_);
  pool.register_handler("a", long_job);
  pool.start();
  ASSERT_TRUE(eventually([&] { return long_job.calls.load() == 1; }));
  // Three lease lengths: without heartbeats another worker would take it over.
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    EXPECT_FALSE(queue_.lease("intruder", {"a"}, 60s));
    std::this_thread::sleep_for(100ms);
  }
  release = true;
  EXPECT_TRUE(eventually([&] { return status(id) == "done"; }));
  pool.stop();
  EXPECT_EQ(job_row(id, "attempt").integer(0), 1);
  EXPECT_EQ(metric(R"(jobs_processed_total{kind="a",outcome="lost"})"), 0);
}

TEST_F(WorkerPoolTest, WakeSkipsTheIdleSleep) {
  FunctionHandler handler([](const Job&) -> JobResult { return Done{}; });
  WorkerPoolSettings sleepy = settings(2);
  sleepy.idle_poll = 60s;
  WorkerPool pool(sleepy, queue_, logger_, metrics_);
  pool.register_handler("a", handler);
  pool.start();
  std::this_thread::sleep_for(100ms);  // both workers found nothing and sleep
  const std::int64_t id = enqueue("a");
  pool.wake();
  EXPECT_TRUE(eventually([&] { return status(id) == "done"; }, 5s));
  const auto stopping = std::chrono::steady_clock::now();
  pool.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s) << "stop() does not wait out the idle sleep";
}

TEST_F(WorkerPoolTest, WithoutHandlersNothingIsLeased) {
  const std::int64_t id = enqueue("a");
  WorkerPool pool(settings(), queue_, logger_, metrics_);
  pool.start();
  std::this_thread::sleep_for(100ms);
  pool.stop();
  EXPECT_EQ(status(id), "ready");
}

// ---- scheduler --------------------------------------------------------------------

class SchedulerTest : public WorkerPoolTest {
 protected:
  std::vector<std::pair<std::string, std::string>> jobs() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const SqlRow& row : database_.lease()->query("SELECT kind, dedupe_key FROM jobs ORDER BY id")) {
      out.emplace_back(row.text(0), row.text(1));
    }
    return out;
  }
};

TEST_F(SchedulerTest, TwoSchedulersEnqueueEachPeriodsJobOnce) {
  const std::vector<ScheduledTask> tasks{{.kind = "retention.leads", .every = 86400s, .payload_json = "{}"},
                                         {.kind = "retention.uploads", .every = 3600s, .payload_json = "{}"}};
  Scheduler first(tasks, queue_, logger_);
  Scheduler second(tasks, queue_, logger_);
  first.enqueue_due();
  second.enqueue_due();
  first.enqueue_due();

  const auto listed = jobs();
  ASSERT_EQ(listed.size(), 2u);
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  std::set<std::string> keys;
  for (const auto& [kind, key] : listed) keys.insert(key);
  EXPECT_TRUE(keys.contains("schedule:retention.leads:" + std::to_string(now_s - now_s % 86400)) ||
              keys.contains("schedule:retention.leads:" + std::to_string((now_s - 1) - (now_s - 1) % 86400)));
  EXPECT_TRUE(
      keys.contains("schedule:retention.uploads:" + std::to_string(now_s - now_s % 3600)) ||
      keys.contains("schedule:retention.uploads:" + std::to_string((now_s - 1) - (now_s - 1) % 3600)));
}

TEST_F(SchedulerTest, RunningSchedulersEnqueueOneJobPerPeriod) {
  const std::vector<ScheduledTask> tasks{{.kind = "tick", .every = 1s, .payload_json = R"({"x":1})"}};
  Scheduler first(tasks, queue_, logger_, 20ms);
  Scheduler second(tasks, queue_, logger_, 20ms);
  first.start();
  second.start();
  std::this_thread::sleep_for(2500ms);
  first.stop();
  second.stop();

  const auto listed = jobs();
  ASSERT_GE(listed.size(), 2u);
  ASSERT_LE(listed.size(), 4u);
  std::vector<std::int64_t> periods;
  for (const auto& [kind, key] : listed) {
    EXPECT_EQ(kind, "tick");
    ASSERT_TRUE(key.starts_with("schedule:tick:")) << key;
    periods.push_back(std::stoll(key.substr(std::string("schedule:tick:").size())));
  }
  for (std::size_t i = 1; i < periods.size(); ++i)
    EXPECT_EQ(periods[i], periods[i - 1] + 1) << "one per second";
}

TEST_F(SchedulerTest, RefusesTasksWithoutAPeriod) {
  EXPECT_THROW(Scheduler({{.kind = "x", .every = 0s, .payload_json = "{}"}}, queue_, logger_),
               std::invalid_argument);
  EXPECT_THROW(Scheduler({{.kind = "", .every = 1s, .payload_json = "{}"}}, queue_, logger_),
               std::invalid_argument);
}

}  // namespace
}  // namespace iv::jobs
