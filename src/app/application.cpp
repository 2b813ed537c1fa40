#include "app/application.h"

#include <condition_variable>
#include <csignal>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <openssl/rand.h>
#include <sys/stat.h>

#include "app/dataset_stack.h"
#include "content/loader.h"
#include "integrations/curl_http_client.h"
#include "integrations/hubspot_client.h"
#include "integrations/smtp_mailer.h"
#include "jobs/scheduler.h"
#include "jobs/worker_pool.h"
#include "leads/delivery_jobs.h"
#include "leads/group_committer.h"
#include "leads/lead_emails.h"
#include "leads/lead_submissions.h"
#include "leads/lead_validation.h"
#include "leads/recaptcha_verifier.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "security/altcha.h"
#include "security/csrf.h"
#include "security/field_cipher.h"
#include "security/memory_rate_limiter.h"
#include "security/memory_replay_guard.h"
#include "store/migrations.h"
#include "store/sql_content_repository.h"
#include "store/sql_job_queue.h"
#include "store/sql_lead_repository.h"
#include "store/sqlite_database.h"
#include "web/api/content_api.h"
#include "web/api/lead_api.h"
#include "web/dispatcher.h"
#include "web/lead_intake.h"
#include "web/router.h"
#include "web/server.h"
#include "web/site/lead_pages.h"
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

integrations::EmailAddress mailbox_setting(const std::string& text, const char* variable) {
  auto parsed = leads::parse_mailbox(text);
  if (!parsed) throw std::invalid_argument(std::string(variable) + " is not a valid e-mail address: " + text);
  return *parsed;
}

// The public origin plus FORM_ALLOWED_ORIGINS (comma-separated).
std::vector<std::string> allowed_origins(const Config& config) {
  std::vector<std::string> origins{config.public_base_url};
  std::string_view extra = config.form_allowed_origins;
  while (!extra.empty()) {
    const std::size_t comma = extra.find(',');
    const std::string_view origin = leads::trim(extra.substr(0, comma));
    if (!origin.empty()) origins.emplace_back(origin);
    extra = comma == std::string_view::npos ? std::string_view{} : extra.substr(comma + 1);
  }
  return origins;
}

security::RateRule per_hour(std::string name, int burst, double per_hour) {
  return {std::move(name), static_cast<double>(burst), per_hour / 3600.0};
}

// Browser libraries from npm ("dependencies" in package.json), served under
// /static/vendor/: the ALTCHA widget (its CSP-friendly "external" build and
// the same-origin worker it needs) and tus-js-client for resumable uploads.
std::vector<web::StaticAssets::VendorFile> vendor_files(const std::filesystem::path& node_modules) {
  return {{"vendor/altcha/altcha.min.js", node_modules / "altcha/dist/external/altcha.min.js"},
          {"vendor/altcha/altcha.css", node_modules / "altcha/dist/external/altcha.css"},
          {"vendor/altcha/sha.js", node_modules / "altcha/dist/workers/sha.js"},
          {"vendor/tus-js-client/tus.min.js", node_modules / "tus-js-client/dist/tus.min.js"}};
}

}  // namespace

// Lead capture: protection, storage with group commit, delivery handlers.
// Built by serve, worker and export; the committer runs only in serve.
struct LeadStack {
  security::FieldCipher cipher;
  integrations::CurlHttpClient http;
  integrations::HubSpotClient crm;
  integrations::SmtpMailer mailer;
  security::MemoryReplayGuard replay_guard;
  security::Altcha altcha;
  security::MemoryRateLimiter limiter;
  security::CsrfProtector csrf;
  leads::RecaptchaVerifier recaptcha;
  leads::GroupCommitter committer;
  leads::LeadSubmissions submissions;
  leads::LeadLoader loader;
  leads::CrmDeliveryJob crm_job;
  leads::EmailDeliveryJob sales_job;
  leads::EmailDeliveryJob visitor_job;
  leads::LeadRetentionJob retention_job;

