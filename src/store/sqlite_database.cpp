#include "store/sqlite_database.h"

#include <algorithm>
#include <charconv>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_map>

#include <sqlite3.h>

namespace iv::store {
namespace {

constexpr std::size_t kMaxSqlInMessage = 600;

std::string describe_sql(std::string_view sql) {
  if (sql.size() <= kMaxSqlInMessage) return std::string(sql);
  return std::string(sql.substr(0, kMaxSqlInMessage)) + "...";
}

bool only_blanks(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

// Maps a SQLite parameter name such as "$3" to 3; 0 for any other form.
std::size_t placeholder_number(const char* name) {
  if (name == nullptr || name[0] != '$') return 0;
  std::string_view digits(name + 1);
  std::size_t number = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return 0;
  return number;
}

// Heterogeneous lookup, so finding a cached statement needs no string copy.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(const SqliteSettings& settings, bool in_memory, std::timed_mutex& writer)
      : cache_limit_(settings.statement_cache_size),
        writer_(writer),
        writer_wait_(settings.busy_timeout),
        synchronous_full_(settings.synchronous == SqliteSynchronous::full) {
    const std::string path = settings.path.string();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      throw StoreError("sqlite: cannot open " + path + ": " + message);
    }
    try {
      configure(settings, in_memory);
    } catch (...) {
      close();
      throw;
    }
  }

  ~SqliteConnection() override { close(); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  std::int64_t execute(std::string_view sql, std::initializer_list<SqlValue> params) override {
    return run(sql, std::span(params.begin(), params.size()), nullptr);
  }
  std::int64_t execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    return run(sql, params, nullptr);
  }
  std::vector<SqlRow> query(std::string_view sql, std::initializer_list<SqlValue> params) override {
    std::vector<SqlRow> rows;
    run(sql, std::span(params.begin(), params.size()), &rows);
    return rows;
  }
  std::vector<SqlRow> query(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<SqlRow> rows;
    run(sql, params, &rows);
    return rows;
  }

  void execute_script(std::string_view sql) override {
    const std::string script(sql);  // sqlite3_exec wants a terminated string
    char* error = nullptr;
    if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      throw StoreError("sqlite: " + message + " in script: " + describe_sql(sql));
    }
  }

  // IMMEDIATE takes the write lock up front: two deferred transactions that
  // both read and then write would deadlock, and SQLite answers that with
  // SQLITE_BUSY without waiting for the busy timeout.
  //
  // The process-wide writer mutex is taken first: SQLite's own busy handler
  // waits by sleeping (1, 2, 5, ... 100 ms), so writers of one process that
  // contend through it see latencies of tens of milliseconds; queued on a
  // mutex they follow each other at once. Other processes still meet the
  // busy handler.
  void begin() override {
    lock_writer();
    try {
      run("BEGIN IMMEDIATE", {}, nullptr);
    } catch (...) {
      unlock_writer();
      throw;
    }
  }
  void begin_relaxed() override {
    lock_writer();
    try {
      if (synchronous_full_) {
        // Outside a transaction, as SQLite requires; restored at its end.
        run("PRAGMA synchronous=NORMAL", {}, nullptr);
        relaxed_ = true;
      }
      run("BEGIN IMMEDIATE", {}, nullptr);
    } catch (...) {
      end_transaction();
      throw;
    }
  }
  void commit() override {
    run("COMMIT", {}, nullptr);
    end_transaction();
  }
  void rollback() override {
    // SQLite may already have rolled back (for example after a failed
    // COMMIT); a second ROLLBACK would fail and hide the original error.
    if (in_transaction()) run("ROLLBACK", {}, nullptr);
    end_transaction();
  }

  std::string_view dialect() const override { return "sqlite"; }

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Called when a lease ends: never hand the next holder an open transaction.
  void abandon_transaction() noexcept {
    if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    try {
      end_transaction();
    } catch (...) {
      // Restoring synchronous failed: the connection is broken anyway.
    }
  }

