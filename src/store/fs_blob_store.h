// BlobStore on the local filesystem: DATA_DIR/blobs/<area>/<key> for complete
// blobs and DATA_DIR/blobs/<area>/.partial/<key> while one is being written
// (keys never start with '.', so the two cannot meet). complete() renames
// the partial file into place after an fsync of the file and the directory,
// so a complete blob is never half-written, even after a power loss.
#pragma once

#include <filesystem>

#include "datasets/blob_store.h"

namespace iv::store {

class FsBlobStore final : public datasets::BlobStore {
 public:
  // Creates the area directories under `root` (DATA_DIR/blobs). Throws
  // std::filesystem::filesystem_error when it cannot.
  explicit FsBlobStore(std::filesystem::path root);

  std::expected<std::unique_ptr<datasets::BlobWriter>, datasets::BlobError> append(
      datasets::BlobArea area, std::string_view key, std::uint64_t offset) override;
  std::uint64_t partial_size(datasets::BlobArea area, std::string_view key) override;
  std::expected<void, datasets::BlobError> complete(datasets::BlobArea area, std::string_view key) override;
  std::optional<std::uint64_t> size(datasets::BlobArea area, std::string_view key) override;
  std::expected<std::unique_ptr<std::istream>, datasets::BlobError> open(datasets::BlobArea area,
                                                                         std::string_view key) override;
  std::expected<std::unique_ptr<datasets::LocalBlob>, datasets::BlobError> local(
      datasets::BlobArea area, std::string_view key) override;
  std::expected<void, datasets::BlobError> move(datasets::BlobArea from, datasets::BlobArea to,
                                                std::string_view key) override;
  std::expected<void, datasets::BlobError> remove(datasets::BlobArea area, std::string_view key) override;
  std::vector<datasets::BlobInfo> list(datasets::BlobArea area) override;

  // Where a complete blob lives (for tests and the benchmark).
  std::filesystem::path path_of(datasets::BlobArea area, std::string_view key) const;

 private:
  std::filesystem::path partial_path(datasets::BlobArea area, std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace iv::store