  LeadStack(const Config& config, store::SqlDatabase& database, jobs::JobQueue& queue,
            leads::LeadRepository& repository, observe::Logger& logger, observe::MetricsRegistry& metrics)
      : cipher(config.secret_key, "leads"),
        crm(integrations::HubSpotSettings{.token = config.hubspot_token,
                                          .base_url = config.hubspot_base_url,
                                          .timeout = config.hubspot_timeout},
            http),
        mailer(integrations::SmtpSettings{.url = config.smtp_url, .timeout = config.smtp_timeout}),
        altcha(config.secret_key, security::AltchaSettings{.max_number = config.challenge_max_number},
               replay_guard),
        csrf(config.secret_key,
             security::CsrfSettings{
                 .allowed_origins = allowed_origins(config),
                 .secure_cookie = config.behind_tls || config.public_base_url.starts_with("https:")}),
        recaptcha(leads::RecaptchaSettings{.secret = config.recaptcha_secret,
                                           .verify_url = config.recaptcha_verify_url},
                  http),
        committer(leads::GroupCommitSettings{.max_wait = config.lead_commit_wait}, database, repository,
                  queue, logger, metrics),
        submissions(leads::SubmissionSettings{}, cipher, repository, committer),
        loader(repository, cipher),
        crm_job(loader, crm, delivery_settings(config)),
        sales_job(leads::EmailDeliveryJob::Recipient::sales, loader, mailer, mail_settings(config),
                  delivery_settings(config)),
        visitor_job(leads::EmailDeliveryJob::Recipient::visitor, loader, mailer, mail_settings(config),
                    delivery_settings(config)),
        retention_job(repository, std::chrono::days(config.lead_retention_days)) {
    retention_job.set_lease(config.job_lease);
  }

  static leads::DeliverySettings delivery_settings(const Config& config) {
    return leads::DeliverySettings{.not_configured_wait = config.integration_wait, .lease = config.job_lease};
  }

  static leads::LeadMailSettings mail_settings(const Config& config) {
    return leads::LeadMailSettings{.from = mailbox_setting(config.mail_from, "MAIL_FROM"),
                                   .sales = mailbox_setting(config.sales_email, "SALES_EMAIL"),
                                   .site_url = config.public_base_url};
  }

  void register_handlers(jobs::WorkerPool& pool) {
    pool.register_handler(std::string(leads::kCrmJob), crm_job);
    pool.register_handler(std::string(leads::kSalesEmailJob), sales_job);
    pool.register_handler(std::string(leads::kVisitorEmailJob), visitor_job);
    pool.register_handler(std::string(leads::kRetentionJob), retention_job);
  }
};

// Background work of this process: the job workers and the periodic tasks.
struct WorkerStack {
  jobs::WorkerPool pool;
  jobs::Scheduler scheduler;

  WorkerStack(const Config& config, jobs::JobQueue& queue, LeadStack& lead_stack, observe::Logger& logger,
              observe::MetricsRegistry& metrics)
      : pool(jobs::WorkerPoolSettings{.threads = config.worker_threads,
                                      .retry = jobs::RetryPolicy{.base = config.job_retry_base}},
             queue, logger, metrics),
        scheduler(
            {jobs::ScheduledTask{.kind = std::string(leads::kRetentionJob), .every = std::chrono::hours(24)}},
            queue, logger) {
    lead_stack.register_handlers(pool);
  }
  void start() {
    pool.start();
    scheduler.start();
  }
  void stop() {
    scheduler.stop();
    pool.stop();
  }
};

// Every long-lived component, constructed in dependency order.
struct Application::Components {
  observe::Logger logger;
  observe::MetricsRegistry metrics;
  std::unique_ptr<store::SqlDatabase> database;
  std::unique_ptr<content::ContentRepository> content;
  std::unique_ptr<store::SqlJobQueue> jobs;
  std::unique_ptr<store::SqlLeadRepository> leads;

  explicit Components(const Config& config)
      : logger(observe::LogSettings{observe::parse_log_level(config.log_level), stderr}) {}
};

// The parts needed to answer HTTP requests (serve and export).
struct WebStack {
  web::TemplateEngine templates;
  web::StaticAssets assets;
  web::SitePages site;
  web::ContentApi api;
  web::LeadIntake lead_intake;
  web::LeadPages lead_pages;
  web::LeadApi lead_api;
  web::Router router;
  std::unique_ptr<web::Dispatcher> dispatcher;

  WebStack(const Config& config, content::ContentRepository& content, store::SqlDatabase& database,
           LeadStack& leads, observe::Logger& logger, observe::MetricsRegistry& metrics)
      : templates(config.share_dir / "templates"),
        assets(config.share_dir / "static", vendor_files(config.share_dir / "node_modules")),
        site(web::SiteSettings{.base_url = config.public_base_url}, content, templates, assets),
        api(content, web::ApiSettings{.base_url = config.public_base_url,
                                      .openapi_path = config.share_dir / "openapi" / "openapi.json"}),
        lead_intake(
            web::LeadIntakeSettings{.per_address = per_hour("lead-address", config.rate_limit_address_burst,
                                                            config.rate_limit_address_per_hour),
                                    .per_address_without_challenge = per_hour(
                                        "lead-address-no-challenge", config.rate_limit_no_challenge_burst,
                                        config.rate_limit_no_challenge_per_hour),
                                    .per_email = per_hour("lead-email", config.rate_limit_email_burst,
                                                          config.rate_limit_email_per_hour)},
            leads.submissions, leads.altcha, leads.limiter, &leads.recaptcha,
            [&content] {
              std::vector<std::string> slugs;
              for (const auto& service : content.list_services({}, {.page = 1, .per_page = 1000}).items) {
                slugs.push_back(service.slug);
              }
              return slugs;
            },
            logger, metrics),
        lead_pages(web::LeadPagesSettings{.min_fill_time = config.form_min_fill}, site, lead_intake,
                   leads.csrf),
        lead_api(lead_intake, leads.altcha) {
    register_operations(database, metrics);
    site.register_routes(router, /*with_lead_forms=*/false);
    api.register_routes(router);
    lead_pages.register_routes(router);
    lead_api.register_routes(router);
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
          r.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                       {"Cache-Control", "no-store"}};
          r.body = metrics.render();
          return r;
        },
        plain);
  }
};

