#include "analysis/csv_reader.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace iv::analysis {
namespace {

// Bytes after the data that vector loads may touch without checking.
constexpr std::size_t kPadding = 64;
constexpr std::size_t kInitialCapacity = 4 * kReadChunkBytes;

// First position in [p, end) holding `a` or `b`, or `end`. Reads up to 15
// bytes past `end` (the buffer is padded).
inline const char* find_either(const char* p, const char* end, char a, char b) {
#ifdef __SSE2__
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  while (p < end) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(block, va), _mm_cmpeq_epi8(block, vb)));
    if (mask != 0) return std::min(p + __builtin_ctz(static_cast<unsigned>(mask)), end);
    p += 16;
  }
  return end;
#else
  while (p < end && *p != a && *p != b) ++p;
  return p;
#endif
}

inline const char* find_byte(const char* p, const char* end, char c) {
  const void* hit = std::memchr(p, c, static_cast<std::size_t>(end - p));
  return hit ? static_cast<const char*>(hit) : end;
}

// Where a field lies in the buffer, relative to the start of its record so
// that moving the record to the front of the buffer keeps it valid.
struct FieldSpan {
  std::size_t begin = 0, end = 0;
  bool quoted = false;
  bool escaped = false;  // doubled quotes or text after the closing quote
};

class CsvScanner {
 public:
  CsvScanner(TextSource& text, const CsvDialect& dialect, const ReadLimits& limits, RecordSink& sink)
      : text_(text), dialect_(dialect), limits_(limits), sink_(sink) {}

  std::expected<void, ReadError> run();

 private:
  enum class State { field_start, unquoted, quoted, after_quote };

  std::expected<void, ReadError> scan();
  std::expected<bool, ReadError> refill();
  void end_field(const char* terminator);
  std::expected<void, ReadError> end_record();
  std::expected<void, ReadError> too_many_columns() const;
  inline std::string_view field_value(const FieldSpan& span);
  void emit_header(std::vector<std::string_view>& values);
  const std::string& name_of(std::size_t index);
  void flush_warnings();

  TextSource& text_;
  CsvDialect dialect_;
  const ReadLimits& limits_;
  RecordSink& sink_;

  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;     // usable bytes (padding excluded)
  std::size_t length_ = 0;       // bytes of data in the buffer
  std::size_t record_ = 0;       // offset of the record being scanned
  std::size_t position_ = 0;     // scan position
  std::size_t field_begin_ = 0;  // relative to record_
  bool escaped_ = false;
  State state_ = State::field_start;
  bool eof_ = false;

  // Fixed capacity (max_columns + 1): the hot loop writes by index.
  std::vector<FieldSpan> spans_;
  std::size_t span_count_ = 0;
  std::vector<Field> fields_;
  std::vector<std::string_view> values_;
  std::vector<std::string> names_;
  std::size_t header_width_ = 0;
  std::size_t named_fields_ = 0;  // fields_[0, named_fields_) carry valid names
  bool header_done_ = false;

  std::uint64_t ragged_ = 0, truncated_ = 0;
  bool unterminated_ = false;
};

std::expected<void, ReadError> CsvScanner::run() {
  capacity_ = std::min<std::size_t>(kInitialCapacity, limits_.max_record_bytes + kReadChunkBytes);
  capacity_ = std::max<std::size_t>(capacity_, kReadChunkBytes);
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_ + kPadding);
  spans_.resize(static_cast<std::size_t>(limits_.max_columns) + 1);
  fields_.reserve(64);
  sink_.begin_table("");
  for (;;) {
    if (auto scanned = scan(); !scanned) return scanned;
    if (eof_) break;
    auto more = refill();
    if (!more) return std::unexpected(more.error());
  }
  // The last record may lack its line break.
  if (state_ == State::quoted) unterminated_ = true;
  if (length_ > record_ || span_count_ > 0) {
    if (span_count_ > limits_.max_columns) return too_many_columns();
    end_field(buffer_.get() + length_);
    if (auto ended = end_record(); !ended) return ended;
  }
  if (!header_done_ && dialect_.header) {
    std::vector<std::string_view> none;
    emit_header(none);
  }
  flush_warnings();
  return {};
}

