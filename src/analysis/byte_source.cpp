#include "analysis/byte_source.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace iv::analysis {
namespace {

ReadError io_error(const char* what) {
  return ReadError{"io_error",
                   std::string("The file could not be read (") + what + ": " + std::strerror(errno) + ")."};
}

}  // namespace

std::expected<ByteSource, ReadError> ByteSource::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("open"));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ReadError error = io_error("stat");
    ::close(fd);
    return std::unexpected(error);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return std::unexpected(ReadError{"io_error", "The upload is not a regular file."});
  }
  // Sequential access: let the kernel read ahead aggressively.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return ByteSource(fd, static_cast<std::uint64_t>(info.st_size));
}

ByteSource::ByteSource(ByteSource&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_), position_(other.position_) {}

ByteSource& ByteSource::operator=(ByteSource&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    position_ = other.position_;
  }
  return *this;
}

ByteSource::~ByteSource() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<std::size_t, ReadError> ByteSource::read(char* out, std::size_t size) {
  std::size_t total = 0;
  // Fill the request fully unless the file ends: short reads from pipes or
  // network file systems would otherwise look like tiny chunks.
  while (total < size) {
    ssize_t n = ::read(fd_, out + total, size - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("read"));
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  position_ += total;
  return total;
}

std::expected<void, ReadError> ByteSource::seek(std::uint64_t offset) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) return std::unexpected(io_error("seek"));
  position_ = offset;
  return {};
}

std::string describe_size(std::uint64_t bytes) {
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::expected<std::string, ReadError> read_head(const std::filesystem::path& path, std::size_t max_bytes) {
  auto source = ByteSource::open(path);
  if (!source) return std::unexpected(source.error());
  std::string head(max_bytes, '\0');
  auto n = source->read(head.data(), head.size());
  if (!n) return std::unexpected(n.error());
  head.resize(*n);
  return head;
}

}  // namespace iv::analysis
