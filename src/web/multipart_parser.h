// Streaming multipart/form-data parser (RFC 7578 / RFC 2046 §5.1): the body
// may arrive in pieces of any size, split anywhere (inside a boundary, a
// header, a CRLF); part data is handed on as it arrives, so memory stays
// bounded by the part-header limit and the boundary length, never by the file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace iv::web {

struct MultipartLimits {
  std::size_t max_header_bytes = 8 * 1024;  // the headers of one part
  std::size_t max_parts = 32;
};

struct PartHeaders {
  std::string name;           // Content-Disposition name
  std::string filename;       // Content-Disposition filename (as sent: sanitize before use)
  bool has_filename = false;  // a file part (filename present, possibly empty)
  std::string content_type;   // may be empty
};

class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  // Each returns false to stop the parse (the handler refused something).
  virtual bool on_part_begin(const PartHeaders& headers) = 0;
  virtual bool on_part_data(std::string_view data) = 0;
  virtual bool on_part_end() = 0;
};

class MultipartParser {
 public:
  // `boundary` without the leading "--" (boundary_from_content_type).
  MultipartParser(std::string_view boundary, MultipartHandler& handler, MultipartLimits limits = {});

  // The next piece of the body. False when the body is malformed, over a
  // limit, or the handler stopped; error() says which. Bytes after the
  // closing delimiter are ignored.
  bool feed(std::string_view chunk);
  // True once the closing delimiter has been seen (the body is complete).
  bool done() const { return state_ == State::epilogue; }
  std::string_view error() const { return error_; }

 private:
  enum class State { preamble, after_delimiter, headers, body, epilogue, failed };

  bool step();  // processes buffer_ as far as possible; false on failure
  bool fail(std::string message);
  bool parse_headers(std::string_view block, PartHeaders& headers);

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartHandler& handler_;
  MultipartLimits limits_;
  State state_ = State::preamble;
  std::string buffer_;
  std::size_t parts_ = 0;
  std::string error_;
};

// The boundary parameter of a "multipart/form-data; boundary=..." value
// (quoted or not, 1–70 characters); nullopt for another type or no boundary.
std::optional<std::string> boundary_from_content_type(std::string_view content_type);

}  // namespace iv::web
