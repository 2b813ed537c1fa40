// LeadRepository over the SqlDatabase port (table `leads`,
// migrations/0003_leads.sql), portable SQL for SQLite and PostgreSQL.
//
// insert() uses the caller's connection and transaction (group commit);
// every other call leases its own connection, so do not call them while the
// calling thread holds a lease of the same database.
#pragma once

#include <utility>  // store/sql.h uses std::exchange without including it

#include "leads/lead_repository.h"
#include "store/sql.h"

namespace iv::store {

class SqlLeadRepository final : public leads::LeadRepository {
 public:
  // `database` must outlive the repository.
  explicit SqlLeadRepository(SqlDatabase& database) : database_(database) {}

  // A second insert of an existing id (not a realistic event with 128 random
  // bits) throws StoreError rather than losing a lead silently.
  leads::InsertOutcome insert(SqlConnection& conn, const leads::LeadRecord& record) override;
  std::optional<leads::LeadRecord> find(std::string_view id) override;
  std::optional<leads::LeadRecord> find_by_idempotency_key(leads::LeadKind kind,
                                                           std::string_view key) override;
  // Works in chunks of a few hundred leads, one transaction each.
  std::int64_t purge_created_before(std::int64_t cutoff_ms) override;
  std::int64_t count() override;

 private:
  SqlDatabase& database_;
};

}  // namespace iv::store
