#include "analysis/json_stream.h"

#include <algorithm>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace iv::analysis {
namespace {

constexpr std::size_t kInitialCapacity = 4 * kReadChunkBytes;

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

}  // namespace

ReadError json_malformed(std::string_view what, std::uint64_t offset) {
  return ReadError{"malformed", "The JSON is malformed near byte " + std::to_string(offset) + ": " +
                                    std::string(what) + "."};
}

JsonStream::JsonStream(TextSource& text, const ReadLimits& limits) : text_(text), limits_(limits) {
  capacity_ = std::max<std::size_t>(
      kReadChunkBytes, std::min<std::size_t>(kInitialCapacity, limits_.max_record_bytes + kReadChunkBytes));
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_ + kJsonPadding);
}

// Drops bytes before `keep_from`, grows the buffer when what is kept fills
// it, and reads more. Returns false at the end of the text.
std::expected<bool, ReadError> JsonStream::refill(std::size_t keep_from) {
  if (keep_from > 0) {
    std::memmove(buffer_.get(), buffer_.get() + keep_from, length_ - keep_from);
    length_ -= keep_from;
    position_ -= keep_from;
    discarded_ += keep_from;
  }
  if (length_ > limits_.max_record_bytes) {
    return std::unexpected(ReadError{"record_too_large", "A single JSON record is longer than " +
                                                             describe_size(limits_.max_record_bytes) + "."});
  }
  if (capacity_ - length_ < kReadChunkBytes / 4) {
    std::size_t grown = std::min<std::size_t>(capacity_ * 2, limits_.max_record_bytes + kReadChunkBytes);
    if (grown <= capacity_) grown = capacity_ + kReadChunkBytes;
    auto bigger = std::make_unique_for_overwrite<char[]>(grown + kJsonPadding);
    std::memcpy(bigger.get(), buffer_.get(), length_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  if (eof_) return false;
  auto n = text_.read(buffer_.get() + length_, capacity_ - length_);
  if (!n) return std::unexpected(n.error());
  length_ += *n;
  eof_ = *n == 0;
  return !eof_;
}

std::expected<char, ReadError> JsonStream::peek() {
  for (;;) {
    while (position_ < length_ && is_space(buffer_[position_])) ++position_;
    if (position_ < length_) return buffer_[position_];
    auto more = refill(position_);
    if (!more) return std::unexpected(more.error());
    if (!*more) return '\0';
  }
}

std::expected<std::string, ReadError> JsonStream::read_string() {
  auto value = read_value(0);
  if (!value) return std::unexpected(value.error());
  std::string_view raw = *value;
  if (raw.size() < 2 || raw.front() != '"')
    return std::unexpected(json_malformed("expected a key", offset()));
  raw = raw.substr(1, raw.size() - 2);
  std::string key;
  key.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ++i;
    key.push_back(raw[i]);
  }
  return key;
}

std::expected<std::string_view, ReadError> JsonStream::read_value(std::uint32_t depth) {
  auto first = peek();
  if (!first) return std::unexpected(first.error());
  if (*first == '\0')
    return std::unexpected(json_malformed("the text ends where a value should be", offset()));
  auto end = scan_value(true, depth);
  if (!end) return std::unexpected(end.error());
  std::size_t begin = *end;  // scan_value returns the start; position_ is the end
  if (position_ == begin) return std::unexpected(json_malformed("a value is missing", offset()));
  if (position_ - begin > limits_.max_record_bytes) {
    return std::unexpected(ReadError{"record_too_large", "A single JSON record is longer than " +
                                                             describe_size(limits_.max_record_bytes) + "."});
  }
  return std::string_view(buffer_.get() + begin, position_ - begin);
}

std::expected<void, ReadError> JsonStream::skip_value(std::uint32_t depth) {
  auto first = peek();
  if (!first) return std::unexpected(first.error());
  if (*first == '\0')
    return std::unexpected(json_malformed("the text ends where a value should be", offset()));
  if (*first == ',' || *first == ']' || *first == '}' || *first == ':')
    return std::unexpected(json_malformed("a value is missing", offset()));
  auto end = scan_value(false, depth);
  if (!end) return std::unexpected(end.error());
  return {};
}

// Bit i set when block[i] is '"', '\\', a bracket or a brace, for the 64
// bytes at `block` (the buffer is padded, so reading past the data is safe).
inline std::uint64_t structural_mask(const char* block) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), open = _mm_set1_epi8(0x7B),
                close = _mm_set1_epi8(0x7D), lower = _mm_set1_epi8(0x20);
  std::uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
    __m128i folded = _mm_or_si128(x, lower);  // '[' -> '{', ']' -> '}'
    __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                                _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hits))) << (16 * i);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    char c = block[i];
    if (c == '"' || c == '\\' || c == '[' || c == ']' || c == '{' || c == '}') mask |= std::uint64_t{1} << i;
  }
  return mask;
