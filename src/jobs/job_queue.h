// Port of the durable job queue. The SQL implementation (store/sql_job_queue)
// serves SQLite and PostgreSQL; on PostgreSQL leasing uses FOR UPDATE SKIP LOCKED.
//
// Delivery is at-least-once: a job whose worker dies is leased again when its
// lease expires. Handlers make side effects idempotent with Job::state_json
// and idempotency keys at the remote service.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job.h"

namespace iv::store {
class SqlConnection;
}

namespace iv::jobs {

struct QueueStats {
  std::int64_t ready = 0;      // runnable now
  std::int64_t scheduled = 0;  // waiting for run_at (retries, configuration waits)
  std::int64_t running = 0;    // leased
  std::int64_t dead = 0;       // dead letters
  std::int64_t done = 0;
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Adds a job inside the caller's open transaction on `conn`, so the job
  // commits or rolls back with the data that caused it. Returns the job id, or
  // the existing id when `dedupe_key` is already present.
  virtual std::int64_t enqueue(store::SqlConnection& conn, const JobSpec& spec) = 0;
  // Same, in its own transaction.
  virtual std::int64_t enqueue(const JobSpec& spec) = 0;

  // Leases the oldest runnable job of one of `kinds` (all kinds when empty) for
  // `lease_for`. Returns nullopt when none is runnable.
  virtual std::optional<Job> lease(const std::string& worker_id, const std::vector<std::string>& kinds,
                                   std::chrono::seconds lease_for) = 0;
  // Extends a lease held by `job`; false when the lease was lost.
  virtual bool heartbeat(const Job& job, std::chrono::seconds lease_for) = 0;

  // Records the outcome. Returns false when the lease was lost (another worker
  // took the job after expiry); the outcome is then discarded.
  virtual bool complete(const Job& job, const std::string& state_json) = 0;
  virtual bool retry(const Job& job, const std::string& error, const std::string& state_json,
                     Clock::time_point run_at) = 0;
  virtual bool wait(const Job& job, const std::string& reason,
                    Clock::time_point run_at) = 0;  // attempt not counted
  virtual bool bury(const Job& job, const std::string& error,
                    const std::string& state_json) = 0;  // dead letter

  virtual QueueStats stats() = 0;
  // Stats per kind, for /metrics.
  virtual std::vector<std::pair<std::string, QueueStats>> stats_by_kind() = 0;
  // Puts a dead letter back in the queue with a fresh attempt budget (admin action).
  virtual bool revive(std::int64_t job_id) = 0;
  // Deletes finished jobs older than `older_than` (keeps dead letters).
  virtual std::int64_t purge_done(Clock::time_point older_than) = 0;
};

}  // namespace iv::jobs
