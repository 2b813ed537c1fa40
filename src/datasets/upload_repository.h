// Port to where uploads are stored (store/sql_upload_repository.h). The
// visitor's e-mail address reaches it only sealed (FieldCipher "datasets").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/upload.h"

namespace iv::store {
class SqlConnection;
}

namespace iv::datasets {

// An upload as stored: the public model plus what only the back end sees.
struct UploadRecord {
  Upload upload;
  std::string sealed_email;            // empty: none given
  std::string blob_key;                // the file's key in the blob store (areas "uploads" / "quarantine")
  std::int64_t completed_at_ms = 0;    // when the pipeline reached a final status; 0 before
  std::int64_t file_purged_at_ms = 0;  // when retention removed the file; 0 while it is kept

  bool operator==(const UploadRecord&) const = default;
};

class UploadRepository {
 public:
  virtual ~UploadRepository() = default;

  // Inserts a new upload; throws store::StoreError when the id exists.
  virtual void insert(store::SqlConnection& conn, const UploadRecord& record) = 0;
  virtual std::optional<UploadRecord> find(std::string_view id) = 0;
  // Same, on the caller's connection (inside its transaction).
  virtual std::optional<UploadRecord> find(store::SqlConnection& conn, std::string_view id) = 0;
  // The analysis document of a completed upload; nullopt when there is none (yet).
  virtual std::optional<std::string> find_analysis(std::string_view id) = 0;

  // Writes every mutable field of `record` (received bytes, status, reason,
  // steps, timestamps). Returns false when the upload does not exist.
  virtual bool update(store::SqlConnection& conn, const UploadRecord& record) = 0;
  // Sets received_bytes and the status receiving, but only while the upload
  // is pending or receiving (a late progress report never rewinds a finished
  // upload). Returns false otherwise.
  virtual bool record_progress(std::string_view id, std::int64_t received_bytes, std::int64_t now_ms) = 0;
  virtual void store_analysis(store::SqlConnection& conn, std::string_view id, std::string_view json) = 0;
  // Deletes the row (the analysis with it). False when there was none.
  virtual bool remove(store::SqlConnection& conn, std::string_view id) = 0;

  // Retention: uploads created before `cutoff_ms` whose file is still kept
  // (file_purged_at unset), oldest first, at most `limit`.
  virtual std::vector<UploadRecord> with_files_created_before(std::int64_t cutoff_ms, int limit) = 0;
  // Ids of uploads created before `cutoff_ms`, oldest first, at most `limit`.
  virtual std::vector<std::string> ids_created_before(std::int64_t cutoff_ms, int limit) = 0;
  // Pending or receiving uploads whose expires_at has passed (abandoned), at most `limit`.
  virtual std::vector<UploadRecord> abandoned(std::int64_t now_ms, int limit) = 0;
};

// Dedupe key of an upload's job, "upload:<id>:<job kind>": one pipeline per upload.
std::string upload_dedupe_key(std::string_view upload_id, std::string_view job_kind);

// The steps as stored: [{"name", "status", "started_at", "finished_at",
// "detail"}], times in epoch ms. Reading skips malformed entries.
std::string steps_to_json(const std::vector<Step>& steps);
std::vector<Step> steps_from_json(std::string_view json);

}  // namespace iv::datasets
