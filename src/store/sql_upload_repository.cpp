#include "store/sql_upload_repository.h"

namespace iv::store {
namespace {

using datasets::UploadRecord;
using datasets::UploadStatus;

constexpr std::string_view kColumns =
    "id, file_name, format, declared_size, received_bytes, status, reason, sealed_email, blob_key, steps, "
    "created_at, updated_at, expires_at, completed_at, file_purged_at";

std::string select_where(std::string_view condition) {
  return "SELECT " + std::string(kColumns) + " FROM uploads WHERE " + std::string(condition);
}

UploadRecord record_from(const SqlRow& row) {
  UploadRecord record;
  auto& upload = record.upload;
  upload.id = row.text(0);
  upload.file_name = row.text(1);
  upload.format = row.text(2);
  upload.declared_size = row.integer(3);
  upload.received_bytes = row.integer(4);
  upload.status = datasets::parse_status(row.text(5)).value_or(UploadStatus::failed);
  upload.reason = row.text(6);
  record.sealed_email = row.is_null(7) ? std::string() : row.text(7);
  upload.has_email = !record.sealed_email.empty();
  record.blob_key = row.text(8);
  upload.steps = datasets::steps_from_json(row.text(9));
  upload.created_at_ms = row.integer(10);
  upload.updated_at_ms = row.integer(11);
  upload.expires_at_ms = row.integer(12);
  record.completed_at_ms = row.integer(13);
  record.file_purged_at_ms = row.integer(14);
  return record;
}

SqlValue optional_time(std::int64_t ms) {
  return ms == 0 ? SqlValue(nullptr) : SqlValue(ms);
}

std::vector<UploadRecord> records_from(const std::vector<SqlRow>& rows) {
  std::vector<UploadRecord> records;
  records.reserve(rows.size());
  for (const auto& row : rows) records.push_back(record_from(row));
  return records;
}

}  // namespace

void SqlUploadRepository::insert(SqlConnection& conn, const UploadRecord& record) {
  const auto& u = record.upload;
  conn.execute(
      "INSERT INTO uploads (" + std::string(kColumns) +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
      {u.id, u.file_name, u.format, u.declared_size, u.received_bytes,
       std::string(datasets::status_name(u.status)), u.reason,
       record.sealed_email.empty() ? SqlValue(nullptr) : SqlValue(record.sealed_email), record.blob_key,
       datasets::steps_to_json(u.steps), u.created_at_ms, u.updated_at_ms, u.expires_at_ms,
       optional_time(record.completed_at_ms), optional_time(record.file_purged_at_ms)});
}

std::optional<UploadRecord> SqlUploadRepository::find(std::string_view id) {
  auto conn = database_.lease();
  return find(*conn, id);
}

std::optional<UploadRecord> SqlUploadRepository::find(SqlConnection& conn, std::string_view id) {
  const auto rows = conn.query(select_where("id = $1"), {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return record_from(rows.front());
}

std::optional<std::string> SqlUploadRepository::find_analysis(std::string_view id) {
  auto conn = database_.lease();
  const auto rows = conn->query("SELECT analysis FROM uploads WHERE id = $1", {std::string(id)});
  if (rows.empty() || rows.front().is_null(0)) return std::nullopt;
  return rows.front().text(0);
}

bool SqlUploadRepository::update(SqlConnection& conn, const UploadRecord& record) {
  const auto& u = record.upload;
  return conn.execute(
             "UPDATE uploads SET received_bytes = $2, status = $3, reason = $4, steps = $5, updated_at = $6, "
             "completed_at = $7, file_purged_at = $8, format = $9 WHERE id = $1",
             {u.id, u.received_bytes, std::string(datasets::status_name(u.status)), u.reason,
              datasets::steps_to_json(u.steps), u.updated_at_ms, optional_time(record.completed_at_ms),
              optional_time(record.file_purged_at_ms), u.format}) == 1;
}

bool SqlUploadRepository::record_progress(std::string_view id, std::int64_t received_bytes,
                                          std::int64_t now_ms) {
  auto conn = database_.lease();
  return conn->execute(
             "UPDATE uploads SET received_bytes = $2, status = 'receiving', updated_at = $3 "
             "WHERE id = $1 AND status IN ('pending', 'receiving')",
             {std::string(id), received_bytes, now_ms}) == 1;
}

void SqlUploadRepository::store_analysis(SqlConnection& conn, std::string_view id, std::string_view json) {
  conn.execute("UPDATE uploads SET analysis = $2 WHERE id = $1", {std::string(id), std::string(json)});
}

bool SqlUploadRepository::remove(SqlConnection& conn, std::string_view id) {
  return conn.execute("DELETE FROM uploads WHERE id = $1", {std::string(id)}) == 1;
}

std::vector<UploadRecord> SqlUploadRepository::with_files_created_before(std::int64_t cutoff_ms, int limit) {
  auto conn = database_.lease();
  return records_from(
      conn->query(select_where("created_at < $1 AND file_purged_at IS NULL ORDER BY created_at LIMIT $2"),
                  {cutoff_ms, std::int64_t{limit}}));
}

std::vector<std::string> SqlUploadRepository::ids_created_before(std::int64_t cutoff_ms, int limit) {
  auto conn = database_.lease();
  std::vector<std::string> ids;
  for (const auto& row :
       conn->query("SELECT id FROM uploads WHERE created_at < $1 ORDER BY created_at LIMIT $2",
                   {cutoff_ms, std::int64_t{limit}})) {
    ids.push_back(row.text(0));
  }
  return ids;
}

std::vector<UploadRecord> SqlUploadRepository::abandoned(std::int64_t now_ms, int limit) {
  auto conn = database_.lease();
  return records_from(conn->query(
      select_where("status IN ('pending', 'receiving') AND expires_at < $1 ORDER BY expires_at LIMIT $2"),
      {now_ms, std::int64_t{limit}}));
}

}  // namespace iv::store
