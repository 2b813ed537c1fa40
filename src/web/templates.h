// Mustache templates for the server-rendered pages.
//
// Every `*.mustache` file under the template directory is loaded and parsed
// once, at construction, and named by its path relative to that directory
// without the extension: templates/pages/home.mustache is "pages/home" and
// is also what `{{> pages/home}}` includes. Rendering escapes `{{x}}` for
// HTML; `{{{x}}}` is only for trusted HTML (Markdown rendered by our loader
// with raw HTML disabled, JSON-LD, our own inline SVG icons).
//
// The engine is immutable after construction, so one instance may render
// from several threads at once.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace iv::web {

class TemplateEngine {
 public:
  // Loads every *.mustache file under `dir` (recursively). Throws
  // std::runtime_error naming the file when it cannot be read or does not
  // parse, and when `dir` is not a readable directory.
  explicit TemplateEngine(const std::filesystem::path& dir);

  // Renders template `name` ("pages/home") with `context`: JSON objects
  // become Mustache objects, arrays lists, strings strings, numbers their
  // decimal text, booleans booleans (so sections work) and null false.
  // Throws std::out_of_range when `name` is unknown and std::runtime_error
  // when rendering fails (for example an unknown partial).
  std::string render(std::string_view name, const boost::json::object& context) const;

  bool contains(std::string_view name) const { return sources_.contains(name); }

  // Names of all loaded templates, sorted.
  std::vector<std::string> names() const;

 private:
  // Source text by template name. Kept as text rather than parsed trees:
  // kainjow's renderer mutates the template while rendering, so each render
  // parses a private copy, which keeps render() const and thread-safe.
  std::map<std::string, std::string, std::less<>> sources_;
};

}  // namespace iv::web
