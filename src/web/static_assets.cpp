#include "web/static_assets.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace iv::web {
namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
// Unfingerprinted URLs exist so that relative url(...) references inside CSS
// keep working; they revalidate after five minutes.
constexpr std::string_view kShortLived = "public, max-age=300";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read static file " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

// "css/site.css" + "3f2a1b9c0d" -> "css/site.3f2a1b9c0d.css"
std::string fingerprinted_name(const std::string& logical, std::string_view hash) {
  const std::size_t slash = logical.rfind('/');
  const std::size_t dot = logical.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return logical + "." + std::string(hash);
  }
  return logical.substr(0, dot) + "." + std::string(hash) + logical.substr(dot);
}

}  // namespace

std::string StaticAssets::content_type_for(std::string_view filename) {
  struct Mapping {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr Mapping kTypes[] = {
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".xml", "application/xml"},
      {".webmanifest", "application/manifest+json"},
      {".html", "text/html; charset=utf-8"},
  };
  for (const auto& m : kTypes) {
    if (filename.ends_with(m.extension)) return std::string(m.type);
  }
  return "application/octet-stream";
}

StaticAssets::StaticAssets(const std::filesystem::path& dir, const std::vector<VendorFile>& vendor) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw std::runtime_error("static directory not found: " + dir.string());
  }
  for (const auto& item : std::filesystem::recursive_directory_iterator(dir)) {
    if (!item.is_regular_file()) continue;
    add(item.path().lexically_relative(dir).generic_string(), read_file(item.path()));
  }
  for (const auto& file : vendor) {
    if (!std::filesystem::is_regular_file(file.source, ec)) {
      throw std::runtime_error("browser library file missing: " + file.source.string() +
                               " (install the npm packages: scripts/install-deps, or npm ci --omit=dev)");
    }
    add(file.logical, read_file(file.source));
  }
}

void StaticAssets::add(const std::string& logical, std::string body) {
  const std::string type = content_type_for(logical);
  auto immutable = Entity::make(200, type, std::string(kImmutable), body);
  // First 10 hex digits of the content hash: enough to never collide between releases.
  const std::string hash = immutable->etag.substr(1, 10);
  const std::string url = "/static/" + fingerprinted_name(logical, hash);
  logical_to_url_.emplace(logical, url);
  by_url_.emplace(url, immutable);
  by_url_.emplace("/static/" + logical, Entity::make(200, type, std::string(kShortLived), std::move(body)));
}

std::string StaticAssets::url(std::string_view logical_path) const {
  const auto it = logical_to_url_.find(logical_path);
  if (it == logical_to_url_.end()) {
    throw std::out_of_range("unknown static asset: " + std::string(logical_path));
  }
  return it->second;
}

std::shared_ptr<const Entity> StaticAssets::find(std::string_view request_path) const {
  const auto it = by_url_.find(request_path);
  return it == by_url_.end() ? nullptr : it->second;
}

void StaticAssets::for_each(const std::function<void(const std::string&, const Entity&)>& fn) const {
  for (const auto& [url, entity] : by_url_) fn(url, *entity);
}

}  // namespace iv::web
