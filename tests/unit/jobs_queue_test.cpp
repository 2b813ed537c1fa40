// SqlJobQueue on SQLite with the project's migrations: the outbox commits and
// rolls back with the caller's transaction, dedupe, lease order, lease expiry
// and takeover, lease-checked transitions, waits, dead letters, revive, purge,
// stats, and concurrent leasing without double processing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sql_job_queue.h"
#include "store/sqlite_database.h"
#include "support/temp_database.h"

namespace iv::store {
namespace {

using jobs::Clock;
using jobs::Job;
using jobs::JobSpec;
using jobs::QueueStats;
using namespace std::chrono_literals;

std::int64_t ms_of(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

class JobQueueTest : public ::testing::Test {
 protected:
  JobQueueTest() : queue_(database_, SqlJobQueueSettings{.now = [this] { return now(); }}) {}

  Clock::time_point now() const { return Clock::time_point(std::chrono::milliseconds(now_ms_.load())); }
  void advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

  JobSpec spec(std::string kind = "test.kind", std::string payload = R"({"id":1})") {
    JobSpec made;
    made.kind = std::move(kind);
    made.payload_json = std::move(payload);
    return made;
  }

  std::optional<Job> lease(const std::string& worker = "w1", const std::vector<std::string>& kinds = {},
                           std::chrono::seconds lease_for = 30s) {
    return queue_.lease(worker, kinds, lease_for);
  }

  // One column of one job, read directly.
  SqlRow row(std::int64_t id, std::string_view columns) {
    auto conn = database_.lease();
    auto rows = conn->query("SELECT " + std::string(columns) + " FROM jobs WHERE id = $1", {id});
    if (rows.empty()) throw std::runtime_error("no job " + std::to_string(id));
    return rows.front();
  }
  std::string status(std::int64_t id) { return row(id, "status").text(0); }
  std::int64_t job_count() {
    return database_.lease()->query("SELECT COUNT(*) FROM jobs").front().integer(0);
  }

  test::MigratedDatabase scratch_{"iv-jobs-test-"};
  std::atomic<std::int64_t> now_ms_{1'800'000'000'000};  // 2027-01-15
  SqliteDatabase& database_ = scratch_.database();
  SqlJobQueue queue_;
};

// ---- enqueue ------------------------------------------------------------------

TEST_F(JobQueueTest, EnqueueCommitsAndRollsBackWithTheCallersTransaction) {
  {
    auto conn = database_.lease();
    conn->execute("CREATE TABLE outbox_probe (id INTEGER PRIMARY KEY, name TEXT)");
    conn->begin();
    conn->execute("INSERT INTO outbox_probe (id, name) VALUES (1, 'rolled back')");
    queue_.enqueue(*conn, spec());
    conn->rollback();
  }
  EXPECT_EQ(job_count(), 0);
  EXPECT_FALSE(lease());

  std::int64_t id = 0;
  {
    auto conn = database_.lease();
    in_transaction(*conn, [&] {
      conn->execute("INSERT INTO outbox_probe (id, name) VALUES (2, 'kept')");
      id = queue_.enqueue(*conn, spec());
    });
  }
  EXPECT_EQ(job_count(), 1);
  EXPECT_EQ(database_.lease()->query("SELECT COUNT(*) FROM outbox_probe").front().integer(0), 1);
  auto job = lease();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->id, id);
}

TEST_F(JobQueueTest, LeasedJobCarriesWhatWasEnqueued) {
  JobSpec made = spec("lead.hubspot", R"({"lead_id":"abc"})");
  made.max_attempts = 5;
  const std::int64_t id = queue_.enqueue(made);
  EXPECT_GT(id, 0);
  EXPECT_EQ(status(id), "ready");
  EXPECT_EQ(row(id, "run_at").integer(0), now_ms_.load());

  advance(1s);
  auto job = lease("worker-a");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->id, id);
  EXPECT_EQ(job->kind, "lead.hubspot");
  EXPECT_EQ(job->payload_json, R"({"lead_id":"abc"})");
  EXPECT_EQ(job->state_json, "");
  EXPECT_EQ(job->attempt, 1);
  EXPECT_EQ(job->max_attempts, 5);
  EXPECT_EQ(job->lease_token.size(), 32u);
  EXPECT_EQ(ms_of(job->created_at), now_ms_.load() - 1000);
  EXPECT_EQ(status(id), "running");
  EXPECT_EQ(row(id, "lease_owner").text(0), "worker-a");
  EXPECT_EQ(row(id, "lease_expires_at").integer(0), now_ms_.load() + 30'000);
  EXPECT_FALSE(lease("worker-b")) << "a leased job is not leased twice";
}

TEST_F(JobQueueTest, RejectsSpecsThatAreProgrammingErrors) {
  EXPECT_THROW(queue_.enqueue(spec("")), std::invalid_argument);
  JobSpec no_attempts = spec();
  no_attempts.max_attempts = 0;
  EXPECT_THROW(queue_.enqueue(no_attempts), std::invalid_argument);
  EXPECT_EQ(job_count(), 0);
}

TEST_F(JobQueueTest, SameDedupeKeyEnqueuesOnceAndReturnsTheExistingId) {
  JobSpec first = spec("schedule.retention");
  first.dedupe_key = "schedule:retention:1800000000";
  const std::int64_t id = queue_.enqueue(first);
  {
    // Also inside a caller's transaction: the duplicate must not abort it.
    auto conn = database_.lease();
    in_transaction(*conn, [&] { EXPECT_EQ(queue_.enqueue(*conn, first), id); });
  }
  EXPECT_EQ(queue_.enqueue(first), id);
  JobSpec other = first;
  other.dedupe_key = "schedule:retention:1800086400";
  EXPECT_NE(queue_.enqueue(other), id);
  // Without a key, every enqueue is a new job.
  EXPECT_NE(queue_.enqueue(spec()), queue_.enqueue(spec()));
  EXPECT_EQ(job_count(), 4);
}

TEST_F(JobQueueTest, IdsGrowInEnqueueOrder) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(queue_.enqueue(spec()));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), ids.size());
}

