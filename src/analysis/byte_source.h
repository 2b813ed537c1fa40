// Buffered, sequential input from a file: the readers pull raw bytes in large
// chunks (256 KiB) so that the kernel call cost vanishes next to parsing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "analysis/reader.h"

namespace iv::analysis {

// Fuzz builds shrink the chunk (-DIV_READ_CHUNK_BYTES=64) so that every
// input crosses many chunk boundaries, where streaming parsers break.
#ifndef IV_READ_CHUNK_BYTES
#define IV_READ_CHUNK_BYTES (256 * 1024)
#endif
inline constexpr std::size_t kReadChunkBytes = IV_READ_CHUNK_BYTES;
static_assert(kReadChunkBytes >= 64, "readers need room for a few UTF-8 sequences per read");

class ByteSource {
 public:
  // Opens `path` for reading; an unreadable file is ReadError "io_error".
  static std::expected<ByteSource, ReadError> open(const std::filesystem::path& path);

  ByteSource(ByteSource&& other) noexcept;
  ByteSource& operator=(ByteSource&& other) noexcept;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  ~ByteSource();

  // Reads up to `size` bytes into `out`; 0 means end of file. A failing read
  // is ReadError "io_error".
  std::expected<std::size_t, ReadError> read(char* out, std::size_t size);

  // Moves to `offset` bytes from the start (for readers that need a second
  // pass, such as the JSON reader looking for the records array).
  std::expected<void, ReadError> seek(std::uint64_t offset);

  std::uint64_t size() const { return size_; }
  std::uint64_t position() const { return position_; }

 private:
  ByteSource(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t position_ = 0;
};

// "16 MiB", "64 KiB" or "1000 bytes": sizes in messages for visitors.
std::string describe_size(std::uint64_t bytes);

// The first `max_bytes` bytes of a file (fewer when the file is shorter).
std::expected<std::string, ReadError> read_head(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace iv::analysis
