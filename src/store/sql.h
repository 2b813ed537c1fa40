// Engine-neutral SQL port. Repositories are written against this interface
// with portable SQL: placeholders are $1, $2, ... (SQLite and PostgreSQL both
// accept them), no engine-specific functions, upserts as
// "INSERT ... ON CONFLICT (...) DO UPDATE", booleans as integers 0/1, time as
// ISO-8601 text or integer epoch seconds.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace iv::store {

// Thrown when the engine fails (I/O, constraint, lost connection, bad SQL).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
  // Conversions: text of a number is parsed, a number is printed; null gives 0 / "".
  std::int64_t integer(std::size_t i) const;
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;

 private:
  std::vector<SqlValue> values_;
};

// One connection, used by one thread at a time.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs a statement; returns the number of rows changed.
  virtual std::int64_t execute(std::string_view sql, std::initializer_list<SqlValue> params = {}) = 0;
  virtual std::int64_t execute(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  virtual std::vector<SqlRow> query(std::string_view sql, std::initializer_list<SqlValue> params = {}) = 0;
  virtual std::vector<SqlRow> query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual void execute_script(std::string_view sql) = 0;
  virtual void begin() = 0;
  // A transaction whose loss in a power failure or OS crash is harmless
  // because its work is redone (job leases and outcomes: an expired lease is
  // taken again and handlers are idempotent). It survives a crash of the
  // process like any other, but its commit does not wait for the disk.
  // SQLite: synchronous=NORMAL for this transaction; PostgreSQL: SET LOCAL
  // synchronous_commit = off. Engines without such a knob just begin().
  virtual void begin_relaxed() { begin(); }
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // "sqlite" or "postgres": for the few places where dialects must differ.
  virtual std::string_view dialect() const = 0;
};

// A pool of connections. lease() blocks until one is free.
class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  class Lease {
   public:
    Lease(SqlConnection* conn, std::function<void(SqlConnection*)> release)
        : conn_(conn), release_(std::move(release)) {}
    Lease(Lease&& other) noexcept
        : conn_(std::exchange(other.conn_, nullptr)), release_(std::move(other.release_)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ && release_) release_(conn_);
    }
    SqlConnection* operator->() const { return conn_; }
    SqlConnection& operator*() const { return *conn_; }

   private:
    SqlConnection* conn_;
    std::function<void(SqlConnection*)> release_;
  };
  virtual Lease lease() = 0;
  // Quick liveness check for /readyz.
  virtual bool ping() = 0;
};

namespace detail {
// Runs `fn` in the transaction `conn` has just begun: commits, or rolls back
// and rethrows if it throws.
template <class Fn>
auto finish_transaction(SqlConnection& conn, Fn&& fn) {
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      conn.commit();
    } else {
      auto result = fn();
      conn.commit();
      return result;
    }
  } catch (...) {
    conn.rollback();
    throw;
  }
}
}  // namespace detail

// Runs `fn` inside a transaction; rolls back and rethrows if it throws.
template <class Fn>
auto in_transaction(SqlConnection& conn, Fn&& fn) {
  conn.begin();
  return detail::finish_transaction(conn, std::forward<Fn>(fn));
}

// Like in_transaction, with begin_relaxed().
template <class Fn>
auto in_relaxed_transaction(SqlConnection& conn, Fn&& fn) {
  conn.begin_relaxed();
  return detail::finish_transaction(conn, std::forward<Fn>(fn));
}

}  // namespace iv::store
