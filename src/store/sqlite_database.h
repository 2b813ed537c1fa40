// SQLite engine for the SqlDatabase port: a fixed pool of connections to one
// database file in WAL mode.
//
// Every connection is opened with foreign_keys=ON, the busy timeout and the
// configured `synchronous` level, and keeps its own cache of prepared
// statements keyed by SQL text, so a repeated query is prepared only once per
// connection. Placeholders are $1..$n and are bound by number (SQLite itself
// would number `$name` parameters by first appearance). Engine failures throw
// StoreError carrying SQLite's message and the SQL.
//
// Thread-safe: lease() may be called from any thread; each leased connection
// is used by one thread at a time. The database must outlive its leases, and a
// thread must not lease a second connection while holding one (with a full
// pool that would wait for itself).
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>  // store/sql.h uses std::exchange without including it
#include <vector>

#include "store/sql.h"

namespace iv::store {

enum class SqliteSynchronous {
  // With WAL, a committed transaction survives a crash of the process (the WAL
  // is in the OS page cache); on power loss or an OS crash the last commits
  // may roll back, but the database is never corrupted.
  normal,
  // Also fsyncs the WAL on every commit: durable against power loss.
  full,
};

struct SqliteSettings {
  // Database file; its parent directory is created. ":memory:" gives a
  // private in-memory database and therefore a pool of one connection.
  std::filesystem::path path;
  int pool_size = 4;
  std::chrono::milliseconds busy_timeout{5000};
  SqliteSynchronous synchronous = SqliteSynchronous::normal;
  // Prepared statements kept per connection; when full the cache is emptied,
  // which only matters for code that builds unbounded numbers of SQL texts.
  int statement_cache_size = 256;
};

class SqliteConnection;

class SqliteDatabase final : public SqlDatabase {
 public:
  // Opens all pool connections and switches the file to WAL mode.
  // Throws StoreError when the file cannot be opened or configured, and
  // std::invalid_argument for a pool_size below 1.
  explicit SqliteDatabase(SqliteSettings settings);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Blocks until a connection is free. A transaction left open by the
  // previous holder has been rolled back.
  Lease lease() override;
  // Runs `SELECT 1`; false when the engine fails.
  bool ping() override;

  const SqliteSettings& settings() const { return settings_; }

 private:
  void release(SqliteConnection* connection);

  SqliteSettings settings_;
  std::vector<std::unique_ptr<SqliteConnection>> connections_;
  std::mutex mutex_;
  // Held by the connection inside a write transaction (see begin()).
  std::timed_mutex writer_;
  std::condition_variable connection_returned_;
  std::vector<SqliteConnection*> idle_;  // guarded by mutex_
};

}  // namespace iv::store
