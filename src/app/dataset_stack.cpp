#include "app/dataset_stack.h"

#include <atomic>

#include "datasets/dataset_analyzer.h"
#include "datasets/pipeline_job.h"
#include "datasets/upload_jobs.h"
#include "datasets/upload_service.h"
#include "datasets/upload_token.h"
#include "integrations/clamd_scanner.h"
#include "integrations/smtp_mailer.h"
#include "jobs/worker_pool.h"
#include "leads/lead_emails.h"
#include "observe/log.h"
#include "security/field_cipher.h"
#include "security/memory_rate_limiter.h"
#include "store/fs_blob_store.h"
#include "store/sql_upload_repository.h"
#include "web/api/uploads_api.h"
#include "web/blocking_work.h"
#include "web/router.h"
#include "web/site/upload_pages.h"
#include "web/tus_server.h"
#include "web/upload_form_post.h"

namespace iv::app {
namespace {

// What the pages read, served by the upload service.
class ServiceLookup final : public web::UploadLookup {
 public:
  explicit ServiceLookup(datasets::UploadService& uploads) : uploads_(uploads) {}
  std::optional<datasets::Upload> find(std::string_view id) override { return uploads_.find(id); }
  std::optional<std::string> analysis_json(std::string_view id) override {
    return uploads_.analysis_json(id);
  }

 private:
  datasets::UploadService& uploads_;
};

std::unique_ptr<integrations::VirusScanner> make_scanner(const Config& config) {
  if (config.clamd_address.empty()) return nullptr;
  return std::make_unique<integrations::ClamdScanner>(
      integrations::ClamdSettings{.address = config.clamd_address});
}

datasets::UploadMailSettings mail_settings(const Config& config) {
  datasets::UploadMailSettings settings;
  if (auto from = leads::parse_mailbox(config.mail_from)) settings.from = *from;
  settings.site_url = config.public_base_url;
  settings.lease = config.job_lease;
  return settings;
}

}  // namespace

struct DatasetStack::Parts {
  const Config& config;
  jobs::JobQueue& queue;
  observe::Logger& logger;
  observe::MetricsRegistry& metrics;
  security::FieldCipher cipher;
  datasets::UploadTokens tokens;
  store::SqlUploadRepository repository;
  store::FsBlobStore blobs;
  std::unique_ptr<integrations::VirusScanner> scanner;
  integrations::SmtpMailer mailer;
  datasets::EngineAnalyzer analyzer;
  std::atomic<jobs::WorkerPool*> pool{nullptr};
  datasets::UploadService service;
  datasets::PipelineJob pipeline;
  datasets::NotifyJob notify;
  datasets::RetentionJob retention;
  security::MemoryRateLimiter limiter;
  web::BlockingWork work{2};
  std::unique_ptr<jobs::Scheduler> scheduler;
  std::unique_ptr<ServiceLookup> lookup;
  std::unique_ptr<web::UploadPages> pages;
  std::unique_ptr<web::UploadsApi> api;
  std::unique_ptr<web::TusServer> tus;
  std::unique_ptr<web::UploadFormPost> form_post;

  Parts(const Config& c, store::SqlDatabase& database, jobs::JobQueue& q, observe::Logger& l,
        observe::MetricsRegistry& m)
      : config(c),
        queue(q),
        logger(l),
        metrics(m),
        cipher(c.secret_key, "datasets"),
        tokens(c.secret_key, c.upload_token_ttl),
        repository(database),
        blobs(c.data_dir / "blobs"),
        scanner(make_scanner(c)),
        mailer(integrations::SmtpSettings{.url = c.smtp_url}),
        analyzer(datasets::EngineAnalyzerSettings{.time_budget = c.analysis_timeout,
                                                  .test_delay = c.analysis_test_delay}),
        service(datasets::UploadServiceSettings{.max_upload_bytes = c.max_upload_bytes}, database, repository,
                blobs, q, tokens, cipher,
                [this] {
                  if (auto* p = pool.load()) p->wake();
                }),
        pipeline(datasets::PipelineSettings{.lease = c.job_lease}, database, repository, blobs, scanner.get(),
                 analyzer, q, l, m),
        notify(database, repository, cipher, mailer, mail_settings(c)),
        retention(datasets::RetentionSettings{.uploads = std::chrono::days(c.upload_retention_days),
                                              .results = std::chrono::days(c.result_retention_days),
                                              .lease = c.job_lease},
                  database, repository, blobs, l) {}
};

DatasetStack::DatasetStack(const Config& config, store::SqlDatabase& database, jobs::JobQueue& queue,
                           observe::Logger& logger, observe::MetricsRegistry& metrics)
    : parts_(std::make_unique<Parts>(config, database, queue, logger, metrics)) {
  logger.info("dataset uploads ready",
              {{"max_upload_bytes", config.max_upload_bytes}, {"virus_scan", !config.clamd_address.empty()}});
}

DatasetStack::~DatasetStack() {
  if (parts_->scheduler) parts_->scheduler->stop();
}

jobs::ScheduledTask DatasetStack::retention_task() {
  return jobs::ScheduledTask{.kind = std::string(datasets::kRetentionJob), .every = std::chrono::hours(24)};
}

datasets::UploadService& DatasetStack::uploads() {
  return parts_->service;
}

void DatasetStack::register_handlers(jobs::WorkerPool& pool) {
  pool.register_handler(std::string(datasets::kPipelineJob), parts_->pipeline);
  pool.register_handler(std::string(datasets::kNotifyJob), parts_->notify);
  pool.register_handler(std::string(datasets::kRetentionJob), parts_->retention);
  parts_->pool.store(&pool);
  parts_->scheduler =
      std::make_unique<jobs::Scheduler>(std::vector{retention_task()}, parts_->queue, parts_->logger);
  parts_->scheduler->start();
}

void DatasetStack::register_routes(web::Router& router, web::SitePages& site,
                                   const security::CsrfProtector& csrf) {
  Parts& p = *parts_;
  p.lookup = std::make_unique<ServiceLookup>(p.service);
  p.pages = std::make_unique<web::UploadPages>(
      web::UploadPagesSettings{.max_upload_bytes = static_cast<std::uint64_t>(p.config.max_upload_bytes)},
      site, csrf, *p.lookup);
  const security::RateRule per_address{"upload-address", static_cast<double>(p.config.upload_rate_burst),
                                       p.config.upload_rate_per_hour / 3600.0};
  p.api = std::make_unique<web::UploadsApi>(web::UploadsApiSettings{.per_address = per_address}, p.service,
                                            p.limiter, p.logger);
  p.tus = std::make_unique<web::TusServer>(web::TusSettings{}, p.service, p.work, p.logger, p.metrics);
  p.form_post = std::make_unique<web::UploadFormPost>(
      p.service, csrf, p.work,
      [pages = p.pages.get()](const web::Request& request, int status, const std::string& email,
                              const std::string& error) {
        return pages->form_again(request, status, web::UploadFormState{.email = email, .error = error});
      },
      p.limiter, per_address, p.logger, p.metrics);
  // The tus routes first: "/api/v1/uploads/tus" is literal and wins anyway,
  // but "/api/v1/uploads/tus/{id}" must not be read as an upload's analysis.
  p.tus->register_routes(router);
  p.api->register_routes(router);
  p.form_post->register_routes(router);
  p.pages->register_routes(router);
}

}  // namespace iv::app