 private:
  void lock_writer() {
    if (holds_writer_) throw StoreError("sqlite: begin inside a transaction");
    if (!writer_.try_lock_for(writer_wait_)) {
      throw StoreError("sqlite: database is locked (another writer of this process held it for " +
                       std::to_string(writer_wait_.count()) + " ms)");
    }
    holds_writer_ = true;
  }
  void unlock_writer() noexcept {
    if (!holds_writer_) return;
    holds_writer_ = false;
    writer_.unlock();
  }
  // After COMMIT or ROLLBACK (or a failed BEGIN): durability back to the
  // configured level, writer mutex released.
  void end_transaction() {
    if (relaxed_ && !in_transaction()) {
      relaxed_ = false;
      try {
        run("PRAGMA synchronous=FULL", {}, nullptr);
      } catch (...) {
        unlock_writer();
        throw;
      }
    }
    unlock_writer();
  }

  // Resets a statement when a call ends, however it ends, so the cached
  // statement releases its read snapshot and the caller's parameter memory.
  class StatementReset {
   public:
    explicit StatementReset(sqlite3_stmt* statement) : statement_(statement) {}
    ~StatementReset() {
      sqlite3_reset(statement_);
      sqlite3_clear_bindings(statement_);
    }
    StatementReset(const StatementReset&) = delete;
    StatementReset& operator=(const StatementReset&) = delete;

   private:
    sqlite3_stmt* statement_;
  };

  void configure(const SqliteSettings& settings, bool in_memory) {
    sqlite3_busy_timeout(db_, static_cast<int>(settings.busy_timeout.count()));
    auto mode = query("PRAGMA journal_mode=WAL", {});
    const std::string journal_mode = mode.empty() ? "" : mode.front().text(0);
    if (journal_mode != "wal" && !(in_memory && journal_mode == "memory")) {
      throw StoreError("sqlite: cannot enable WAL on " + settings.path.string() + " (journal_mode is \"" +
                       journal_mode + "\")");
    }
    execute_script(settings.synchronous == SqliteSynchronous::full ? "PRAGMA synchronous=FULL"
                                                                   : "PRAGMA synchronous=NORMAL");
    execute_script("PRAGMA foreign_keys=ON");
  }

