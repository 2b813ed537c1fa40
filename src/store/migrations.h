// Versioned schema migrations: plain, portable SQL files named
// `NNNN_name.sql` (four or more digits, then lower-case letters, digits and
// underscores) in one directory, applied in version order.
//
// Each applied migration is recorded in
//   schema_migrations(version INTEGER PRIMARY KEY, name TEXT, checksum TEXT, applied_at TEXT)
// where `checksum` is the FNV-1a 64 hash of the file (change detection, not
// security) and `applied_at` an ISO-8601 UTC time written by this code.
//
// A migration file must not contain BEGIN/COMMIT: each one runs in its own
// transaction together with its schema_migrations row, so it is applied
// completely or not at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>  // store/sql.h uses std::exchange without including it
#include <vector>

#include "store/sql.h"

namespace iv::store {

struct Migration {
  std::int64_t version = 0;
  std::string name;      // file name without version and extension: "content"
  std::string sql;       // the file's text
  std::string checksum;  // 16 lower-case hex digits
};

class Migrator {
 public:
  explicit Migrator(std::filesystem::path migrations_dir);

  // Reads the migration files, sorted by version. Throws StoreError for an
  // unreadable directory, a `.sql` file whose name does not follow the pattern,
  // or two files with the same version.
  std::vector<Migration> files() const;

  // Applies every migration not yet recorded and returns how many it applied.
  // Throws StoreError, applying nothing further, when the database records a
  // version that has no file (a newer build ran against it: downgrade
  // protection), when an applied file's checksum changed, or when a migration
  // fails (that migration is rolled back).
  //
  // Safe when several processes start at once: each migration re-checks its
  // version inside its transaction, and a process that loses a race (its
  // INSERT into schema_migrations or its DDL fails) re-reads the applied
  // versions and retries once.
  int apply(SqlConnection& connection) const;

  // Migrations that apply() would run, after the same consistency checks.
  std::vector<Migration> pending(SqlConnection& connection) const;

 private:
  int apply_pending(SqlConnection& connection, int& applied) const;

  std::filesystem::path dir_;
};

// FNV-1a 64 of `bytes` as 16 lower-case hex digits.
std::string fnv1a64_hex(std::string_view bytes);

}  // namespace iv::store