// ---- leasing --------------------------------------------------------------------

TEST_F(JobQueueTest, LeasesByRunAtThenEnqueueOrderAndNotBeforeRunAt) {
  JobSpec later = spec("k", R"("later")");
  later.run_at = now() + 10s;
  JobSpec earlier = spec("k", R"("earlier")");
  earlier.run_at = now() - 5s;
  queue_.enqueue(later);
  const std::int64_t first_now = queue_.enqueue(spec("k", R"("now 1")"));
  queue_.enqueue(spec("k", R"("now 2")"));
  queue_.enqueue(earlier);

  std::vector<std::string> order;
  while (auto job = lease()) order.push_back(job->payload_json);
  EXPECT_EQ(order, (std::vector<std::string>{R"("earlier")", R"("now 1")", R"("now 2")"}));
  EXPECT_EQ(status(first_now), "running");

  advance(9999ms);
  EXPECT_FALSE(lease());
  advance(1ms);
  auto job = lease();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->payload_json, R"("later")");
}

TEST_F(JobQueueTest, LeasesOnlyTheRequestedKinds) {
  queue_.enqueue(spec("lead.email.sales"));
  const std::int64_t hubspot = queue_.enqueue(spec("lead.hubspot"));
  EXPECT_FALSE(lease("w", {"upload.scan"}));
  auto job = lease("w", {"upload.scan", "lead.hubspot"});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->id, hubspot);
  EXPECT_FALSE(lease("w", {"lead.hubspot"}));
  EXPECT_TRUE(lease("w", {}));  // no kinds: any kind
}

