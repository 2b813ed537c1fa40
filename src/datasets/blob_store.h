// Port to where uploaded bytes live: the local filesystem by default
// (store/fs_blob_store.h), an S3-compatible service when scaled out.
//
// A blob is written sequentially, possibly over several requests (tus
// PATCHes): append() opens a writer at the current end of a partial blob,
// complete() turns the partial blob into a readable one. This maps onto S3
// multipart uploads (a writer buffers to the 5 MiB part minimum, commit()
// uploads the part, complete() is CompleteMultipartUpload) as well as onto a
// file written under a temporary name and renamed.
//
// Keys are 1–128 characters of [A-Za-z0-9._-], not starting with '.'; every
// operation refuses anything else, so a key can never escape its area.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iv::datasets {

enum class BlobArea : std::uint8_t {
  uploads,     // files as received
  results,     // derived documents too big for the database
  quarantine,  // files in which the scanner found malware; never served
};
// "uploads" | "results" | "quarantine".
std::string_view area_name(BlobArea area);

// True for a key that every blob store accepts (see above).
bool is_valid_blob_key(std::string_view key);

struct BlobError {
  std::string message;  // for logs; never shown to visitors verbatim
};

// Appends sequential chunks to a partial blob.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends `chunk`. May buffer; false on an I/O error (the writer is then unusable).
  virtual bool write(std::string_view chunk) = 0;
  // Makes everything written so far durable (fsync / part upload) and
  // returns the partial blob's new size. Call it before acknowledging bytes.
  virtual std::expected<std::uint64_t, BlobError> commit() = 0;
  // Forgets everything written through this writer since it was opened: the
  // partial blob keeps the size it had (a chunk that failed its checksum).
  virtual void discard() = 0;
  // Bytes accepted by write() so far.
  virtual std::uint64_t written() const = 0;
};

// A blob for random access on a local path. For the filesystem store it is
// the stored file itself; other stores download a temporary copy that is
// deleted with this object.
class LocalBlob {
 public:
  virtual ~LocalBlob() = default;
  virtual const std::filesystem::path& path() const = 0;
};

struct BlobInfo {
  std::string key;
  std::uint64_t size = 0;
  bool partial = false;  // not completed yet
  std::int64_t modified_at_ms = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Opens a writer that appends to the partial blob `key`, creating it when
  // `offset` is 0. `offset` must equal the partial blob's current size, which
  // detects two writers and lost bytes; otherwise an error.
  virtual std::expected<std::unique_ptr<BlobWriter>, BlobError> append(BlobArea area, std::string_view key,
                                                                       std::uint64_t offset) = 0;
  // Size of the partial blob (0 when it does not exist yet).
  virtual std::uint64_t partial_size(BlobArea area, std::string_view key) = 0;
  // Makes the partial blob `key` a complete blob (durably).
  virtual std::expected<void, BlobError> complete(BlobArea area, std::string_view key) = 0;

  // Size of the complete blob; nullopt when there is none.
  virtual std::optional<std::uint64_t> size(BlobArea area, std::string_view key) = 0;
  // Streaming read of a complete blob.
  virtual std::expected<std::unique_ptr<std::istream>, BlobError> open(BlobArea area,
                                                                       std::string_view key) = 0;
  // The complete blob on a local path, for random access (XLSX, analysis).
  virtual std::expected<std::unique_ptr<LocalBlob>, BlobError> local(BlobArea area, std::string_view key) = 0;
  // Moves a complete blob between areas (quarantine). Idempotent: succeeds
  // when the blob is already in `to`.
  virtual std::expected<void, BlobError> move(BlobArea from, BlobArea to, std::string_view key) = 0;
  // Removes the blob, complete or partial. Removing nothing is not an error.
  virtual std::expected<void, BlobError> remove(BlobArea area, std::string_view key) = 0;
  // Every blob of `area` (complete and partial), for retention and audits.
  virtual std::vector<BlobInfo> list(BlobArea area) = 0;
};

}  // namespace iv::datasets
