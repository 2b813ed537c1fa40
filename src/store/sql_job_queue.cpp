#include "store/sql_job_queue.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace iv::store {
namespace {

using jobs::Clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Errors are for operators; a handler's long text (a whole HTTP body) is cut.
constexpr std::size_t kMaxErrorLength = 2000;
constexpr int kRandomIdBits = 21;
// Fresh ids to try when one collides with a job of another process.
constexpr int kIdAttempts = 8;

std::int64_t to_ms(Clock::time_point time) {
  return duration_cast<milliseconds>(time.time_since_epoch()).count();
}

Clock::time_point from_ms(std::int64_t ms) {
  return Clock::time_point(milliseconds(ms));
}

std::string clip(const std::string& text) {
  return text.substr(0, std::min(text.size(), kMaxErrorLength));
}

// " AND kind IN ($n, $n+1, ...)" with the kinds appended to `params`; "" for all kinds.
std::string kinds_condition(const std::vector<std::string>& kinds, std::vector<SqlValue>& params) {
  if (kinds.empty()) return "";
  std::string sql = " AND kind IN (";
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    params.emplace_back(kinds[i]);
    sql += (i == 0 ? "$" : ", $") + std::to_string(params.size());
  }
  return sql + ")";
}

// PostgreSQL lets concurrent workers pass over rows another transaction is
// leasing; SQLite has a single writer (BEGIN IMMEDIATE) and needs nothing.
std::string_view row_lock(const SqlConnection& conn) {
  return conn.dialect() == "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
}

void count_into(jobs::QueueStats& stats, const std::string& status, bool due, std::int64_t count) {
  if (status == "ready") {
    (due ? stats.ready : stats.scheduled) += count;
  } else if (status == "running") {
    stats.running += count;
  } else if (status == "done") {
    stats.done += count;
  } else if (status == "dead") {
    stats.dead += count;
  }
}

}  // namespace

SqlJobQueue::SqlJobQueue(SqlDatabase& db, SqlJobQueueSettings settings)
    : db_(db), settings_(std::move(settings)), random_(std::random_device{}()) {
  if (!settings_.now) settings_.now = [] { return Clock::now(); };
}

std::int64_t SqlJobQueue::now_ms() const {
  return to_ms(settings_.now());
}

// Time-ordered (see migrations/0002_jobs.sql): the wall clock, not the
// injectable one, because ids only need to be unique and roughly ordered.
std::int64_t SqlJobQueue::next_id() {
  std::int64_t random_bits = 0;
  {
    std::lock_guard lock(random_mutex_);
    random_bits = static_cast<std::int64_t>(random_() & ((std::uint64_t{1} << kRandomIdBits) - 1));
  }
  const std::int64_t candidate = (to_ms(Clock::now()) << kRandomIdBits) | random_bits;
  std::int64_t last = last_id_.load();
  std::int64_t next = 0;
  do {
    next = std::max(candidate, last + 1);
  } while (!last_id_.compare_exchange_weak(last, next));
  return next;
}

std::string SqlJobQueue::new_lease_token() {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string token;
  std::lock_guard lock(random_mutex_);
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = random_();
    for (int i = 0; i < 16; ++i, bits >>= 4) token.push_back(kHex[bits & 0xf]);
  }
  return token;
}

std::int64_t SqlJobQueue::enqueue(SqlConnection& conn, const jobs::JobSpec& spec) {
  if (spec.kind.empty()) throw std::invalid_argument("JobSpec.kind must not be empty");
  if (spec.max_attempts < 1) throw std::invalid_argument("JobSpec.max_attempts must be at least 1");
  const std::int64_t now = now_ms();
  const std::int64_t run_at = spec.run_at == Clock::time_point{} ? now : to_ms(spec.run_at);
  const SqlValue dedupe_key = spec.dedupe_key.empty() ? SqlValue(nullptr) : SqlValue(spec.dedupe_key);
  // No conflict target: the statement must neither fail on a duplicate
  // dedupe_key nor on an id collision, because a failed statement aborts the
  // caller's whole transaction on PostgreSQL.
  constexpr std::string_view kInsert =
      "INSERT INTO jobs (id, kind, payload, state, status, attempt, max_attempts, run_at, dedupe_key, "
      "created_at, updated_at) VALUES ($1, $2, $3, '', 'ready', 0, $4, $5, $6, $7, $7) ON CONFLICT DO "
      "NOTHING";
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    const std::int64_t id = next_id();
    if (conn.execute(kInsert, {id, spec.kind, spec.payload_json, std::int64_t{spec.max_attempts}, run_at,
                               dedupe_key, now}) == 1) {
      return id;
    }
    if (!spec.dedupe_key.empty()) {
      auto existing = conn.query("SELECT id FROM jobs WHERE dedupe_key = $1", {spec.dedupe_key});
      if (!existing.empty()) return existing.front().integer(0);
    }
    // Otherwise the id collided with another process's job: draw again.
  }
  throw StoreError("jobs: could not find a free job id");
}

