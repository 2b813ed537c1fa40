// The durable job queue over the SQL port (table `jobs`, migrations/0002_jobs.sql).
//
// Leasing picks, inside one transaction, the oldest runnable job of the
// requested kinds: first a running job whose lease expired (its worker died;
// the attempt it was on counts), then the ready job with the smallest
// (run_at, id). The chosen row gets a fresh random lease token and attempt+1.
// SQLite serialises leases with BEGIN IMMEDIATE; PostgreSQL selects the row
// with FOR UPDATE SKIP LOCKED so many workers lease different rows at once.
// A job whose lease expired on its last allowed attempt is buried instead of
// being run again, so a job that kills its worker cannot loop forever. When
// nothing is runnable, lease() returns after one read, without a transaction.
//
// complete / retry / wait / bury / heartbeat only change a row whose lease
// token still matches (and clear the token), so a worker that lost its lease
// learns it from a false result and its outcome is dropped.
//
// Thread-safe: each call leases its own connection from the database, except
// enqueue(conn, spec), which uses the caller's connection and transaction.
// Engine failures throw StoreError.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <utility>  // store/sql.h uses std::exchange without including it

#include "jobs/job_queue.h"
#include "store/sql.h"

namespace iv::store {

struct SqlJobQueueSettings {
  // Source of "now" for run_at, leases and stats; tests substitute their own.
  // Default: jobs::Clock::now.
  std::function<jobs::Clock::time_point()> now;
};

class SqlJobQueue final : public jobs::JobQueue {
 public:
  // `db` must outlive the queue and hold the `jobs` table.
  explicit SqlJobQueue(SqlDatabase& db, SqlJobQueueSettings settings = {});

  std::int64_t enqueue(SqlConnection& conn, const jobs::JobSpec& spec) override;
  std::int64_t enqueue(const jobs::JobSpec& spec) override;

  std::optional<jobs::Job> lease(const std::string& worker_id, const std::vector<std::string>& kinds,
                                 std::chrono::seconds lease_for) override;
  bool heartbeat(const jobs::Job& job, std::chrono::seconds lease_for) override;

  bool complete(const jobs::Job& job, const std::string& state_json) override;
  bool retry(const jobs::Job& job, const std::string& error, const std::string& state_json,
             jobs::Clock::time_point run_at) override;
  bool wait(const jobs::Job& job, const std::string& reason, jobs::Clock::time_point run_at) override;
  bool bury(const jobs::Job& job, const std::string& error, const std::string& state_json) override;

  jobs::QueueStats stats() override;
  // Sorted by kind.
  std::vector<std::pair<std::string, jobs::QueueStats>> stats_by_kind() override;
  // Only a dead job can be revived: back to ready now, attempt 0.
  bool revive(std::int64_t job_id) override;
  std::int64_t purge_done(jobs::Clock::time_point older_than) override;

 private:
  std::int64_t now_ms() const;
  std::int64_t next_id();
  std::string new_lease_token();
  bool has_runnable(SqlConnection& conn, const std::vector<std::string>& kinds);
  std::optional<jobs::Job> lease_in_transaction(SqlConnection& conn, const std::string& worker_id,
                                                const std::vector<std::string>& kinds,
                                                std::chrono::seconds lease_for);
  // Runs a lease-checked UPDATE (params: $1 id, $2 token, then `more`); true when it changed the row.
  enum class Durability { relaxed, full };
  bool update_leased(std::string_view sql, const jobs::Job& job, std::vector<SqlValue> more,
                     Durability durability = Durability::relaxed);

  SqlDatabase& db_;
  SqlJobQueueSettings settings_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;  // guarded by random_mutex_
  std::atomic<std::int64_t> last_id_{0};
};

}  // namespace iv::store
