#include "store/sql_lead_repository.h"

namespace iv::store {
namespace {

constexpr std::string_view kColumns =
    "id, kind, sealed_fields, email_index, details, challenge, source, idempotency_key, request_fingerprint, "
    "created_at";
constexpr std::int64_t kPurgeChunk = 500;

leads::LeadRecord record_from(const SqlRow& row) {
  return leads::LeadRecord{.id = row.text(0),
                           .kind = leads::parse_kind(row.text(1)).value_or(leads::LeadKind::contact),
                           .sealed_fields = row.text(2),
                           .email_index = row.text(3),
                           .details_json = row.text(4),
                           .challenge = row.text(5),
                           .source = row.text(6),
                           .idempotency_key = row.is_null(7) ? std::string() : row.text(7),
                           .request_fingerprint = row.text(8),
                           .created_at_ms = row.integer(9)};
}

SqlValue key_value(const std::string& key) {
  return key.empty() ? SqlValue(nullptr) : SqlValue(key);
}

}  // namespace

leads::InsertOutcome SqlLeadRepository::insert(SqlConnection& conn, const leads::LeadRecord& record) {
  // No conflict target: neither a reused idempotency key nor anything else
  // may fail the statement, because a failed statement aborts the whole
  // group-commit transaction on PostgreSQL.
  const std::int64_t inserted =
      conn.execute("INSERT INTO leads (" + std::string(kColumns) +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                   {record.id, std::string(leads::kind_name(record.kind)), record.sealed_fields,
                    record.email_index, record.details_json, record.challenge, record.source,
                    key_value(record.idempotency_key), record.request_fingerprint, record.created_at_ms});
  if (inserted == 1) return {leads::InsertOutcome::Status::inserted, record.id};
  if (!record.idempotency_key.empty()) {
    const auto rows =
        conn.query("SELECT id, request_fingerprint FROM leads WHERE kind = $1 AND idempotency_key = $2",
                   {std::string(leads::kind_name(record.kind)), record.idempotency_key});
    if (!rows.empty()) {
      if (rows.front().text(1) == record.request_fingerprint) {
        return {leads::InsertOutcome::Status::duplicate, rows.front().text(0)};
      }
      return {leads::InsertOutcome::Status::key_reused, {}};
    }
  }
  throw StoreError("leads: a lead with id " + record.id + " already exists");
}

std::optional<leads::LeadRecord> SqlLeadRepository::find(std::string_view id) {
  auto conn = database_.lease();
  const auto rows =
      conn->query("SELECT " + std::string(kColumns) + " FROM leads WHERE id = $1", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return record_from(rows.front());
}

std::optional<leads::LeadRecord> SqlLeadRepository::find_by_idempotency_key(leads::LeadKind kind,
                                                                            std::string_view key) {
  auto conn = database_.lease();
  const auto rows =
      conn->query("SELECT " + std::string(kColumns) + " FROM leads WHERE kind = $1 AND idempotency_key = $2",
                  {std::string(leads::kind_name(kind)), std::string(key)});
  if (rows.empty()) return std::nullopt;
  return record_from(rows.front());
}

std::int64_t SqlLeadRepository::purge_created_before(std::int64_t cutoff_ms) {
  std::int64_t deleted = 0;
  for (;;) {
    auto conn = database_.lease();
    const std::int64_t in_chunk = in_transaction(*conn, [&] {
      const auto rows = conn->query("SELECT id FROM leads WHERE created_at < $1 ORDER BY created_at LIMIT $2",
                                    {cutoff_ms, kPurgeChunk});
      for (const auto& row : rows) {
        const std::string id = row.text(0);
        // Dedupe keys "lead:<id>:<kind>" sort between "lead:<id>:" and "lead:<id>;" (';' follows ':').
        conn->execute(
            "DELETE FROM jobs WHERE dedupe_key >= $1 AND dedupe_key < $2 AND status IN ('done', 'dead')",
            {"lead:" + id + ":", "lead:" + id + ";"});
        conn->execute("DELETE FROM leads WHERE id = $1", {id});
      }
      return static_cast<std::int64_t>(rows.size());
    });
    deleted += in_chunk;
    if (in_chunk < kPurgeChunk) return deleted;
  }
}

std::int64_t SqlLeadRepository::count() {
  auto conn = database_.lease();
  return conn->query("SELECT COUNT(*) FROM leads").front().integer(0);
}

}  // namespace iv::store
