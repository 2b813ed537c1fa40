// Dataset uploads (issue 4), built from the Config: storage (SQL records,
// filesystem blobs), tokens, the scanner, the pipeline jobs and the web
// routes (upload API, tus, the multipart form post, the upload pages).
// Like LeadStack: the application constructs one and calls its two register
// functions.
#pragma once

#include <memory>

#include "app/config.h"
#include "jobs/scheduler.h"

namespace iv::store {
class SqlDatabase;
}
namespace iv::jobs {
class JobQueue;
class WorkerPool;
}  // namespace iv::jobs
namespace iv::observe {
class Logger;
class MetricsRegistry;
}  // namespace iv::observe
namespace iv::security {
class CsrfProtector;
}
namespace iv::web {
class Router;
class SitePages;
}  // namespace iv::web
namespace iv::datasets {
class UploadService;
}

namespace iv::app {

class DatasetStack {
 public:
  DatasetStack(const Config& config, store::SqlDatabase& database, jobs::JobQueue& queue,
               observe::Logger& logger, observe::MetricsRegistry& metrics);
  ~DatasetStack();
  DatasetStack(const DatasetStack&) = delete;
  DatasetStack& operator=(const DatasetStack&) = delete;

  // Registers the pipeline, notification and retention handlers (before
  // pool.start()), lets finalized uploads wake the pool, and starts the daily
  // retention schedule. Call once, and only where workers run.
  void register_handlers(jobs::WorkerPool& pool);
  // POST/GET/DELETE /api/v1/uploads..., the tus endpoint, POST /upload and
  // the pages GET /upload and GET /uploads/{id}.
  void register_routes(web::Router& router, web::SitePages& site, const security::CsrfProtector& csrf);

  // The daily retention task (for a scheduler that runs elsewhere).
  static jobs::ScheduledTask retention_task();
  datasets::UploadService& uploads();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace iv::app