TEST_F(JobQueueTest, ExpiredLeaseIsTakenOverAndTheOldHolderLosesIt) {
  const std::int64_t id = queue_.enqueue(spec());
  auto first = lease("dying-worker", {}, 30s);
  ASSERT_TRUE(first);

  advance(29s);
  EXPECT_FALSE(lease("other")) << "not expired yet";
  advance(1s);
  auto second = lease("other", {}, 30s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, id);
  EXPECT_EQ(second->attempt, 2) << "the attempt of the dead worker counts";
  EXPECT_NE(second->lease_token, first->lease_token);
  EXPECT_EQ(row(id, "lease_owner").text(0), "other");

  EXPECT_FALSE(queue_.heartbeat(*first, 30s));
  EXPECT_FALSE(queue_.complete(*first, "{}"));
  EXPECT_FALSE(queue_.retry(*first, "late", "{}", now()));
  EXPECT_FALSE(queue_.wait(*first, "late", now()));
  EXPECT_FALSE(queue_.bury(*first, "late", "{}"));
  EXPECT_EQ(status(id), "running");

  EXPECT_TRUE(queue_.complete(*second, R"({"contact":"42"})"));
  EXPECT_EQ(status(id), "done");
  EXPECT_EQ(row(id, "state").text(0), R"({"contact":"42"})");
  EXPECT_EQ(row(id, "finished_at").integer(0), now_ms_.load());
  EXPECT_FALSE(queue_.complete(*second, "{}")) << "a finished job has no lease left";
}

TEST_F(JobQueueTest, HeartbeatKeepsTheLease) {
  queue_.enqueue(spec());
  auto job = lease("w1", {}, 30s);
  ASSERT_TRUE(job);
  advance(20s);
  EXPECT_TRUE(queue_.heartbeat(*job, 30s));
  advance(20s);
  EXPECT_FALSE(lease("w2")) << "extended to 50 s";
  advance(10s);
  EXPECT_TRUE(lease("w2"));
}

TEST_F(JobQueueTest, ExpiredLeaseOnTheLastAttemptBecomesADeadLetter) {
  JobSpec once = spec();
  once.max_attempts = 2;
  const std::int64_t id = queue_.enqueue(once);
  ASSERT_TRUE(lease("w1", {}, 10s));
  advance(10s);
  auto second = lease("w2", {}, 10s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->attempt, 2);
  advance(10s);
  EXPECT_FALSE(lease("w3")) << "a job that keeps killing its worker is not run a third time";
  EXPECT_EQ(status(id), "dead");
  EXPECT_NE(row(id, "last_error").text(0).find("lease expired"), std::string::npos);
  EXPECT_EQ(queue_.stats().dead, 1);
}

// ---- transitions ------------------------------------------------------------------

TEST_F(JobQueueTest, RetryReschedulesWithProgressAndError) {
  const std::int64_t id = queue_.enqueue(spec());
  auto job = lease();
  ASSERT_TRUE(job);
  EXPECT_TRUE(queue_.retry(*job, "HubSpot 503", R"({"contact_id":"7"})", now() + 60s));
  EXPECT_EQ(status(id), "ready");
  EXPECT_EQ(row(id, "last_error").text(0), "HubSpot 503");
  EXPECT_TRUE(row(id, "lease_token").is_null(0));
  EXPECT_EQ(queue_.stats().scheduled, 1);

  advance(59s);
  EXPECT_FALSE(lease());
  advance(1s);
  auto again = lease();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt, 2);
  EXPECT_EQ(again->state_json, R"({"contact_id":"7"})");
}

