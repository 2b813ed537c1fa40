// "upload.pipeline": validate → scan → analyze → store → notify, for one
// upload ({"upload_id": "..."}), each step recorded on the upload with its
// status and times (the status page shows them) and counted in /metrics.
//
// Crash safety: every step's start and end are committed before the next
// step begins, and a re-run (after the lease of a dead worker expired) skips
// the steps already done. Storing the analysis, the status completed and the
// notification job commit together.
//
// Outcomes for the visitor: a refused type or malware → rejected; a file the
// reader cannot parse, or an analysis over its time budget → failed, with
// the reader's sentence. A scanner that is down is retried with backoff; when
// the attempts run out the upload fails with a sentence saying so.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "datasets/blob_store.h"
#include "datasets/dataset_analyzer.h"
#include "datasets/upload_repository.h"
#include "jobs/worker_pool.h"

namespace iv::store {
class SqlDatabase;
}
namespace iv::jobs {
class JobQueue;
}
namespace iv::integrations {
class VirusScanner;
}
namespace iv::observe {
class Logger;
class MetricsRegistry;
}  // namespace iv::observe

namespace iv::datasets {

struct PipelineSettings {
  std::chrono::seconds lease{60};  // heartbeats keep it while the job runs
};

class PipelineJob final : public jobs::JobHandler {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `scanner` may be null: no CLAMD_ADDRESS, the scan step is recorded as skipped.
  PipelineJob(PipelineSettings settings, store::SqlDatabase& database, UploadRepository& repository,
              BlobStore& blobs, integrations::VirusScanner* scanner, DatasetAnalyzer& analyzer,
              jobs::JobQueue& queue, observe::Logger& logger, observe::MetricsRegistry& metrics,
              Clock clock = {});

  jobs::JobResult run(const jobs::Job& job) override;
  std::chrono::seconds lease_duration() const override { return settings_.lease; }

 private:
  struct Run;
  enum class Next { go_on, stop, retry };

  Next validate(Run& run);
  Next scan(Run& run);
  Next analyze_and_store(Run& run);

  void start_step(Run& run, std::string_view step, UploadStatus status);
  void finish_step(Run& run, std::string_view step, StepStatus status, std::string detail);
  // Marks the upload failed or rejected with `reason` and the step failed.
  void give_up(Run& run, std::string_view step, UploadStatus status, std::string reason);
  void save(Run& run);

  PipelineSettings settings_;
  store::SqlDatabase& database_;
  UploadRepository& repository_;
  BlobStore& blobs_;
  integrations::VirusScanner* scanner_;
  DatasetAnalyzer& analyzer_;
  jobs::JobQueue& queue_;
  observe::Logger& logger_;
  observe::MetricsRegistry& metrics_;
  Clock clock_;
};

}  // namespace iv::datasets
