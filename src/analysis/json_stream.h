// A streaming scanner for the structure of a big JSON document: it finds
// where values begin and end (strings, escapes, nesting) in 256 KiB chunks,
// so that each record can be handed whole to a real JSON parser while the
// document around it is never loaded. Depth is checked here, before any
// parser sees a deeply nested value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "analysis/encoding.h"
#include "analysis/reader.h"

namespace iv::analysis {

// Bytes after every value returned by read_value that the caller may
// overwrite (and must restore): simdjson reads that far past its input.
inline constexpr std::size_t kJsonPadding = 64;

class JsonStream {
 public:
  JsonStream(TextSource& text, const ReadLimits& limits);

  // The next character that is not whitespace, not consumed; '\0' at the end.
  std::expected<char, ReadError> peek();
  // Consumes the character peek() returned.
  void consume() {
    if (position_ < length_) ++position_;
  }
  // Reads the string at the current position (a key); escapes other than
  // \" and \\ are kept as written. Longer than max_field_bytes: "malformed".
  std::expected<std::string, ReadError> read_string();
  // The whole value at the current position, consumed. The view stays valid
  // until the next call; kJsonPadding bytes after it belong to the buffer.
  // `depth` is the nesting depth of its container (1 inside a top-level
  // array). Errors: "too_deep", "record_too_large", "malformed".
  std::expected<std::string_view, ReadError> read_value(std::uint32_t depth);
  // Consumes the value at the current position without keeping it.
  std::expected<void, ReadError> skip_value(std::uint32_t depth);

  // Position in the decoded text (for messages).
  std::uint64_t offset() const { return discarded_ + position_; }

 private:
  std::expected<std::size_t, ReadError> scan_value(bool keep, std::uint32_t depth);
  std::expected<bool, ReadError> refill(std::size_t keep_from);

  TextSource& text_;
  const ReadLimits& limits_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t length_ = 0;
  std::size_t position_ = 0;
  std::uint64_t discarded_ = 0;
  bool eof_ = false;
  std::string open_brackets_;  // of the value being scanned, innermost last
};

ReadError json_malformed(std::string_view what, std::uint64_t offset);

}  // namespace iv::analysis