TEST_F(JobQueueTest, LongErrorsAreClipped) {
  const std::int64_t id = queue_.enqueue(spec());
  auto job = lease();
  ASSERT_TRUE(job);
  EXPECT_TRUE(queue_.bury(*job, std::string(100'000, 'x'), "{}"));
  EXPECT_EQ(row(id, "last_error").text(0).size(), 2000u);
}

TEST_F(JobQueueTest, WaitDoesNotConsumeAttempts) {
  JobSpec single = spec();
  single.max_attempts = 1;
  const std::int64_t id = queue_.enqueue(single);
  for (int i = 0; i < 3; ++i) {
    auto job = lease();
    ASSERT_TRUE(job);
    EXPECT_EQ(job->attempt, 1);
    EXPECT_TRUE(queue_.wait(*job, "HUBSPOT_TOKEN not set", now() + 60s));
    EXPECT_EQ(row(id, "attempt").integer(0), 0);
    EXPECT_FALSE(lease());
    advance(60s);
  }
  auto job = lease();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempt, 1);
  EXPECT_TRUE(queue_.complete(*job, "{}"));
}

TEST_F(JobQueueTest, BuryMakesADeadLetterThatReviveRequeues) {
  JobSpec two = spec();
  two.max_attempts = 2;
  const std::int64_t id = queue_.enqueue(two);
  EXPECT_FALSE(queue_.revive(id)) << "only dead letters are revived";
  auto job = lease();
  ASSERT_TRUE(job);
  EXPECT_TRUE(queue_.bury(*job, "HubSpot 400: invalid email", R"({"step":1})"));
  EXPECT_EQ(status(id), "dead");
  EXPECT_EQ(row(id, "finished_at").integer(0), now_ms_.load());
  EXPECT_FALSE(lease());
  EXPECT_EQ(queue_.stats().dead, 1);

  EXPECT_TRUE(queue_.revive(id));
  EXPECT_FALSE(queue_.revive(id));
  EXPECT_EQ(status(id), "ready");
  EXPECT_TRUE(row(id, "finished_at").is_null(0));
  auto revived = lease();
  ASSERT_TRUE(revived);
  EXPECT_EQ(revived->attempt, 1) << "a fresh attempt budget";
  EXPECT_EQ(revived->state_json, R"({"step":1})")
      << "progress survives, so a revived job does not repeat work";
  EXPECT_FALSE(queue_.revive(987654321));
}

TEST_F(JobQueueTest, PurgeDoneDeletesOnlyOldFinishedJobs) {
  auto finish = [&](std::string how) {
    const std::int64_t id = queue_.enqueue(spec());
    auto job = lease();
    if (!job || job->id != id) throw std::runtime_error("lease failed");
    if (how == "done") queue_.complete(*job, "{}");
    if (how == "dead") queue_.bury(*job, "bad", "{}");
    return id;
  };
  const std::int64_t old_done = finish("done");
  const std::int64_t old_dead = finish("dead");
  advance(24h);
  const std::int64_t recent_done = finish("done");
  const std::int64_t running = finish("running");
  const std::int64_t ready = queue_.enqueue(spec());

  EXPECT_EQ(queue_.purge_done(now() - 1h), 1);
  EXPECT_THROW(status(old_done), std::runtime_error);
  for (std::int64_t kept : {old_dead, recent_done, running, ready}) EXPECT_NO_THROW(status(kept));
  EXPECT_EQ(queue_.purge_done(now() - 1h), 0);
}

TEST_F(JobQueueTest, StatsCountEveryStatePerKind) {
  EXPECT_TRUE(queue_.stats_by_kind().empty());
  auto add = [&](std::string kind, std::chrono::seconds delay = 0s) {
    JobSpec made = spec(std::move(kind));
    made.run_at = now() + delay;
    return queue_.enqueue(made);
  };
  // a: one done, one dead, one running, two ready, one scheduled.
  add("a");
  add("a");
  add("a");
  add("a");
  add("a");
  add("a", 300s);
  add("b", 60s);
  auto done = lease("w", {"a"});
  auto dead = lease("w", {"a"});
  ASSERT_TRUE(lease("w", {"a"}));
  ASSERT_TRUE(done && dead);
  queue_.complete(*done, "{}");
  queue_.bury(*dead, "x", "{}");

  auto by_kind = queue_.stats_by_kind();
  ASSERT_EQ(by_kind.size(), 2u);
  EXPECT_EQ(by_kind[0].first, "a");
  const QueueStats& a = by_kind[0].second;
  EXPECT_EQ(a.ready, 2);
  EXPECT_EQ(a.scheduled, 1);
  EXPECT_EQ(a.running, 1);
  EXPECT_EQ(a.done, 1);
  EXPECT_EQ(a.dead, 1);
  EXPECT_EQ(by_kind[1].first, "b");
  EXPECT_EQ(by_kind[1].second.scheduled, 1);
  EXPECT_EQ(by_kind[1].second.ready, 0);

  advance(60s);
  const QueueStats total = queue_.stats();
  EXPECT_EQ(total.ready, 3) << "b's run_at has come";
  EXPECT_EQ(total.scheduled, 1);
  EXPECT_EQ(total.running, 1);
  EXPECT_EQ(total.done, 1);
  EXPECT_EQ(total.dead, 1);
}

// ---- concurrency ------------------------------------------------------------------

TEST_F(JobQueueTest, ConcurrentWorkersLeaseEveryJobExactlyOnce) {
  constexpr int kThreads = 4;
  constexpr int kJobsPerThread = 500;
  std::atomic<int> producers_left{kThreads};
  std::mutex seen_mutex;
  std::map<std::int64_t, int> times_leased;
  std::set<std::int64_t> enqueued;
  std::atomic<int> lost{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kJobsPerThread; ++i) {
        const std::int64_t id = queue_.enqueue(spec("k", std::to_string(t * kJobsPerThread + i)));
        std::lock_guard lock(seen_mutex);
        enqueued.insert(id);
      }
      --producers_left;
    });
    threads.emplace_back([&, t] {
      const std::string worker = "worker-" + std::to_string(t);
      while (true) {
        const bool producing = producers_left.load() > 0;
        auto job = queue_.lease(worker, {"k"}, 300s);
        if (!job) {
          if (!producing) return;  // nothing left after every producer finished
          std::this_thread::yield();
          continue;
        }
        {
          std::lock_guard lock(seen_mutex);
          ++times_leased[job->id];
        }
        if (!queue_.complete(*job, "{}")) ++lost;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(enqueued.size(), std::size_t{kThreads * kJobsPerThread});
  EXPECT_EQ(times_leased.size(), enqueued.size());
  for (const auto& [id, times] : times_leased) {
    EXPECT_EQ(times, 1) << "job " << id;
    EXPECT_TRUE(enqueued.contains(id));
  }
  EXPECT_EQ(lost.load(), 0);
  const QueueStats stats = queue_.stats();
  EXPECT_EQ(stats.done, kThreads * kJobsPerThread);
  EXPECT_EQ(stats.ready + stats.running + stats.scheduled + stats.dead, 0);
}

// ---- crash --------------------------------------------------------------------------

// A process killed with SIGKILL: every enqueue it saw committed survives, the
// transaction it was in is gone, and the job it had leased comes back once
// the lease expires.
TEST_F(JobQueueTest, KilledProcessLosesNothingCommittedAndItsLeaseExpires) {
  int acknowledgements[2];
  ASSERT_EQ(pipe(acknowledgements), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Its own connections: the parent's must not be used across fork().
    close(acknowledgements[0]);
    SqliteDatabase database(SqliteSettings{.path = scratch_.file(), .pool_size = 1});
    SqlJobQueue queue(database, SqlJobQueueSettings{.now = [this] { return now(); }});
    for (int i = 0; i < 20; ++i) {
      const std::int64_t id = queue.enqueue(spec("k", std::to_string(i)));
      if (write(acknowledgements[1], &id, sizeof id) != sizeof id) _exit(2);
    }
    auto job = queue.lease("doomed", {}, 30s);
    const std::int64_t leased = job ? job->id : 0;
    if (write(acknowledgements[1], &leased, sizeof leased) != sizeof leased) _exit(2);
    auto conn = database.lease();
    conn->begin();
    queue.enqueue(*conn, spec("k", R"("never committed")"));
    kill(getpid(), SIGKILL);
    _exit(3);
  }
  close(acknowledgements[1]);
  std::vector<std::int64_t> received;
  std::int64_t id = 0;
  while (read(acknowledgements[0], &id, sizeof id) == sizeof id) received.push_back(id);
  close(acknowledgements[0]);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL);
  ASSERT_EQ(received.size(), 21u);

  const std::vector<std::int64_t> acknowledged(received.begin(), received.end() - 1);
  const std::int64_t leased = received.back();
  EXPECT_EQ(leased, acknowledged.front());
  for (std::int64_t committed : acknowledged) EXPECT_NO_THROW(status(committed));
  EXPECT_EQ(job_count(), 20) << "the open transaction died with the process";
  EXPECT_EQ(status(leased), "running");

  std::set<std::int64_t> run;
  while (auto job = lease("survivor")) run.insert(job->id);
  EXPECT_EQ(run.size(), 19u) << "all but the leased job";
  EXPECT_FALSE(run.contains(leased));
  advance(30s);
  auto taken_over = lease("survivor");
  ASSERT_TRUE(taken_over);
  EXPECT_EQ(taken_over->id, leased);
  EXPECT_EQ(taken_over->attempt, 2);
}

}  // namespace
}  // namespace iv::store