Application::Application(Config config)
    : config_(std::move(config)), parts_(std::make_unique<Components>(config_)) {
  std::filesystem::create_directories(config_.data_dir);
  if (config_.secret_key.empty()) config_.secret_key = load_or_create_secret(config_.data_dir);
  // synchronous=FULL by default: with the group commit, the fsync per commit
  // is shared by every lead in the batch, and an acknowledged lead survives
  // even a power loss.
  parts_->database = std::make_unique<store::SqliteDatabase>(store::SqliteSettings{
      .path = sqlite_path(config_),
      .synchronous = config_.sqlite_synchronous_full ? store::SqliteSynchronous::full
                                                     : store::SqliteSynchronous::normal});
  parts_->content = std::make_unique<store::SqlContentRepository>(*parts_->database);
  parts_->jobs = std::make_unique<store::SqlJobQueue>(*parts_->database);
  parts_->leads = std::make_unique<store::SqlLeadRepository>(*parts_->database);
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
  LeadStack leads(config_, *parts_->database, *parts_->jobs, *parts_->leads, log, parts_->metrics);
  DatasetStack datasets(config_, *parts_->database, *parts_->jobs, log, parts_->metrics);
  std::unique_ptr<WorkerStack> workers;
  if (options.workers) {
    workers = std::make_unique<WorkerStack>(config_, *parts_->jobs, leads, log, parts_->metrics);
    datasets.register_handlers(workers->pool);
    leads.committer.on_committed([pool = &workers->pool] { pool->wake(); });
  }
  leads.committer.start();
  WebStack web(config_, *parts_->content, *parts_->database, leads, log, parts_->metrics);
  datasets.register_routes(web.router, web.site, leads.csrf);
  auto refresh = [&] {
    auto paths = web.site.public_paths();
    for (auto& path : web.api.public_paths()) paths.push_back(std::move(path));
    web.lead_intake.refresh();
    web.lead_pages.refresh();
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
  if (workers) workers->start();
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
  // Every lead already handed over is committed before the process ends.
  leads.committer.stop();
  if (workers) workers->stop();
  log.info("stopped");
  log.flush();
  return 0;
}

int Application::work() {
  auto& log = parts_->logger;
  migrate();
  // SIGINT/SIGTERM are blocked before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  LeadStack leads(config_, *parts_->database, *parts_->jobs, *parts_->leads, log, parts_->metrics);
  DatasetStack datasets(config_, *parts_->database, *parts_->jobs, log, parts_->metrics);
  WorkerStack workers(config_, *parts_->jobs, leads, log, parts_->metrics);
  datasets.register_handlers(workers.pool);
  workers.start();
  log.info("worker started", {{"threads", config_.worker_threads}});
  int received = 0;
  sigwait(&signals, &received);
  log.info("worker stopping", {{"signal", received}});
  workers.stop();
  log.info("stopped");
  log.flush();
  return 0;
}

int Application::export_site(const std::filesystem::path& out) {
  migrate();
  if (parts_->content->content_version() == 0) {
    if (const int rc = load_content(config_.share_dir / "content"); rc != 0) return rc;
  }
  LeadStack leads(config_, *parts_->database, *parts_->jobs, *parts_->leads, parts_->logger, parts_->metrics);
  WebStack web(config_, *parts_->content, *parts_->database, leads, parts_->logger, parts_->metrics);
  std::vector<std::string> targets;
  for (auto& path : web.site.public_paths()) {
    // Filter views need a query string, which a static file server cannot map.
    if (path.find('?') == std::string::npos) targets.push_back(std::move(path));
  }
  for (auto& path : web.api.public_paths()) targets.push_back(std::move(path));

  std::size_t files = 0;
  auto write_with_gzip = [&](const std::filesystem::path& file, std::string_view body,
                             std::string_view type) {
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