// Moves the unfinished record to the front, grows the buffer if the record
// fills it, and reads more text. Returns false at the end of the text.
std::expected<bool, ReadError> CsvScanner::refill() {
  if (record_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + record_, length_ - record_);
    length_ -= record_;
    position_ -= record_;
    record_ = 0;
  }
  if (length_ > limits_.max_record_bytes) {
    return std::unexpected(
        ReadError{"record_too_large",
                  "A single record is longer than " + describe_size(limits_.max_record_bytes) +
                      "; the file is probably not a delimited table (or a quote is never closed)."});
  }
  if (capacity_ - length_ < kReadChunkBytes / 4) {
    std::size_t grown = std::min<std::size_t>(capacity_ * 2, limits_.max_record_bytes + kReadChunkBytes);
    if (grown <= capacity_) grown = capacity_ + kReadChunkBytes;
    auto bigger = std::make_unique_for_overwrite<char[]>(grown + kPadding);
    std::memcpy(bigger.get(), buffer_.get(), length_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  auto n = text_.read(buffer_.get() + length_, capacity_ - length_);
  if (!n) return std::unexpected(n.error());
  length_ += *n;
  eof_ = *n == 0;
  return !eof_;
}

std::expected<void, ReadError> CsvScanner::too_many_columns() const {
  return std::unexpected(ReadError{
      "too_many_columns",
      "A row has more than " + std::to_string(limits_.max_columns) + " columns, more than we profile."});
}

// Bit i set when block[i] is `a`, `b` or `c`, for the 64 bytes at `block`
// (the buffer is padded, so reading past the data is safe).
inline std::uint64_t special_mask(const char* block, char a, char b, char c) {
#ifdef __SSE2__
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c);
  std::uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
    __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)), _mm_cmpeq_epi8(x, vc));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hits))) << (16 * i);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    char x = block[i];
    if (x == a || x == b || x == c) mask |= std::uint64_t{1} << i;
  }
  return mask;
#endif
}

// The hot loop: a bitmap of the delimiters, line breaks and quotes of each
// 64-byte block, walked bit by bit, so that the cost is per special
// character, not per byte. State lives in locals while scanning (members
// cannot stay in registers across the sink's virtual calls) and is saved
// back when the buffer runs out.
std::expected<void, ReadError> CsvScanner::scan() {
  char* const base = buffer_.get();
  const std::size_t length = length_;
  const char delimiter = dialect_.delimiter, quote = dialect_.quote;
  const std::size_t max_spans = limits_.max_columns;
  FieldSpan* const spans = spans_.data();
  State state = state_;
  std::size_t record = record_, field_begin = field_begin_, count = span_count_;
  bool escaped = escaped_;
  std::size_t pos = position_;
  auto save = [&](std::size_t at) {
    state_ = state;
    record_ = record;
    field_begin_ = field_begin;
    span_count_ = count;
    escaped_ = escaped;
    position_ = at;
  };
  if (state == State::field_start) state = State::unquoted;
  while (pos < length) {
    std::uint64_t mask = special_mask(base + pos, delimiter, '\n', quote);
    if (length - pos < 64) mask &= (std::uint64_t{1} << (length - pos)) - 1;
    std::size_t next_block = pos + 64;
    while (mask != 0) {
      std::size_t at = pos + static_cast<std::size_t>(__builtin_ctzll(mask));
      mask &= mask - 1;
      char c = base[at];
      if (state == State::quoted) {
        if (c != quote) continue;
        if (at + 1 >= length) {
          if (!eof_) {  // a doubled quote may continue in the next chunk
            save(at);
            return {};
          }
          state = State::after_quote;
          continue;
        }
        if (base[at + 1] == quote) {
          escaped = true;
          if (at + 1 - pos < 64) {
            mask &= ~(std::uint64_t{1} << (at + 1 - pos));
          } else {
            next_block = at + 2;
          }
        } else {
          state = State::after_quote;
        }
        continue;
      }
      if (c == quote) {
        if (state == State::unquoted && at == record + field_begin) {
          state = State::quoted;
        } else if (state == State::after_quote) {
          escaped = true;  // text after the closing quote
        }
        continue;
      }
      // A delimiter or a line break ends the field.
      if (count == max_spans) {
        save(at);
        return too_many_columns();
      }
      std::size_t field_end = at - record;
      if (state == State::after_quote && field_end != field_begin) {
        // Anything but the closing quote right before the terminator is text after it.
        std::size_t last = field_end;
        if (c == '\n' && base[at - 1] == '\r') --last;
        if (base[record + last - 1] != quote) escaped = true;
      }
      if (c == '\n' && field_end > field_begin && base[at - 1] == '\r') --field_end;  // CRLF
      spans[count++] = FieldSpan{field_begin, field_end, state == State::after_quote, escaped};
      state = State::unquoted;
      escaped = false;
      field_begin = at + 1 - record;
      if (c == '\n') {
        save(at + 1);
        if (auto ended = end_record(); !ended) return ended;
        count = 0;
        record = at + 1;
        field_begin = 0;
      }
    }
    pos = next_block;
  }
  save(std::min(pos, length));
  return {};
}