  void close() noexcept {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    statements_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  [[noreturn]] void fail(std::string_view sql) const {
    throw StoreError("sqlite: " + std::string(sqlite3_errmsg(db_)) + " (code " +
                     std::to_string(sqlite3_extended_errcode(db_)) + ") in: " + describe_sql(sql));
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &statement, &tail) != SQLITE_OK) {
      fail(sql);
    }
    if (statement == nullptr) throw StoreError("sqlite: empty statement: \"" + describe_sql(sql) + "\"");
    std::string_view rest(tail, sql.data() + sql.size() - tail);
    if (!only_blanks(rest) && has_statement(rest)) {
      sqlite3_finalize(statement);
      throw StoreError("sqlite: several statements in one call (use execute_script): " + describe_sql(sql));
    }
    if (std::ssize(statements_) >= cache_limit_) {
      for (auto& [cached_sql, cached] : statements_) sqlite3_finalize(cached);
      statements_.clear();
    }
    statements_.emplace(std::string(sql), statement);
    return statement;
  }

  // True when `sql` holds something other than blanks, comments and ';'.
  bool has_statement(std::string_view sql) {
    while (!sql.empty()) {
      sqlite3_stmt* statement = nullptr;
      const char* tail = nullptr;
      if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, &tail) != SQLITE_OK) {
        return true;
      }
      if (statement != nullptr) {
        sqlite3_finalize(statement);
        return true;
      }
      if (tail == sql.data()) return false;
      sql.remove_prefix(static_cast<std::size_t>(tail - sql.data()));
    }
    return false;
  }

  void bind(sqlite3_stmt* statement, std::span<const SqlValue> params, std::string_view sql) {
    std::vector<bool> used(params.size(), false);
    const int count = sqlite3_bind_parameter_count(statement);
    for (int index = 1; index <= count; ++index) {
      const char* name = sqlite3_bind_parameter_name(statement, index);
      const std::size_t number = placeholder_number(name);
      if (number == 0 || number > params.size()) {
        throw StoreError("sqlite: placeholder " + std::string(name ? name : "?") + " has no value (" +
                         std::to_string(params.size()) + " given; use $1..$n) in: " + describe_sql(sql));
      }
      used[number - 1] = true;
      if (bind_value(statement, index, params[number - 1]) != SQLITE_OK) fail(sql);
    }
    // PostgreSQL rejects parameters the statement does not use; catch that here too.
    if (auto unused = std::find(used.begin(), used.end(), false); unused != used.end()) {
      throw StoreError("sqlite: parameter $" + std::to_string(unused - used.begin() + 1) +
                       " is not used in: " + describe_sql(sql));
    }
  }

  // The values outlive the statement's use (bindings are cleared before the
  // call returns), so SQLite need not copy them.
  static int bind_value(sqlite3_stmt* statement, int index, const SqlValue& value) {
    if (const auto* n = std::get_if<std::int64_t>(&value)) return sqlite3_bind_int64(statement, index, *n);
    if (const auto* d = std::get_if<double>(&value)) return sqlite3_bind_double(statement, index, *d);
    if (const auto* s = std::get_if<std::string>(&value)) {
      return sqlite3_bind_text64(statement, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    return sqlite3_bind_null(statement, index);
  }

  static SqlValue column_value(sqlite3_stmt* statement, int column) {
    switch (sqlite3_column_type(statement, column)) {
      case SQLITE_INTEGER:
        return std::int64_t{sqlite3_column_int64(statement, column)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(statement, column);
      case SQLITE_NULL:
        return nullptr;
      default: {  // TEXT and BLOB both come back as bytes
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, column));
        return std::string(data ? data : "",
                           static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
      }
    }
  }

  // Runs one statement, collecting result rows into `rows` when given.
  std::int64_t run(std::string_view sql, std::span<const SqlValue> params, std::vector<SqlRow>* rows) {
    sqlite3_stmt* statement = prepare(sql);
    StatementReset reset(statement);
    bind(statement, params, sql);
    const std::int64_t changes_before = sqlite3_total_changes64(db_);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      if (rows == nullptr) continue;
      // Asked after stepping: a schema change re-prepares the statement
      // inside sqlite3_step, and `SELECT *` may then have more columns.
      const int columns = sqlite3_column_count(statement);
      std::vector<SqlValue> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int column = 0; column < columns; ++column) values.push_back(column_value(statement, column));
      rows->emplace_back(std::move(values));
    }
    if (rc != SQLITE_DONE) fail(sql);
    // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, even
    // across later DDL or SELECTs; only trust it when this statement changed rows.
    return sqlite3_total_changes64(db_) == changes_before ? 0 : sqlite3_changes64(db_);
  }

  sqlite3* db_ = nullptr;
  std::ptrdiff_t cache_limit_;
  std::timed_mutex& writer_;
  std::chrono::milliseconds writer_wait_;
  bool synchronous_full_;
  bool holds_writer_ = false;
  bool relaxed_ = false;  // synchronous lowered for the current transaction
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> statements_;
};

SqliteDatabase::SqliteDatabase(SqliteSettings settings) : settings_(std::move(settings)) {
  if (settings_.pool_size < 1) throw std::invalid_argument("SqliteSettings.pool_size must be at least 1");
  const bool in_memory = settings_.path == ":memory:";
  // Each connection to ":memory:" would be a separate, empty database.
  if (in_memory) settings_.pool_size = 1;
  if (!in_memory && settings_.path.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(settings_.path.parent_path(), error);
    if (error) {
      throw StoreError("sqlite: cannot create directory " + settings_.path.parent_path().string() + ": " +
                       error.message());
    }
  }
  for (int i = 0; i < settings_.pool_size; ++i) {
    connections_.push_back(std::make_unique<SqliteConnection>(settings_, in_memory, writer_));
    idle_.push_back(connections_.back().get());
  }
}

SqliteDatabase::~SqliteDatabase() = default;

SqlDatabase::Lease SqliteDatabase::lease() {
  std::unique_lock lock(mutex_);
  connection_returned_.wait(lock, [this] { return !idle_.empty(); });
  SqliteConnection* connection = idle_.back();
  idle_.pop_back();
  return Lease(connection, [this, connection](SqlConnection*) { release(connection); });
}

void SqliteDatabase::release(SqliteConnection* connection) {
  connection->abandon_transaction();
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection);
  }
  connection_returned_.notify_one();
}

bool SqliteDatabase::ping() {
  try {
    auto connection = lease();
    auto rows = connection->query("SELECT 1");
    return rows.size() == 1 && rows.front().integer(0) == 1;
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace iv::store
