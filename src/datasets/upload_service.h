// The life of an upload up to the pipeline: create (with its upload token),
// bytes arriving (progress), finalize (the pipeline job is enqueued in the
// same transaction as the status change: transactional outbox), status, and
// deletion of everything it left behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "datasets/blob_store.h"
#include "datasets/upload.h"
#include "datasets/upload_repository.h"
#include "datasets/upload_token.h"

namespace iv::store {
class SqlDatabase;
}
namespace iv::jobs {
class JobQueue;
}
namespace iv::security {
class FieldCipher;
}

namespace iv::datasets {

inline constexpr std::string_view kPipelineJob = "upload.pipeline";
inline constexpr std::string_view kNotifyJob = "upload.notify";
inline constexpr std::string_view kRetentionJob = "upload.retention";

struct UploadServiceSettings {
  std::int64_t max_upload_bytes = std::int64_t{1} << 30;  // MAX_UPLOAD_BYTES
};

struct CreateUpload {
  std::string file_name;  // as the visitor sent it; sanitized here
  std::int64_t size = 0;  // declared bytes
  std::string email;      // optional; for the results link
};

struct CreateError {
  enum class Kind {
    invalid,      // a field is missing or malformed (422)
    too_large,    // over max_upload_bytes (413)
    unsupported,  // refused extension (415)
  } kind = Kind::invalid;
  std::string field;    // "filename" | "size" | "email"
  std::string message;  // a sentence for the visitor
};

struct CreatedUpload {
  Upload upload;
  std::string token;  // UploadTokens::issue
};

enum class FinalizeOutcome {
  finalized,          // status scanning, pipeline job enqueued
  already_finalized,  // an earlier call did it (retried request): nothing changed
  incomplete,         // the blob is shorter than declared
  not_found,
};

class UploadService {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // References must outlive this object. `on_enqueued` (optional) runs after
  // a pipeline job committed (wakes the in-process workers).
  UploadService(UploadServiceSettings settings, store::SqlDatabase& database, UploadRepository& repository,
                BlobStore& blobs, jobs::JobQueue& queue, const UploadTokens& tokens,
                const security::FieldCipher& cipher, std::function<void()> on_enqueued = {},
                Clock clock = {});

  std::expected<CreatedUpload, CreateError> create(const CreateUpload& request);
  // For the no-JavaScript form, where the size is known only once the bytes
  // are in: the partial blob `id` (a new_upload_id()) holds request.size
  // bytes already; creates its record and finalizes it at once.
  std::expected<CreatedUpload, CreateError> create_received(const CreateUpload& request, std::string_view id);
  // The checks of create() without creating anything (early refusal).
  std::optional<CreateError> check(const CreateUpload& request) const;
  std::optional<Upload> find(std::string_view id);
  std::optional<UploadRecord> find_record(std::string_view id);
  std::optional<std::string> analysis_json(std::string_view id);

  // Bytes durably stored so far (after a BlobWriter::commit). No-op once finalized.
  void record_progress(std::string_view id, std::int64_t received_bytes);
  // All bytes are in the partial blob: completes the blob, sets the status
  // scanning and enqueues the pipeline job, atomically. Idempotent.
  FinalizeOutcome finalize(std::string_view id);
  // Removes the upload's files (every area) and its row with the analysis.
  // False when there was no such upload.
  bool remove(std::string_view id);

  const UploadTokens& tokens() const { return tokens_; }
  BlobStore& blobs() { return blobs_; }
  std::int64_t max_upload_bytes() const { return settings_.max_upload_bytes; }
  std::chrono::system_clock::time_point now() const { return clock_(); }

 private:
  std::expected<UploadRecord, CreateError> new_record(const CreateUpload& request, std::string id) const;

  UploadServiceSettings settings_;
  store::SqlDatabase& database_;
  UploadRepository& repository_;
  BlobStore& blobs_;
  jobs::JobQueue& queue_;
  const UploadTokens& tokens_;
  const security::FieldCipher& cipher_;
  std::function<void()> on_enqueued_;
  Clock clock_;
};

// 32 lower-case hex digits from 128 random bits.
std::string new_upload_id();
// True for text shaped like new_upload_id() (checked before any look-up).
bool is_valid_upload_id(std::string_view id);
// Epoch milliseconds.
std::int64_t to_ms(std::chrono::system_clock::time_point time);
// A plausible e-mail address (one '@', a dot in the domain, no spaces or
// control characters, at most 254 characters).
bool is_plausible_email(std::string_view email);

}  // namespace iv::datasets