std::int64_t SqlJobQueue::enqueue(const jobs::JobSpec& spec) {
  auto conn = db_.lease();
  return in_transaction(*conn, [&] { return enqueue(*conn, spec); });
}

std::optional<jobs::Job> SqlJobQueue::lease(const std::string& worker_id,
                                            const std::vector<std::string>& kinds,
                                            std::chrono::seconds lease_for) {
  auto conn = db_.lease();
  if (!has_runnable(*conn, kinds)) return std::nullopt;
  // Relaxed: a lease lost to a power failure only means the job runs again.
  return in_relaxed_transaction(*conn,
                                [&] { return lease_in_transaction(*conn, worker_id, kinds, lease_for); });
}

// A read outside any transaction: idle workers poll often, and on SQLite
// BEGIN IMMEDIATE would take the database's single write lock each time.
bool SqlJobQueue::has_runnable(SqlConnection& conn, const std::vector<std::string>& kinds) {
  std::vector<SqlValue> params{now_ms()};
  const std::string condition = kinds_condition(kinds, params);
  return !conn.query(
                  "SELECT 1 FROM jobs WHERE ((status = 'ready' AND run_at <= $1) OR "
                  "(status = 'running' AND lease_expires_at <= $1))" +
                      condition + " LIMIT 1",
                  params)
              .empty();
}

std::optional<jobs::Job> SqlJobQueue::lease_in_transaction(SqlConnection& conn, const std::string& worker_id,
                                                           const std::vector<std::string>& kinds,
                                                           std::chrono::seconds lease_for) {
  const std::int64_t now = now_ms();

  // An expired lease on the last allowed attempt: the job most likely killed
  // its worker, so running it again would kill the next one.
  std::vector<SqlValue> bury_params{now, std::string("lease expired on the last attempt (worker died?)")};
  const std::string bury_condition = kinds_condition(kinds, bury_params);
  conn.execute(
      "UPDATE jobs SET status = 'dead', last_error = $2, lease_token = NULL, lease_expires_at = NULL, "
      "finished_at = $1, updated_at = $1 WHERE status = 'running' AND lease_expires_at <= $1 AND "
      "attempt >= max_attempts" +
          bury_condition,
      bury_params);

  std::vector<SqlValue> params{now};
  const std::string condition = kinds_condition(kinds, params);
  auto chosen =
      conn.query("SELECT id FROM jobs WHERE status = 'running' AND lease_expires_at <= $1" + condition +
                     " ORDER BY lease_expires_at, id LIMIT 1" + std::string(row_lock(conn)),
                 params);
  if (chosen.empty()) {
    chosen = conn.query("SELECT id FROM jobs WHERE status = 'ready' AND run_at <= $1" + condition +
                            " ORDER BY run_at, id LIMIT 1" + std::string(row_lock(conn)),
                        params);
  }
  if (chosen.empty()) return std::nullopt;

  jobs::Job job;
  job.id = chosen.front().integer(0);
  job.lease_token = new_lease_token();
  auto rows = conn.query(
      "UPDATE jobs SET status = 'running', attempt = attempt + 1, lease_owner = $2, lease_token = $3, "
      "lease_expires_at = $4, updated_at = $5 WHERE id = $1 "
      "RETURNING kind, payload, state, attempt, max_attempts, created_at",
      {job.id, worker_id, job.lease_token, now + duration_cast<milliseconds>(lease_for).count(), now});
  if (rows.empty()) throw StoreError("jobs: leased job " + std::to_string(job.id) + " vanished");
  const SqlRow& row = rows.front();
  job.kind = row.text(0);
  job.payload_json = row.text(1);
  job.state_json = row.text(2);
  job.attempt = static_cast<int>(row.integer(3));
  job.max_attempts = static_cast<int>(row.integer(4));
  job.created_at = from_ms(row.integer(5));
  return job;
}

