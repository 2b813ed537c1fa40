// Reads the site's content from Markdown files with YAML front matter:
//
//   DIR/services/<slug>.md       -> Service
//   DIR/case-studies/<slug>.md   -> CaseStudy
//   DIR/impact/<slug>.md         -> ImpactStory
//   DIR/pages/<slug>.md          -> Page
//
// Each file starts with a line `---`, then YAML, then a line `---`, then the
// Markdown body. The front matter is validated strictly, because a typo must
// not silently drop content from the site: required keys, types, no unknown
// keys, `slug` equal to the file name and of the form a-z0-9 words joined by
// single hyphens, dates YYYY-MM-DD, icons, industries and impact categories
// from fixed lists, case-study services naming existing services, and generous
// length limits. A page keeps slug/title/summary in fields and every other key
// as JSON in `data_json` (maps, lists, scalars as strings, empty as null).
// Markdown (bodies, challenge, solution) is rendered with markdown_to_html.
//
// Every mistake in every file is reported, not only the first; the bundle is
// returned only when there is none.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "content/model.h"

namespace iv::content {

struct LoadError {
  std::string file;  // the path as joined from `dir`
  int line = 0;      // 1-based line in the file; 0 when about the file or directory as a whole
  std::string message;
};

// "content/services/x.md:12: message" (without ":line" when line is 0).
std::string to_string(const LoadError& error);

std::expected<ContentBundle, std::vector<LoadError>> load_content_dir(const std::filesystem::path& dir);

}  // namespace iv::content
