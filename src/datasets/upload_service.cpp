#include "datasets/upload_service.h"

#include <algorithm>
#include <stdexcept>

#include <boost/json.hpp>
#include <openssl/rand.h>

#include "datasets/file_names.h"
#include "datasets/file_types.h"
#include "jobs/job_queue.h"
#include "security/field_cipher.h"
#include "store/sql.h"

namespace iv::datasets {

std::string new_upload_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for an upload id");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0x0F]);
  }
  return id;
}

bool is_valid_upload_id(std::string_view id) {
  return id.size() == 32 &&
         std::ranges::all_of(id, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::int64_t to_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

bool is_plausible_email(std::string_view email) {
  if (email.empty() || email.size() > 254) return false;
  const std::size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos)
    return false;
  const std::string_view domain = email.substr(at + 1);
  const std::size_t dot = domain.find('.');
  if (dot == 0 || dot == std::string_view::npos || domain.back() == '.') return false;
  return std::ranges::none_of(email, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"';
  });
}

UploadService::UploadService(UploadServiceSettings settings, store::SqlDatabase& database,
                             UploadRepository& repository, BlobStore& blobs, jobs::JobQueue& queue,
                             const UploadTokens& tokens, const security::FieldCipher& cipher,
                             std::function<void()> on_enqueued, Clock clock)
    : settings_(settings),
      database_(database),
      repository_(repository),
      blobs_(blobs),
      queue_(queue),
      tokens_(tokens),
      cipher_(cipher),
      on_enqueued_(std::move(on_enqueued)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

std::optional<CreateError> UploadService::check(const CreateUpload& request) const {
  using Kind = CreateError::Kind;
  if (request.file_name.empty()) return CreateError{Kind::invalid, "filename", "Give the name of the file."};
  if (request.file_name.size() > 1024)
    return CreateError{Kind::invalid, "filename", "The file name is too long."};
  if (auto format = format_from_name(sanitize_file_name(request.file_name)); !format) {
    return CreateError{Kind::unsupported, "filename", format.error()};
  }
  if (request.size < 0) {
    return CreateError{Kind::invalid, "size", "The size must be a number of bytes, 0 or more."};
  }
  if (request.size > settings_.max_upload_bytes) {
    return CreateError{Kind::too_large, "size",
                       "The file is too large: the limit is " +
                           std::to_string(settings_.max_upload_bytes / (1024 * 1024)) + " MB."};
  }
  if (!request.email.empty() && !is_plausible_email(request.email)) {
    return CreateError{Kind::invalid, "email", "Enter a valid e-mail address, or leave it empty."};
  }
  return std::nullopt;
}

std::expected<UploadRecord, CreateError> UploadService::new_record(const CreateUpload& request,
                                                                   std::string id) const {
  if (auto error = check(request)) return std::unexpected(std::move(*error));
  const auto now = clock_();
  UploadRecord record;
  record.upload.id = std::move(id);
  record.upload.file_name = sanitize_file_name(request.file_name);
  record.upload.format = format_from_name(record.upload.file_name).value_or("");
  record.upload.declared_size = request.size;
  record.upload.status = UploadStatus::pending;
  record.upload.has_email = !request.email.empty();
  record.upload.steps = initial_steps();
  record.upload.created_at_ms = to_ms(now);
  record.upload.updated_at_ms = record.upload.created_at_ms;
  record.upload.expires_at_ms = to_ms(tokens_.expiry_of(now));
  record.blob_key = record.upload.id;
  if (!request.email.empty()) record.sealed_email = cipher_.seal(request.email);
  return record;
}

std::expected<CreatedUpload, CreateError> UploadService::create(const CreateUpload& request) {
  auto record = new_record(request, new_upload_id());
  if (!record) return std::unexpected(std::move(record.error()));
  auto lease = database_.lease();
  store::in_transaction(*lease, [&] { repository_.insert(*lease, *record); });
  return CreatedUpload{record->upload, tokens_.issue(record->upload.id, clock_())};
}

std::expected<CreatedUpload, CreateError> UploadService::create_received(const CreateUpload& request,
                                                                         std::string_view id) {
  if (!is_valid_upload_id(id)) throw std::invalid_argument("create_received: not an upload id");
  auto record = new_record(request, std::string(id));
  if (!record) return std::unexpected(std::move(record.error()));
  record->upload.received_bytes = request.size;
  record->upload.status = UploadStatus::receiving;
  {
    auto lease = database_.lease();
    store::in_transaction(*lease, [&] { repository_.insert(*lease, *record); });
  }
  if (finalize(id) != FinalizeOutcome::finalized)
    throw std::runtime_error("create_received: the file is incomplete");
  auto upload = repository_.find(id);
  return CreatedUpload{upload ? upload->upload : record->upload, tokens_.issue(id, clock_())};
}

std::optional<Upload> UploadService::find(std::string_view id) {
  if (!is_valid_upload_id(id)) return std::nullopt;
  auto record = repository_.find(id);
  if (!record) return std::nullopt;
  return std::move(record->upload);
}

std::optional<UploadRecord> UploadService::find_record(std::string_view id) {
  if (!is_valid_upload_id(id)) return std::nullopt;
  return repository_.find(id);
}

std::optional<std::string> UploadService::analysis_json(std::string_view id) {
  if (!is_valid_upload_id(id)) return std::nullopt;
  return repository_.find_analysis(id);
}

void UploadService::record_progress(std::string_view id, std::int64_t received_bytes) {
  repository_.record_progress(id, received_bytes, to_ms(clock_()));
}

FinalizeOutcome UploadService::finalize(std::string_view id) {
  auto current = repository_.find(id);
  if (!current) return FinalizeOutcome::not_found;
  const bool receiving =
      current->upload.status == UploadStatus::pending || current->upload.status == UploadStatus::receiving;
  if (!receiving) return FinalizeOutcome::already_finalized;
  if (blobs_.partial_size(BlobArea::uploads, current->blob_key) !=
      static_cast<std::uint64_t>(current->upload.declared_size)) {
    // Complete already (a crash between complete() and the commit)?
    const auto size = blobs_.size(BlobArea::uploads, current->blob_key);
    if (!size || *size != static_cast<std::uint64_t>(current->upload.declared_size)) {
      return FinalizeOutcome::incomplete;
    }
  } else if (auto done = blobs_.complete(BlobArea::uploads, current->blob_key); !done) {
    throw std::runtime_error("cannot complete the upload's blob: " + done.error().message);
  }

  bool enqueued = false;
  auto lease = database_.lease();
  store::in_transaction(*lease, [&] {
    auto record = repository_.find(*lease, id);
    if (!record) return;
    auto& upload = record->upload;
    if (upload.status != UploadStatus::pending && upload.status != UploadStatus::receiving) return;
    upload.status = UploadStatus::scanning;
    upload.received_bytes = upload.declared_size;
    upload.updated_at_ms = to_ms(clock_());
    repository_.update(*lease, *record);
    boost::json::object payload{{"upload_id", upload.id}};
    queue_.enqueue(*lease, jobs::JobSpec{.kind = std::string(kPipelineJob),
                                         .payload_json = boost::json::serialize(payload),
                                         .dedupe_key = upload_dedupe_key(upload.id, kPipelineJob),
                                         .max_attempts = 5});
    enqueued = true;
  });
  if (!enqueued) return FinalizeOutcome::already_finalized;
  if (on_enqueued_) on_enqueued_();
  return FinalizeOutcome::finalized;
}

bool UploadService::remove(std::string_view id) {
  auto record = find_record(id);
  if (!record) return false;
  for (const auto area : {BlobArea::uploads, BlobArea::quarantine, BlobArea::results}) {
    if (auto removed = blobs_.remove(area, record->blob_key); !removed) {
      throw std::runtime_error("cannot remove an upload's file: " + removed.error().message);
    }
  }
  auto lease = database_.lease();
  return store::in_transaction(*lease, [&] { return repository_.remove(*lease, id); });
}

std::string upload_dedupe_key(std::string_view upload_id, std::string_view job_kind) {
  return "upload:" + std::string(upload_id) + ":" + std::string(job_kind);
}

}  // namespace iv::datasets
