#include "web/request_line.h"

#include <string>
#include <utility>

namespace iv::web {
namespace {

bool is_dot_segment(std::string_view segment) {
  return segment == "." || segment == "..";
}

// True when a decoded path has "." or ".." segments.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (is_dot_segment(path.substr(start, end - start))) return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace

bool split_target(Request& request) {
  std::string_view target = request.target;
  if (!target.starts_with('/')) {
    // absolute-form (RFC 9112 3.2.2): keep only the path and query.
    const std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
    const std::size_t path_start = target.find_first_of("/?", scheme_end + 3);
    target = path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    if (target.starts_with('?')) return false;
  }
  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  if (raw_path.find('%') == std::string_view::npos) {
    request.path.assign(raw_path);
  } else {
    auto decoded = percent_decode(raw_path, false);
    if (!decoded) return false;
    request.path = std::move(*decoded);
  }
  if (has_dot_segment(request.path)) return false;
  if (question != std::string_view::npos) {
    request.raw_query.assign(target.substr(question + 1));
    if (!request.raw_query.empty()) {
      auto query = parse_query(request.raw_query);
      if (!query) return false;
      request.query = std::move(*query);
    }
  }
  return true;
}

bool names_other_http_version(std::string_view input) {
  std::string_view line = input.substr(0, input.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() < 10 || line[line.size() - 9] != ' ') return false;
  const std::string_view version = line.substr(line.size() - 8);
  const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  return version.starts_with("HTTP/") && digit(version[5]) && version[6] == '.' && digit(version[7]) &&
         version[5] != '1';
}

}  // namespace iv::web
