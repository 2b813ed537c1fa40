// Shared by the fuzz targets: the input as a file (the readers read paths),
// kept in memory with memfd, and a sink that touches every byte it is given
// so that the sanitizers see reads of dangling views.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "analysis/reader.h"
#include "analysis/record.h"

namespace iv::analysis::fuzz {

class MemoryFile {
 public:
  MemoryFile() : fd_(memfd_create("fuzz-input", 0)) {
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    if (size > 0 && pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

class TouchingSink : public RecordSink {
 public:
  void begin_table(std::string_view name) override { checksum_ += name.size(); }
  void header(std::span<const std::string> names) override {
    for (const auto& name : names) touch(name);
  }
  void record(std::span<const Field> fields) override {
    for (const Field& field : fields) {
      touch(field.name);
      touch(field.value);
    }
  }
  void warning(std::string_view code, std::string_view message) override {
    touch(code);
    touch(message);
  }
  std::uint64_t checksum() const { return checksum_; }

 private:
  void touch(std::string_view text) {
    for (char c : text) checksum_ += static_cast<unsigned char>(c);
  }
  std::uint64_t checksum_ = 0;
};

// Small limits keep each run fast while still crossing the readers' own
// buffer boundaries.
inline ReadLimits fuzz_limits() {
  ReadLimits limits;
  limits.max_field_bytes = 256;
  limits.max_record_bytes = 64 * 1024;
  limits.max_columns = 64;
  limits.max_depth = 16;
  limits.max_xlsx_uncompressed = 16 << 20;
  return limits;
}

}  // namespace iv::analysis::fuzz