#endif
}

// Scans the value starting at position_ to its end; leaves position_ one
// past it and returns where it started (meaningful only when `keep`). Walks
// a bitmap of the quotes, backslashes and brackets of each 64-byte block, so
// the cost is per structural character rather than per byte.
std::expected<std::size_t, ReadError> JsonStream::scan_value(bool keep, std::uint32_t depth) {
  std::size_t start = position_;
  char first = buffer_[position_];
  bool scalar = first != '{' && first != '[' && first != '"';
  std::uint32_t nesting = 0;
  bool in_string = false;
  std::size_t cursor = position_;
  open_brackets_.clear();
  for (;;) {
    const char* base = buffer_.get();
    std::size_t length = length_;
    if (scalar) {
      while (cursor < length) {
        char c = base[cursor];
        if (c == ',' || c == ']' || c == '}' || is_space(c)) {
          position_ = cursor;
          return start;
        }
        ++cursor;
      }
    } else {
      std::size_t pos = cursor;
      bool cut = false;  // an escape is cut by the end of the data
      while (pos < length && !cut) {
        std::uint64_t mask = structural_mask(base + pos);
        if (length - pos < 64) mask &= (std::uint64_t{1} << (length - pos)) - 1;
        std::size_t next_block = pos + 64;
        while (mask != 0) {
          std::size_t at = pos + static_cast<std::size_t>(__builtin_ctzll(mask));
          mask &= mask - 1;
          char c = base[at];
          if (in_string) {
            if (c == '\\') {
              if (at + 1 >= length) {
                next_block = at;
                cut = true;
                break;
              }
              if (at + 1 - pos < 64) {
                mask &= ~(std::uint64_t{1} << (at + 1 - pos));
              } else {
                next_block = at + 2;
              }
            } else if (c == '"') {
              in_string = false;
              if (nesting == 0) {
                position_ = at + 1;
                return start;
              }
            }
            continue;
          }
          if (c == '"') {
            in_string = true;
          } else if (c == '[' || c == '{') {
            open_brackets_.push_back(c);
            if (depth + ++nesting > limits_.max_depth) {
              return std::unexpected(ReadError{"too_deep", "The JSON nests deeper than " +
                                                               std::to_string(limits_.max_depth) +
                                                               " levels, more than a dataset needs."});
            }
          } else if (c == ']' || c == '}') {
            if (nesting == 0 || open_brackets_.back() != (c == ']' ? '[' : '{'))
              return std::unexpected(json_malformed("unbalanced brackets", offset()));
            open_brackets_.pop_back();
            if (--nesting == 0) {
              position_ = at + 1;
              return start;
            }
          }
        }
        pos = next_block;
      }
      cursor = std::min(pos, length);
    }
    // Need more text.
    std::size_t keep_from = keep ? start : cursor;
    std::size_t before = keep_from;
    position_ = keep_from;  // refill moves position_ along with the bytes it keeps
    auto more = refill(keep_from);
    if (!more) return std::unexpected(more.error());
    start -= std::min(start, before);
    cursor -= before;
    if (!*more) {
      if (scalar) {
        position_ = length_;
        return start;
      }
      return std::unexpected(json_malformed("the text ends inside a value", offset()));
    }
  }
}

}  // namespace iv::analysis
