#include "store/migrations.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace iv::store {
namespace {

struct AppliedMigration {
  std::string name;
  std::string checksum;
};

using AppliedMigrations = std::map<std::int64_t, AppliedMigration>;

std::string file_name(const Migration& migration) {
  std::string version = std::to_string(migration.version);
  if (version.size() < 4) version.insert(0, 4 - version.size(), '0');
  return version + "_" + migration.name + ".sql";
}

// "0001_content.sql" -> {1, "content"}; nullopt when the name does not follow the pattern.
std::optional<std::pair<std::int64_t, std::string>> parse_file_name(const std::string& file) {
  constexpr std::string_view kExtension = ".sql";
  if (!file.ends_with(kExtension)) return std::nullopt;
  const std::string_view stem = std::string_view(file).substr(0, file.size() - kExtension.size());
  const std::size_t underscore = stem.find('_');
  if (underscore == std::string_view::npos || underscore < 4) return std::nullopt;
  const std::string_view digits = stem.substr(0, underscore);
  const std::string_view name = stem.substr(underscore + 1);
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc{} || end != digits.data() + digits.size() || version < 1) return std::nullopt;
  auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; };
  if (name.empty() || !std::all_of(name.begin(), name.end(), allowed)) return std::nullopt;
  return std::pair{version, std::string(name)};
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) throw StoreError("migrations: cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

void ensure_migrations_table(SqlConnection& connection) {
  connection.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
}

AppliedMigrations read_applied(SqlConnection& connection) {
  AppliedMigrations applied;
  for (const SqlRow& row : connection.query("SELECT version, name, checksum FROM schema_migrations")) {
    applied.emplace(row.integer(0), AppliedMigration{row.text(1), row.text(2)});
  }
  return applied;
}

void refuse_changed_file(const Migration& file, const std::string& applied_checksum) {
  if (file.checksum == applied_checksum) return;
  throw StoreError("migrations: " + file_name(file) + " changed after it was applied (checksum " +
                   file.checksum + ", applied " + applied_checksum +
                   "); add a new migration instead of editing an applied one");
}

// Every applied version must still have its file, unchanged.
void check_consistency(const std::vector<Migration>& files, const AppliedMigrations& applied) {
  const std::int64_t latest_file = files.empty() ? 0 : files.back().version;
  for (const auto& [version, record] : applied) {
    auto file =
        std::find_if(files.begin(), files.end(), [&](const Migration& m) { return m.version == version; });
    if (file == files.end()) {
      if (version > latest_file) {
        throw StoreError("migrations: the database is at schema version " + std::to_string(version) + " (" +
                         record.name + "), newer than this build's latest migration " +
                         std::to_string(latest_file) + "; refusing to run an older build against it");
      }
      throw StoreError("migrations: version " + std::to_string(version) + " (" + record.name +
                       ") was applied but its file is missing");
    }
    refuse_changed_file(*file, record.checksum);
  }
}

// Runs one migration with its bookkeeping row in one transaction. Returns
// false when another process applied it after we read the applied versions.
bool apply_one(SqlConnection& connection, const Migration& migration) {
  return in_transaction(connection, [&] {
    auto existing =
        connection.query("SELECT checksum FROM schema_migrations WHERE version = $1", {migration.version});
    if (!existing.empty()) {
      refuse_changed_file(migration, existing.front().text(0));
      return false;
    }
    try {
      connection.execute_script(migration.sql);
    } catch (const StoreError& error) {
      throw StoreError("migrations: " + file_name(migration) + " failed: " + error.what());
    }
    connection.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        {migration.version, migration.name, migration.checksum, utc_now_iso8601()});
    return true;
  });
}

}  // namespace

std::string fnv1a64_hex(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) hex[static_cast<std::size_t>(i)] = kDigits[hash & 0xf];
  return hex;
}

Migrator::Migrator(std::filesystem::path migrations_dir) : dir_(std::move(migrations_dir)) {}

std::vector<Migration> Migrator::files() const {
  std::error_code error;
  std::filesystem::directory_iterator entries(dir_, error);
  if (error) throw StoreError("migrations: cannot read directory " + dir_.string() + ": " + error.message());
  std::vector<Migration> migrations;
  for (const auto& entry : entries) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.ends_with(".sql")) continue;
    auto parsed = parse_file_name(file);
    if (!parsed) {
      throw StoreError("migrations: " + entry.path().string() +
                       ": file name must look like 0001_short_name.sql (lower-case)");
    }
    std::string sql = read_file(entry.path());
    std::string checksum = fnv1a64_hex(sql);
    migrations.push_back({parsed->first, std::move(parsed->second), std::move(sql), std::move(checksum)});
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  auto duplicate =
      std::adjacent_find(migrations.begin(), migrations.end(),
                         [](const Migration& a, const Migration& b) { return a.version == b.version; });
  if (duplicate != migrations.end()) {
    throw StoreError("migrations: " + file_name(*duplicate) + " and " + file_name(*std::next(duplicate)) +
                     " have the same version");
  }
  return migrations;
}

std::vector<Migration> Migrator::pending(SqlConnection& connection) const {
  ensure_migrations_table(connection);
  std::vector<Migration> migrations = files();
  const AppliedMigrations applied = read_applied(connection);
  check_consistency(migrations, applied);
  std::erase_if(migrations, [&](const Migration& m) { return applied.contains(m.version); });
  return migrations;
}

int Migrator::apply(SqlConnection& connection) const {
  int applied = 0;
  try {
    apply_pending(connection, applied);
  } catch (const StoreError&) {
    // Most likely another process created the same tables or inserted the
    // same version first. After re-reading, its work is skipped; a real
    // error fails again and propagates this time.
    apply_pending(connection, applied);
  }
  return applied;
}

int Migrator::apply_pending(SqlConnection& connection, int& applied) const {
  for (const Migration& migration : pending(connection)) {
    if (apply_one(connection, migration)) ++applied;
  }
  return applied;
}

}  // namespace iv::store