bool SqlJobQueue::update_leased(std::string_view sql, const jobs::Job& job, std::vector<SqlValue> more,
                                Durability durability) {
  std::vector<SqlValue> params{job.id, job.lease_token};
  params.insert(params.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  auto conn = db_.lease();
  const auto update = [&] { return conn->execute(sql, params) == 1; };
  // Outcomes lost to a power failure leave the job leased; it runs again when
  // the lease expires, and handlers are idempotent. Dead letters wait for the disk.
  return durability == Durability::relaxed ? in_relaxed_transaction(*conn, update)
                                           : in_transaction(*conn, update);
}

bool SqlJobQueue::heartbeat(const jobs::Job& job, std::chrono::seconds lease_for) {
  const std::int64_t now = now_ms();
  return update_leased(
      "UPDATE jobs SET lease_expires_at = $3, updated_at = $4 "
      "WHERE id = $1 AND lease_token = $2 AND status = 'running'",
      job, {now + duration_cast<milliseconds>(lease_for).count(), now});
}

bool SqlJobQueue::complete(const jobs::Job& job, const std::string& state_json) {
  return update_leased(
      "UPDATE jobs SET status = 'done', state = $3, lease_token = NULL, lease_expires_at = NULL, "
      "finished_at = $4, updated_at = $4 WHERE id = $1 AND lease_token = $2 AND status = 'running'",
      job, {state_json, now_ms()});
}

bool SqlJobQueue::retry(const jobs::Job& job, const std::string& error, const std::string& state_json,
                        Clock::time_point run_at) {
  return update_leased(
      "UPDATE jobs SET status = 'ready', state = $3, last_error = $4, run_at = $5, lease_token = NULL, "
      "lease_expires_at = NULL, updated_at = $6 WHERE id = $1 AND lease_token = $2 AND status = 'running'",
      job, {state_json, clip(error), to_ms(run_at), now_ms()});
}

// The lease counted an attempt; a configuration wait gives it back.
bool SqlJobQueue::wait(const jobs::Job& job, const std::string& reason, Clock::time_point run_at) {
  return update_leased(
      "UPDATE jobs SET status = 'ready', attempt = attempt - 1, last_error = $3, run_at = $4, "
      "lease_token = NULL, lease_expires_at = NULL, updated_at = $5 "
      "WHERE id = $1 AND lease_token = $2 AND status = 'running'",
      job, {clip(reason), to_ms(run_at), now_ms()});
}

bool SqlJobQueue::bury(const jobs::Job& job, const std::string& error, const std::string& state_json) {
  return update_leased(
      "UPDATE jobs SET status = 'dead', state = $3, last_error = $4, lease_token = NULL, "
      "lease_expires_at = NULL, finished_at = $5, updated_at = $5 "
      "WHERE id = $1 AND lease_token = $2 AND status = 'running'",
      job, {state_json, clip(error), now_ms()}, Durability::full);
}

std::vector<std::pair<std::string, jobs::QueueStats>> SqlJobQueue::stats_by_kind() {
  auto conn = db_.lease();
  // Portable: no boolean columns in results (libpq would print 't'/'f').
  auto rows = conn->query(
      "SELECT kind, status, due, COUNT(*) FROM (SELECT kind, status, "
      "CASE WHEN run_at <= $1 THEN 1 ELSE 0 END AS due FROM jobs) AS counted GROUP BY kind, status, due",
      {now_ms()});
  std::map<std::string, jobs::QueueStats> by_kind;
  for (const SqlRow& row : rows)
    count_into(by_kind[row.text(0)], row.text(1), row.integer(2) == 1, row.integer(3));
  return {by_kind.begin(), by_kind.end()};
}

jobs::QueueStats SqlJobQueue::stats() {
  jobs::QueueStats total;
  for (const auto& [kind, stats] : stats_by_kind()) {
    total.ready += stats.ready;
    total.scheduled += stats.scheduled;
    total.running += stats.running;
    total.dead += stats.dead;
    total.done += stats.done;
  }
  return total;
}

bool SqlJobQueue::revive(std::int64_t job_id) {
  auto conn = db_.lease();
  return conn->execute(
             "UPDATE jobs SET status = 'ready', attempt = 0, run_at = $2, lease_token = NULL, "
             "lease_expires_at = NULL, finished_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'dead'",
             {job_id, now_ms()}) == 1;
}

std::int64_t SqlJobQueue::purge_done(Clock::time_point older_than) {
  auto conn = db_.lease();
  return conn->execute("DELETE FROM jobs WHERE status = 'done' AND finished_at < $1", {to_ms(older_than)});
}

}  // namespace iv::store