void CsvScanner::end_field(const char* terminator) {
  std::size_t end = static_cast<std::size_t>(terminator - buffer_.get()) - record_;
  bool line_end = terminator == buffer_.get() + length_ || *terminator == '\n';
  if (line_end && end > field_begin_ && buffer_[record_ + end - 1] == '\r') --end;
  bool quoted = state_ == State::quoted || state_ == State::after_quote;
  if (state_ == State::quoted) escaped_ = true;  // unterminated: unescape what is there
  if (state_ == State::after_quote && buffer_[record_ + end - 1] != dialect_.quote) escaped_ = true;
  spans_[span_count_++] = FieldSpan{field_begin_, end, quoted, escaped_};
}

inline std::string_view CsvScanner::field_value(const FieldSpan& span) {
  char* begin = buffer_.get() + record_ + span.begin;
  std::size_t size = span.end - span.begin;
  if (span.quoted) {
    const char quote = dialect_.quote;
    if (!span.escaped && size >= 2 && begin[size - 1] == quote) {
      ++begin;
      size -= 2;
    } else {
      // In place: the output never overtakes the input.
      char* out = begin;
      bool inside = true;
      for (std::size_t i = 1; i < size;) {
        char c = begin[i];
        if (inside && c == quote) {
          if (i + 1 < size && begin[i + 1] == quote) {
            *out++ = quote;
            i += 2;
          } else {
            inside = false;
            ++i;
          }
          continue;
        }
        *out++ = c;
        ++i;
      }
      size = static_cast<std::size_t>(out - begin);
    }
  }
  if (size > limits_.max_field_bytes) {
    size = limits_.max_field_bytes;
    while (size > 0 && (static_cast<unsigned char>(begin[size]) & 0xC0) == 0x80) --size;
    ++truncated_;
  }
  return {begin, size};
}

const std::string& CsvScanner::name_of(std::size_t index) {
  while (names_.size() <= index) {
    names_.push_back("column_" + std::to_string(names_.size() + 1));
    named_fields_ = 0;  // the strings may have moved
  }
  return names_[index];
}

void CsvScanner::emit_header(std::vector<std::string_view>& values) {
  header_done_ = true;
  std::set<std::string> used;
  names_.clear();
  named_fields_ = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string name(values[i]);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name.empty()) name = "column_" + std::to_string(i + 1);
    std::string unique = name;
    for (int n = 2; used.contains(unique); ++n) unique = name + "_" + std::to_string(n);
    used.insert(unique);
    names_.push_back(std::move(unique));
  }
  header_width_ = names_.size();
  sink_.header(names_);
}

std::expected<void, ReadError> CsvScanner::end_record() {
  if (position_ - record_ > limits_.max_record_bytes) {
    return std::unexpected(ReadError{"record_too_large", "A single record is longer than " +
                                                             describe_size(limits_.max_record_bytes) + "."});
  }
  const std::size_t count = span_count_;
  span_count_ = 0;
  // A blank line is no record.
  if (count == 1 && !spans_[0].quoted && spans_[0].end == spans_[0].begin) return {};
  if (!header_done_) {
    values_.clear();
    for (std::size_t i = 0; i < count; ++i) values_.push_back(field_value(spans_[i]));
    if (dialect_.header) {
      emit_header(values_);
      return {};
    }
    header_done_ = true;
    header_width_ = count;
    for (std::size_t i = 0; i < header_width_; ++i) name_of(i);
    sink_.header(names_);
  }
  if (count != header_width_) {
    ++ragged_;
    if (count > names_.size()) name_of(count - 1);
  }
  // Names were set when the header (or a longer row) made them; per record
  // only the values change.
  if (fields_.size() < count) fields_.resize(count);
  if (named_fields_ < count) {
    for (std::size_t i = 0; i < count; ++i) fields_[i] = Field{names_[i], {}, ValueKind::text};
    named_fields_ = count;
  }
  for (std::size_t i = 0; i < count; ++i) fields_[i].value = field_value(spans_[i]);
  sink_.record(std::span<const Field>(fields_.data(), count));
  return {};
}

void CsvScanner::flush_warnings() {
  if (ragged_ > 0) {
    sink_.warning("ragged_rows", std::to_string(ragged_) + (ragged_ == 1 ? " row has" : " rows have") +
                                     " a different number of fields than the header (" +
                                     std::to_string(header_width_) + ").");
  }
  if (truncated_ > 0) {
    sink_.warning("field_truncated", std::to_string(truncated_) + " values longer than " +
                                         std::to_string(limits_.max_field_bytes) +
                                         " bytes were truncated for profiling.");
  }
  if (unterminated_) {
    sink_.warning("unterminated_quote",
                  "The last field opens a quote that is never closed; it runs to the end "
                  "of the file.");
  }
}

}  // namespace

std::expected<void, ReadError> read_csv(TextSource& text, const CsvDialect& dialect, const ReadLimits& limits,
                                        RecordSink& sink) {
  CsvScanner scanner(text, dialect, limits, sink);
  return scanner.run();
}

}  // namespace iv::analysis
