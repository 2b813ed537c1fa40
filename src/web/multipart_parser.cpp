#include "web/multipart_parser.h"

#include <algorithm>
#include <cctype>

#include "web/http.h"

namespace iv::web {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Value of parameter `name` in "form-data; name="a"; filename="b.csv"".
std::optional<std::string> header_parameter(std::string_view value, std::string_view name) {
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = trim(value.substr(pos + 1));
    const std::size_t equals = rest.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(rest.substr(0, equals));
    rest = trim(rest.substr(equals + 1));
    std::string parsed;
    std::size_t consumed = 0;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        // Browsers escape '"' as %22 and do not use backslashes; accept \" from other clients.
        if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == '"') ++i;
        parsed.push_back(rest[i]);
      }
      consumed = std::min(i + 1, rest.size());
    } else {
      consumed = std::min(rest.find(';'), rest.size());
      parsed = std::string(trim(rest.substr(0, consumed)));
    }
    if (iequals(key, name)) return parsed;
    const std::size_t next = rest.find(';', consumed);
    if (next == std::string_view::npos) return std::nullopt;
    pos = static_cast<std::size_t>(rest.data() + next - value.data());
  }
  return std::nullopt;
}

}  // namespace

MultipartParser::MultipartParser(std::string_view boundary, MultipartHandler& handler, MultipartLimits limits)
    : delimiter_("\r\n--" + std::string(boundary)), handler_(handler), limits_(limits) {
  // The first delimiter may start the body without a CRLF before it.
  buffer_ = "\r\n";
}

bool MultipartParser::fail(std::string message) {
  state_ = State::failed;
  error_ = std::move(message);
  buffer_.clear();
  return false;
}

bool MultipartParser::feed(std::string_view chunk) {
  if (state_ == State::failed) return false;
  if (state_ == State::epilogue) return true;
  buffer_.append(chunk);
  return step();
}

bool MultipartParser::step() {
  for (;;) {
    switch (state_) {
      case State::preamble: {
        const std::size_t at = buffer_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep what could be the start of a delimiter.
          if (buffer_.size() >= delimiter_.size()) buffer_.erase(0, buffer_.size() - delimiter_.size() + 1);
          if (buffer_.size() > limits_.max_header_bytes) return fail("no multipart boundary found");
          return true;
        }
        buffer_.erase(0, at + delimiter_.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::after_delimiter: {
        if (buffer_.size() < 2) return true;
        if (buffer_.starts_with("--")) {
          state_ = State::epilogue;
          buffer_.clear();
          return true;
        }
        // Transport padding (spaces, tabs) may follow a delimiter.
        const std::size_t eol = buffer_.find("\r\n");
        if (eol == std::string::npos) {
          if (buffer_.size() > 256) return fail("malformed multipart delimiter line");
          return true;
        }
        if (!trim(std::string_view(buffer_).substr(0, eol)).empty())
          return fail("malformed multipart delimiter");
        buffer_.erase(0, eol + 2);
        if (++parts_ > limits_.max_parts) return fail("too many parts in the form");
        state_ = State::headers;
        break;
      }
      case State::headers: {
        // An empty header block is "\r\n" at once; otherwise headers end with "\r\n\r\n".
        std::size_t end = std::string::npos;
        std::size_t skip = 0;
        if (buffer_.starts_with("\r\n")) {
          end = 0, skip = 2;
        } else if (const std::size_t at = buffer_.find("\r\n\r\n"); at != std::string::npos) {
          end = at, skip = 4;
        }
        if (end == std::string::npos) {
          if (buffer_.size() > limits_.max_header_bytes)
            return fail("the headers of a form part are too long");
          return true;
        }
        if (end > limits_.max_header_bytes) return fail("the headers of a form part are too long");
        PartHeaders headers;
        if (!parse_headers(std::string_view(buffer_).substr(0, end), headers)) return false;
        buffer_.erase(0, end + skip);
        if (!handler_.on_part_begin(headers)) return fail("the form was refused");
        state_ = State::body;
        break;
      }
      case State::body: {
        const std::size_t at = buffer_.find(delimiter_);
        if (at == std::string::npos) {
          // Everything except a possible partial delimiter at the end is data.
          if (buffer_.size() >= delimiter_.size()) {
            const std::size_t safe = buffer_.size() - delimiter_.size() + 1;
            if (!handler_.on_part_data(std::string_view(buffer_).substr(0, safe)))
              return fail("the form was refused");
            buffer_.erase(0, safe);
          }
          return true;
        }
        if (at > 0 && !handler_.on_part_data(std::string_view(buffer_).substr(0, at))) {
          return fail("the form was refused");
        }
        if (!handler_.on_part_end()) return fail("the form was refused");
        buffer_.erase(0, at + delimiter_.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::epilogue:
        buffer_.clear();
        return true;
      case State::failed:
        return false;
    }
  }
}

bool MultipartParser::parse_headers(std::string_view block, PartHeaders& headers) {
  bool has_disposition = false;
  while (!block.empty()) {
    const std::size_t eol = std::min(block.find("\r\n"), block.size());
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(std::min(eol + 2, block.size()));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("malformed header in a form part");
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-disposition")) {
      const std::string_view type = trim(value.substr(0, value.find(';')));
      if (!iequals(type, "form-data")) return fail("a form part is not form-data");
      has_disposition = true;
      headers.name = header_parameter(value, "name").value_or("");
      if (auto filename = header_parameter(value, "filename")) {
        headers.filename = std::move(*filename);
        headers.has_filename = true;
      }
    } else if (iequals(name, "content-type")) {
      headers.content_type = std::string(value);
    }
  }
  if (!has_disposition || headers.name.empty()) return fail("a form part has no name");
  return true;
}

std::optional<std::string> boundary_from_content_type(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (!iequals(type, "multipart/form-data")) return std::nullopt;
  auto boundary = header_parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

}  // namespace iv::web
