// Test support: a scratch directory that is removed with everything in it, and
// a SQLite database file inside one with the project's migrations applied.
//
// Header-only; tests/unit/*.cpp include it as "support/temp_database.h".
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include "store/migrations.h"
#include "store/sqlite_database.h"

namespace iv::test {

// The repository root, found from this header's own path
// (<root>/tests/unit/support/temp_database.h).
inline std::filesystem::path source_dir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

// A new, empty directory under the system temp directory, named `prefix`
// followed by random digits so parallel test processes do not collide.
// Removed recursively on destruction; a failed removal is ignored.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            (std::string(prefix) + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `app.db` in a fresh TempDir, opened with `pool_size` connections and
// migrated with <root>/migrations before the constructor returns. Throws
// store::StoreError when opening or migrating fails.
class MigratedDatabase {
 public:
  explicit MigratedDatabase(std::string_view dir_prefix, int pool_size = 4)
      : dir_(dir_prefix), database_(store::SqliteSettings{.path = file(), .pool_size = pool_size}) {
    store::Migrator(source_dir() / "migrations").apply(*database_.lease());
  }

  // The database file, for a second SqliteDatabase on the same data (e.g. in
  // a forked child).
  std::filesystem::path file() const { return dir_.path() / "app.db"; }
  store::SqliteDatabase& database() { return database_; }

 private:
  TempDir dir_;
  store::SqliteDatabase database_;
};

}  // namespace iv::test
