#include "store/fs_blob_store.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace iv::store {
namespace {

using datasets::BlobArea;
using datasets::BlobError;

constexpr std::string_view kPartialDir = ".partial";

std::unexpected<BlobError> failure(std::string what, int error = errno) {
  return std::unexpected(BlobError{what + ": " + std::strerror(error)});
}

std::unexpected<BlobError> bad_key() {
  return std::unexpected(BlobError{"invalid blob key"});
}

bool fsync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

class FsBlobWriter final : public datasets::BlobWriter {
 public:
  FsBlobWriter(int fd, std::uint64_t offset) : fd_(fd), start_(offset) {}
  ~FsBlobWriter() override { ::close(fd_); }
  FsBlobWriter(const FsBlobWriter&) = delete;
  FsBlobWriter& operator=(const FsBlobWriter&) = delete;

  bool write(std::string_view chunk) override {
    if (failed_) return false;
    while (!chunk.empty()) {
      const ssize_t n = ::write(fd_, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        return false;
      }
      written_ += static_cast<std::uint64_t>(n);
      chunk.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  std::expected<std::uint64_t, BlobError> commit() override {
    if (failed_) return std::unexpected(BlobError{"an earlier write failed"});
    if (::fdatasync(fd_) != 0) return failure("fdatasync");
    return start_ + written_;
  }

  void discard() override {
    if (::ftruncate(fd_, static_cast<off_t>(start_)) == 0 &&
        ::lseek(fd_, static_cast<off_t>(start_), SEEK_SET) >= 0) {
      written_ = 0;
      failed_ = false;
    } else {
      failed_ = true;
    }
  }

  std::uint64_t written() const override { return written_; }

 private:
  int fd_;
  std::uint64_t start_;
  std::uint64_t written_ = 0;
  bool failed_ = false;
};

class FsLocalBlob final : public datasets::LocalBlob {
 public:
  explicit FsLocalBlob(std::filesystem::path path) : path_(std::move(path)) {}
  const std::filesystem::path& path() const override { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

FsBlobStore::FsBlobStore(std::filesystem::path root) : root_(std::move(root)) {
  for (const auto area : {BlobArea::uploads, BlobArea::results, BlobArea::quarantine}) {
    std::filesystem::create_directories(root_ / datasets::area_name(area) / kPartialDir);
  }
}

std::filesystem::path FsBlobStore::path_of(BlobArea area, std::string_view key) const {
  return root_ / datasets::area_name(area) / key;
}

std::filesystem::path FsBlobStore::partial_path(BlobArea area, std::string_view key) const {
  return root_ / datasets::area_name(area) / kPartialDir / key;
}

std::expected<std::unique_ptr<datasets::BlobWriter>, BlobError> FsBlobStore::append(BlobArea area,
                                                                                    std::string_view key,
                                                                                    std::uint64_t offset) {
  if (!datasets::is_valid_blob_key(key)) return bad_key();
  const auto path = partial_path(area, key);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return failure("open " + path.string());
  struct stat info {};
  if (::fstat(fd, &info) != 0 || static_cast<std::uint64_t>(info.st_size) != offset ||
      ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    ::close(fd);
    return std::unexpected(
        BlobError{"offset " + std::to_string(offset) + " is not the end of the partial blob"});
  }
  return std::make_unique<FsBlobWriter>(fd, offset);
}

std::uint64_t FsBlobStore::partial_size(BlobArea area, std::string_view key) {
  if (!datasets::is_valid_blob_key(key)) return 0;
  struct stat info {};
  if (::stat(partial_path(area, key).c_str(), &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.st_size);
}

std::expected<void, BlobError> FsBlobStore::complete(BlobArea area, std::string_view key) {
  if (!datasets::is_valid_blob_key(key)) return bad_key();
  const auto from = partial_path(area, key);
  const auto to = path_of(area, key);
  if (!fsync_path(from, O_RDONLY)) return failure("fsync " + from.string());
  if (::rename(from.c_str(), to.c_str()) != 0) return failure("rename " + from.string());
  if (!fsync_path(to.parent_path(), O_RDONLY | O_DIRECTORY))
    return failure("fsync " + to.parent_path().string());
  return {};
}

std::optional<std::uint64_t> FsBlobStore::size(BlobArea area, std::string_view key) {
  if (!datasets::is_valid_blob_key(key)) return std::nullopt;
  struct stat info {};
  if (::stat(path_of(area, key).c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return static_cast<std::uint64_t>(info.st_size);
}

std::expected<std::unique_ptr<std::istream>, BlobError> FsBlobStore::open(BlobArea area,
                                                                          std::string_view key) {
  if (!datasets::is_valid_blob_key(key)) return bad_key();
  auto stream = std::make_unique<std::ifstream>(path_of(area, key), std::ios::binary);
  if (!*stream) return failure("open " + path_of(area, key).string());
  return stream;
}

std::expected<std::unique_ptr<datasets::LocalBlob>, BlobError> FsBlobStore::local(BlobArea area,
                                                                                  std::string_view key) {
  if (!size(area, key)) return std::unexpected(BlobError{"no such blob"});
  return std::make_unique<FsLocalBlob>(path_of(area, key));
}

std::expected<void, BlobError> FsBlobStore::move(BlobArea from, BlobArea to, std::string_view key) {
  if (!datasets::is_valid_blob_key(key)) return bad_key();
  const auto source = path_of(from, key);
  const auto target = path_of(to, key);
  if (::rename(source.c_str(), target.c_str()) != 0) {
    if (errno == ENOENT && size(to, key)) return {};  // moved by an earlier attempt
    return failure("rename " + source.string());
  }
  if (!fsync_path(target.parent_path(), O_RDONLY | O_DIRECTORY)) return failure("fsync directory");
  return {};
}

std::expected<void, BlobError> FsBlobStore::remove(BlobArea area, std::string_view key) {
  if (!datasets::is_valid_blob_key(key)) return bad_key();
  for (const auto& path : {path_of(area, key), partial_path(area, key)}) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failure("unlink " + path.string());
  }
  return {};
}

std::vector<datasets::BlobInfo> FsBlobStore::list(BlobArea area) {
  std::vector<datasets::BlobInfo> blobs;
  const auto add_from = [&](const std::filesystem::path& dir, bool partial) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      const std::string name = entry.path().filename().string();
      struct stat info {};
      if (!datasets::is_valid_blob_key(name) || ::stat(entry.path().c_str(), &info) != 0 ||
          !S_ISREG(info.st_mode)) {
        continue;
      }
      blobs.push_back(
          {name, static_cast<std::uint64_t>(info.st_size), partial,
           static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000});
    }
  };
  add_from(root_ / datasets::area_name(area), false);
  add_from(root_ / datasets::area_name(area) / kPartialDir, true);
  return blobs;
}

}  // namespace iv::store
