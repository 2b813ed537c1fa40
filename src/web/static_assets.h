// The files under static/, loaded once at start: each gets a fingerprinted URL
// (/static/css/site.3f2a1b9c0d.css) served with `Cache-Control: immutable`
// for a year, pre-compressed once. Templates ask for URLs by logical path.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "web/entity.h"

namespace iv::web {

class StaticAssets {
 public:
  // A file of a browser library installed from npm (never committed: see
  // package.json's "dependencies"), served under static/vendor/.
  struct VendorFile {
    std::string logical;           // e.g. "vendor/altcha/altcha.min.js"
    std::filesystem::path source;  // e.g. <share>/node_modules/altcha/dist/external/altcha.min.js
  };

  // Loads every regular file under `dir` (recursively) and the vendor files.
  // Throws std::runtime_error when the directory or a vendor file cannot be
  // read (the message says how to install the npm packages).
  explicit StaticAssets(const std::filesystem::path& dir, const std::vector<VendorFile>& vendor = {});

  // "css/site.css" -> "/static/css/site.3f2a1b9c0d.css". Throws std::out_of_range
  // for an unknown file, so a template typo fails at start, not in production.
  std::string url(std::string_view logical_path) const;

  // The entity for a request path such as "/static/css/site.3f2a1b9c0d.css";
  // nullptr when unknown. Only fingerprinted URLs are served, and lookups are
  // exact map hits, so no path can escape the directory.
  std::shared_ptr<const Entity> find(std::string_view request_path) const;

  // Calls fn(url_path, entity) for every asset (for `export`).
  void for_each(const std::function<void(const std::string&, const Entity&)>& fn) const;

  // True when `logical_path` was loaded.
  bool has(std::string_view logical_path) const { return logical_to_url_.contains(logical_path); }

  // Content-Type for a file name by extension.
  static std::string content_type_for(std::string_view filename);

 private:
  void add(const std::string& logical, std::string body);

  std::map<std::string, std::string, std::less<>> logical_to_url_;
  std::map<std::string, std::shared_ptr<const Entity>, std::less<>> by_url_;
};

}  // namespace iv::web
