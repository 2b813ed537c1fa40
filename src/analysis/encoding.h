// Text encodings of uploaded files and their conversion to UTF-8, which is
// all the parsers after this layer ever see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "analysis/byte_source.h"
#include "analysis/reader.h"

namespace iv::analysis {

enum class Encoding { utf8, utf8_bom, utf16le, utf16be, latin1 };

// "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "latin-1" (ReadSummary::encoding).
std::string_view encoding_name(Encoding encoding);

// Decides from the first bytes of a file: a byte-order mark wins; otherwise
// UTF-16 without a BOM is recognised by its NUL bytes in every other
// position; text that is valid UTF-8 (or mostly so, with real multi-byte
// sequences) is UTF-8; anything else is taken as Latin-1 (Windows-1252).
Encoding detect_encoding(std::string_view head);

// Bytes of the byte-order mark that `detect_encoding` saw at the start of `head`.
std::size_t bom_length(Encoding encoding, std::string_view head);

// True when `text` is entirely valid UTF-8 (an incomplete sequence at the
// very end counts as valid when `allow_truncated_tail`).
bool is_valid_utf8(std::string_view text, bool allow_truncated_tail = false);

// Appends `text` to `out` as valid UTF-8, replacing each invalid sequence
// with U+FFFD; returns how many replacements were made.
std::size_t append_repaired_utf8(std::string_view text, std::string& out);

// Converts chunks of bytes in one encoding into UTF-8. Sequences split
// across chunk boundaries are carried over to the next call. Invalid input
// becomes U+FFFD and is counted.
class TextDecoder {
 public:
  explicit TextDecoder(Encoding encoding) : encoding_(encoding) {}

  // Appends the UTF-8 form of `input` to `out`. With `last`, an incomplete
  // trailing sequence is flushed as U+FFFD.
  void decode(std::string_view input, bool last, std::string& out);

  std::uint64_t replacements() const { return replacements_; }
  Encoding encoding() const { return encoding_; }

 private:
  void decode_utf8(std::string_view input, bool last, std::string& out);
  void decode_utf16(std::string_view input, bool last, std::string& out);
  void decode_latin1(std::string_view input, std::string& out);

  Encoding encoding_;
  std::string carry_;  // bytes of a sequence split by the chunk boundary
  std::uint32_t high_surrogate_ = 0;
  std::uint64_t replacements_ = 0;
};

// A file's text as UTF-8, read in chunks: the ByteSource below the decoder.
// UTF-8 input that is valid (the common case) is read straight into the
// caller's buffer without a copy.
class TextSource {
 public:
  // Opens `path` and skips the byte-order mark of `encoding` if present.
  static std::expected<TextSource, ReadError> open(const std::filesystem::path& path, Encoding encoding,
                                                   std::uint64_t start_offset = 0);

  // Writes up to `capacity` bytes of UTF-8 into `out` (capacity >= 8);
  // returns 0 at the end of the text. Never splits a UTF-8 sequence.
  std::expected<std::size_t, ReadError> read(char* out, std::size_t capacity);

  std::uint64_t replacements() const { return decoder_.replacements(); }
  // Raw bytes consumed from the file so far.
  std::uint64_t raw_position() const { return bytes_.position(); }
  std::uint64_t raw_size() const { return bytes_.size(); }

 private:
  TextSource(ByteSource bytes, Encoding encoding) : bytes_(std::move(bytes)), decoder_(encoding) {}
  std::expected<std::size_t, ReadError> read_utf8_direct(char* out, std::size_t capacity);

  ByteSource bytes_;
  TextDecoder decoder_;
  std::string raw_;      // raw chunk for the transcoding path
  std::string pending_;  // decoded output not yet handed out
  std::size_t pending_offset_ = 0;
  std::string utf8_tail_;  // direct path: an incomplete sequence at the end of the last read
  bool eof_ = false;
  bool direct_ = true;  // false once broken bytes sent the stream through the decoder
};

// A warning sentence for `count` replaced sequences ("encoding_errors").
std::string replacement_warning(std::uint64_t count);

}  // namespace iv::analysis
