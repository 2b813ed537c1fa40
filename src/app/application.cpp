#include "app/application.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "content/loader.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "store/migrations.h"
#include "store/sql_content_repository.h"
#include "store/sqlite_database.h"
#include "web/api/content_api.h"
#include "web/dispatcher.h"
#include "web/router.h"
#include "web/server.h"
#include "web/site/site_pages.h"
#include "web/static_assets.h"
#include "web/templates.h"

namespace iv::app {
namespace {

// Reads SECRET_KEY's file, creating it (mode 0600, 32 random bytes as hex) on first start.
std::string load_or_create_secret(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "secret.key";
  if (std::ifstream in{path}; in) {
    std::string key;
    std::getline(in, key);
    if (key.size() >= 32) return key;
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("cannot generate SECRET_KEY");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  for (const unsigned char b : bytes) {
    key.push_back(kHex[b >> 4]);
    key.push_back(kHex[b & 0x0F]);
  }
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << key << '\n';
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
  return key;
}

std::filesystem::path sqlite_path(const Config& config) {
  if (config.database_url.starts_with("sqlite:")) return config.database_url.substr(7);
  return config.data_dir / "indivillage.db";
}

// Target path of an exported URL: "/" -> index.html, "/services/x" -> services/x.html,
// "/api/v1/services" -> api/v1/services.json, names with an extension unchanged.
std::filesystem::path export_file_for(std::string_view url_path) {
  if (url_path == "/") return "index.html";
  std::string relative(url_path.substr(1));
  const std::size_t slash = relative.rfind('/');
  const std::string_view last = std::string_view(relative).substr(slash == std::string::npos ? 0 : slash + 1);
  if (last.find('.') != std::string_view::npos) return relative;
  return relative + (url_path.starts_with("/api/") ? ".json" : ".html");
}

void write_file(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

// Every long-lived component, constructed in dependency order.
struct Application::Components {
  observe::Logger logger;
  observe::MetricsRegistry metrics;
  std::unique_ptr<store::SqlDatabase> database;
  std::unique_ptr<content::ContentRepository> content;

  explicit Components(const Config& config)
      : logger(observe::LogSettings{observe::parse_log_level(config.log_level), stderr}) {}
};

// The parts needed to answer HTTP requests (serve and export).
struct WebStack {
  web::TemplateEngine templates;
  web::StaticAssets assets;
  web::SitePages site;
  web::ContentApi api;
  web::Router router;
  std::unique_ptr<web::Dispatcher> dispatcher;

  WebStack(const Config& config, content::ContentRepository& content, store::SqlDatabase& database,
           observe::Logger& logger, observe::MetricsRegistry& metrics)
      : templates(config.share_dir / "templates"),
        assets(config.share_dir / "static"),
        site(web::SiteSettings{.base_url = config.public_base_url}, content, templates, assets),
        api(content, web::ApiSettings{.base_url = config.public_base_url,
                                      .openapi_path = config.share_dir / "openapi" / "openapi.json"}) {
    register_operations(database, metrics);
    site.register_routes(router);
    api.register_routes(router);
    dispatcher = std::make_unique<web::Dispatcher>(
        web::DispatcherSettings{}, router, assets,
        web::ErrorPages{[this](const web::Request& r) { return site.not_found_page(r); },
                        [this](const web::Request& r) { return site.server_error_page(r); }},
        logger, metrics);
  }

  // /healthz (the process answers), /readyz (the database answers), /metrics.
  void register_operations(store::SqlDatabase& database, observe::MetricsRegistry& metrics) {
    const web::RouteOptions plain{.kind = web::RouteOptions::Kind::plain};
    router.add(
        web::Method::get, "/healthz",
        [](const web::Request&, const web::RouteParams&) {
          web::Response r;
          r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
          r.body = R"({"status":"ok"})";
          return r;
        },
        plain);
    router.add(
        web::Method::get, "/readyz",
        [&database](const web::Request&, const web::RouteParams&) {
          bool db_ok = false;
          try {
            db_ok = database.ping();
          } catch (const std::exception&) {
            db_ok = false;
          }
          web::Response r;
          r.status = db_ok ? 200 : 503;
          r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
          r.body = std::string(R"({"status":")") + (db_ok ? "ready" : "unavailable") +
                   R"(","checks":{"database":")" + (db_ok ? "ok" : "failing") + "\"}}";
          return r;
        },
        plain);
    router.add(
        web::Method::get, "/metrics",
        [&metrics](const web::Request&, const web::RouteParams&) {
          web::Response r;
          r.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}, {"Cache-Control", "no-store"}};
          r.body = metrics.render();
          return r;
        },
        plain);
  }
};

Application::Application(Config config) : config_(std::move(config)), parts_(std::make_unique<Components>(config_)) {
  std::filesystem::create_directories(config_.data_dir);
  if (config_.secret_key.empty()) config_.secret_key = load_or_create_secret(config_.data_dir);
  parts_->database =
      std::make_unique<store::SqliteDatabase>(store::SqliteSettings{.path = sqlite_path(config_)});
  parts_->content = std::make_unique<store::SqlContentRepository>(*parts_->database);
}

Application::~Application() = default;

int Application::migrate() {
  store::Migrator migrator(config_.share_dir / "migrations");
  auto lease = parts_->database->lease();
  const auto applied = migrator.apply(*lease);
  parts_->logger.info("migrations applied", {{"count", static_cast<std::int64_t>(applied)}});
  return 0;
}

int Application::content_sync(const std::filesystem::path& dir) {
  migrate();
  return load_content(dir);
}

int Application::load_content(const std::filesystem::path& dir) {
  auto bundle = content::load_content_dir(dir);
  if (!bundle) {
    for (const auto& e : bundle.error()) {
      parts_->logger.error("content error", {{"file", e.file}, {"line", e.line}, {"error", e.message}});
    }
    return 1;
  }
  parts_->content->replace_all(*bundle);
  parts_->logger.info("content loaded", {{"dir", dir.string()},
                                         {"services", bundle->services.size()},
                                         {"case_studies", bundle->case_studies.size()},
                                         {"impact_stories", bundle->impact_stories.size()},
                                         {"pages", bundle->pages.size()},
                                         {"version", parts_->content->content_version()}});
  return 0;
}

int Application::serve(const ServeOptions& options) {
  auto& log = parts_->logger;
  migrate();
  if (parts_->content->content_version() == 0) {
    if (const int rc = load_content(config_.share_dir / "content"); rc != 0) return rc;
  }
  WebStack web(config_, *parts_->content, *parts_->database, log, parts_->metrics);
  auto refresh = [&] {
    auto paths = web.site.public_paths();
    for (auto& path : web.api.public_paths()) paths.push_back(std::move(path));
    const auto rendered = web.dispatcher->rebuild_cache(paths);
    log.info("pages rendered", {{"count", rendered}, {"version", parts_->content->content_version()}});
  };
  refresh();

  web::ServerSettings settings{
      .host = config_.host,
      .port = config_.port,
      .threads = config_.threads,
      .max_header_bytes = config_.max_header_bytes,
      .max_connections = config_.max_connections,
      .header_timeout = config_.header_timeout,
      .idle_timeout = config_.idle_timeout,
      .access_log = config_.access_log,
      .behind_tls = config_.behind_tls,
  };
  web::Server server(settings, *web.dispatcher, log, parts_->metrics);
  server.bind();
  if (!config_.port_file.empty()) {
    const auto tmp = config_.port_file + ".tmp";
    write_file(tmp, std::to_string(server.port()));
    std::filesystem::rename(tmp, config_.port_file);
  }
  log.info("started", {{"base_url", config_.public_base_url}, {"workers", options.workers}});

  // Incremental regeneration: re-render when another process (content sync,
  // the admin area) bumps the content version.
  std::mutex mutex;
  std::condition_variable stop_signal;
  bool stopping = false;
  std::thread watcher([&] {
    auto version = parts_->content->content_version();
    std::unique_lock lock(mutex);
    while (!stop_signal.wait_for(lock, config_.content_poll, [&] { return stopping; })) {
      try {
        const auto now = parts_->content->content_version();
        if (now != version) {
          version = now;
          refresh();
        }
      } catch (const std::exception& e) {
        log.warn("content refresh failed", {{"error", e.what()}});
      }
    }
  });

  server.run();
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  stop_signal.notify_all();
  watcher.join();
  log.info("stopped");
  log.flush();
  return 0;
}

int Application::export_site(const std::filesystem::path& out) {
  migrate();
  if (parts_->content->content_version() == 0) {
    if (const int rc = load_content(config_.share_dir / "content"); rc != 0) return rc;
  }
  WebStack web(config_, *parts_->content, *parts_->database, parts_->logger, parts_->metrics);
  std::vector<std::string> targets;
  for (auto& path : web.site.public_paths()) {
    // Filter views need a query string, which a static file server cannot map.
    if (path.find('?') == std::string::npos) targets.push_back(std::move(path));
  }
  for (auto& path : web.api.public_paths()) targets.push_back(std::move(path));

  std::size_t files = 0;
  auto write_with_gzip = [&](const std::filesystem::path& file, std::string_view body, std::string_view type) {
    write_file(out / file, body);
    ++files;
    if (web::is_compressible(type)) {
      auto entity = web::Entity::make(200, std::string(type), "", std::string(body));
      if (!entity->gzip.empty()) {
        write_file(out / (file.string() + ".gz"), entity->gzip);
        ++files;
      }
    }
  };
  for (const auto& target : targets) {
    const auto response = web.dispatcher->get(target);
    if (response.status != 200) {
      parts_->logger.error("export failed", {{"path", target}, {"status", response.status}});
      return 1;
    }
    write_with_gzip(export_file_for(target), response.body_view(),
                    response.header("Content-Type").value_or("text/html"));
  }
  const auto missing = web.dispatcher->get("/this-page-does-not-exist");
  write_with_gzip("404.html", missing.body_view(), "text/html");
  web.assets.for_each([&](const std::string& url, const web::Entity& entity) {
    write_file(out / url.substr(1), entity.identity);
    ++files;
    if (!entity.gzip.empty()) {
      write_file(out / (url.substr(1) + ".gz"), entity.gzip);
      ++files;
    }
  });
  parts_->logger.info("site exported", {{"dir", out.string()}, {"files", files}});
  return 0;
}

}  // namespace iv::app
