// UploadRepository over the SqlDatabase port (table `uploads`,
// migrations/0004_uploads.sql), portable SQL for SQLite and PostgreSQL.
//
// Calls that take a SqlConnection use the caller's transaction; the others
// lease their own connection, so do not call them while the calling thread
// holds a lease of the same database.
#pragma once

#include <utility>  // store/sql.h uses std::exchange without including it

#include "datasets/upload_repository.h"
#include "store/sql.h"

namespace iv::store {

class SqlUploadRepository final : public datasets::UploadRepository {
 public:
  // `database` must outlive the repository.
  explicit SqlUploadRepository(SqlDatabase& database) : database_(database) {}

  void insert(SqlConnection& conn, const datasets::UploadRecord& record) override;
  std::optional<datasets::UploadRecord> find(std::string_view id) override;
  std::optional<datasets::UploadRecord> find(SqlConnection& conn, std::string_view id) override;
  std::optional<std::string> find_analysis(std::string_view id) override;
  bool update(SqlConnection& conn, const datasets::UploadRecord& record) override;
  bool record_progress(std::string_view id, std::int64_t received_bytes, std::int64_t now_ms) override;
  void store_analysis(SqlConnection& conn, std::string_view id, std::string_view json) override;
  bool remove(SqlConnection& conn, std::string_view id) override;
  std::vector<datasets::UploadRecord> with_files_created_before(std::int64_t cutoff_ms, int limit) override;
  std::vector<std::string> ids_created_before(std::int64_t cutoff_ms, int limit) override;
  std::vector<datasets::UploadRecord> abandoned(std::int64_t now_ms, int limit) override;

 private:
  SqlDatabase& database_;
};

}  // namespace iv::store
