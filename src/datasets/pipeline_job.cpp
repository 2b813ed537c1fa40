#include "datasets/pipeline_job.h"

#include <boost/json.hpp>

#include "datasets/file_types.h"
#include "datasets/upload_service.h"
#include "integrations/virus_scanner.h"
#include "jobs/job_queue.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "store/sql.h"

namespace iv::datasets {
namespace {

namespace json = boost::json;

constexpr std::size_t kSniffBytes = 64 * 1024;

std::optional<std::string> upload_id_of(const jobs::Job& job) {
  boost::system::error_code error;
  const json::value payload = json::parse(job.payload_json, error);
  if (error || !payload.is_object()) return std::nullopt;
  const auto* id = payload.get_object().if_contains("upload_id");
  if (!id || !id->is_string()) return std::nullopt;
  return std::string(id->get_string());
}

Step* find_step(Upload& upload, std::string_view name) {
  for (auto& step : upload.steps) {
    if (step.name == name) return &step;
  }
  upload.steps.push_back(Step{.name = std::string(name)});
  return &upload.steps.back();
}

bool step_settled(const Upload& upload, std::string_view name) {
  const Step* step = upload.step(name);
  return step && (step->status == StepStatus::done || step->status == StepStatus::skipped);
}

}  // namespace

struct PipelineJob::Run {
  const jobs::Job& job;
  UploadRecord record;
  std::string analysis_json;
  bool last_attempt() const { return job.attempt >= job.max_attempts; }
};

PipelineJob::PipelineJob(PipelineSettings settings, store::SqlDatabase& database,
                         UploadRepository& repository, BlobStore& blobs, integrations::VirusScanner* scanner,
                         DatasetAnalyzer& analyzer, jobs::JobQueue& queue, observe::Logger& logger,
                         observe::MetricsRegistry& metrics, Clock clock)
    : settings_(settings),
      database_(database),
      repository_(repository),
      blobs_(blobs),
      scanner_(scanner),
      analyzer_(analyzer),
      queue_(queue),
      logger_(logger),
      metrics_(metrics),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

jobs::JobResult PipelineJob::run(const jobs::Job& job) {
  const auto id = upload_id_of(job);
  if (!id) return jobs::Fail{"payload without upload_id"};
  auto record = repository_.find(*id);
  // Deleted by the visitor or by retention meanwhile, or finished by an earlier attempt.
  if (!record || is_final(record->upload.status)) return jobs::Done{R"({"skipped":true})"};
  if (record->upload.status == UploadStatus::pending || record->upload.status == UploadStatus::receiving) {
    return jobs::Fail{"upload not finalized"};
  }
  Run run{job, std::move(*record), {}};
  for (auto step : {&PipelineJob::validate, &PipelineJob::scan, &PipelineJob::analyze_and_store}) {
    const Next next = (this->*step)(run);
    if (next == Next::stop) return jobs::Done{};
    if (next == Next::retry) return jobs::Retry{"virus scanner unavailable", {}, std::nullopt};
  }
  return jobs::Done{};
}

PipelineJob::Next PipelineJob::validate(Run& run) {
  if (step_settled(run.record.upload, kStepValidate)) return Next::go_on;
  start_step(run, kStepValidate, UploadStatus::scanning);
  const auto& upload = run.record.upload;
  const auto size = blobs_.size(BlobArea::uploads, run.record.blob_key);
  if (!size || *size != static_cast<std::uint64_t>(upload.declared_size)) {
    give_up(run, kStepValidate, UploadStatus::failed,
            "The file did not arrive completely. Please upload it again.");
    return Next::stop;
  }
  auto stream = blobs_.open(BlobArea::uploads, run.record.blob_key);
  if (!stream) throw std::runtime_error("cannot read the upload: " + stream.error().message);
  std::string head(kSniffBytes, '\0');
  (*stream)->read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>((*stream)->gcount()));
  if (auto checked = check_content(head, upload.format); !checked) {
    give_up(run, kStepValidate, UploadStatus::rejected, checked.error());
    return Next::stop;
  }
  finish_step(run, kStepValidate, StepStatus::done, "The file type matches its name.");
  return Next::go_on;
}

PipelineJob::Next PipelineJob::scan(Run& run) {
  if (step_settled(run.record.upload, kStepScan)) return Next::go_on;
  start_step(run, kStepScan, UploadStatus::scanning);
  if (!scanner_) {
    finish_step(run, kStepScan, StepStatus::skipped,
                "No virus scanner is configured (CLAMD_ADDRESS is not set); the file was not scanned.");
    return Next::go_on;
  }
  auto stream = blobs_.open(BlobArea::uploads, run.record.blob_key);
  if (!stream) throw std::runtime_error("cannot read the upload: " + stream.error().message);
  const auto verdict = scanner_->scan(**stream);
  using Kind = integrations::ScanVerdict::Kind;
  if (verdict.kind == Kind::clean) {
    finish_step(run, kStepScan, StepStatus::done, "No malware found.");
    return Next::go_on;
  }
  if (verdict.kind == Kind::infected) {
    if (auto moved = blobs_.move(BlobArea::uploads, BlobArea::quarantine, run.record.blob_key); !moved) {
      throw std::runtime_error("cannot quarantine: " + moved.error().message);
    }
    // Audit trail: which upload, which signature; no personal data.
    logger_.warn("upload quarantined", {{"audit", true},
                                        {"upload_id", run.record.upload.id},
                                        {"signature", verdict.detail},
                                        {"bytes", run.record.upload.declared_size}});
    metrics_.counter("iv_upload_quarantined_total", "Uploads in which the scanner found malware").inc();
    give_up(run, kStepScan, UploadStatus::rejected,
            "The file contains malware (" + verdict.detail + ") and was quarantined.");
    return Next::stop;
  }
  logger_.warn("virus scan failed", {{"upload_id", run.record.upload.id}, {"error", verdict.detail}});
  if (run.last_attempt()) {
    give_up(run, kStepScan, UploadStatus::failed,
            "The virus scan could not be done, so the file was not analysed. Please try again later.");
    return Next::stop;
  }
  finish_step(run, kStepScan, StepStatus::running, "The virus scanner is not available; retrying.");
  return Next::retry;
}

PipelineJob::Next PipelineJob::analyze_and_store(Run& run) {
  start_step(run, kStepAnalyze, UploadStatus::processing);
  auto local = blobs_.local(BlobArea::uploads, run.record.blob_key);
  if (!local) throw std::runtime_error("cannot open the upload: " + local.error().message);
  auto analysis = analyzer_.analyze((*local)->path(), run.record.upload.file_name);
  if (!analysis) {
    give_up(run, kStepAnalyze, UploadStatus::failed, analysis.error());
    return Next::stop;
  }
  finish_step(run, kStepAnalyze, StepStatus::done, "Profiled.");

  // The analysis, the final status and the notification job commit together.
  const std::int64_t now = to_ms(clock_());
  auto& upload = run.record.upload;
  Step* store = find_step(upload, kStepStore);
  store->status = StepStatus::done;
  store->started_at_ms = now;
  store->finished_at_ms = now;
  store->detail = "Results saved.";
  Step* notify = find_step(upload, kStepNotify);
  notify->started_at_ms = now;
  if (run.record.sealed_email.empty()) {
    notify->status = StepStatus::skipped;
    notify->finished_at_ms = now;
    notify->detail = "No e-mail address was given.";
  } else {
    notify->status = StepStatus::running;
    notify->detail = "The e-mail with the results link is queued.";
  }
  upload.status = UploadStatus::completed;
  upload.updated_at_ms = now;
  run.record.completed_at_ms = now;
  auto lease = database_.lease();
  store::in_transaction(*lease, [&] {
    repository_.store_analysis(*lease, upload.id, *analysis);
    repository_.update(*lease, run.record);
    if (!run.record.sealed_email.empty()) {
      queue_.enqueue(*lease,
                     jobs::JobSpec{.kind = std::string(kNotifyJob),
                                   .payload_json = json::serialize(json::object{{"upload_id", upload.id}}),
                                   .dedupe_key = upload_dedupe_key(upload.id, kNotifyJob)});
    }
  });
  metrics_
      .counter("iv_upload_steps_total", "Pipeline steps finished, by step and outcome",
               {{"step", std::string(kStepStore)}, {"status", "done"}})
      .inc();
  metrics_
      .counter("iv_uploads_finished_total", "Uploads that reached a final status", {{"status", "completed"}})
      .inc();
  return Next::go_on;
}

void PipelineJob::start_step(Run& run, std::string_view name, UploadStatus status) {
  Step* step = find_step(run.record.upload, name);
  step->status = StepStatus::running;
  step->started_at_ms = to_ms(clock_());
  step->finished_at_ms = 0;
  run.record.upload.status = status;
  save(run);
}

void PipelineJob::finish_step(Run& run, std::string_view name, StepStatus status, std::string detail) {
  Step* step = find_step(run.record.upload, name);
  step->status = status;
  step->detail = std::move(detail);
  if (status != StepStatus::running) {
    step->finished_at_ms = to_ms(clock_());
    metrics_
        .histogram("iv_upload_step_seconds", "Time spent in each pipeline step",
                   observe::MetricsRegistry::latency_buckets(), {{"step", std::string(name)}})
        .observe(static_cast<double>(step->finished_at_ms - step->started_at_ms) / 1000.0);
    metrics_
        .counter("iv_upload_steps_total", "Pipeline steps finished, by step and outcome",
                 {{"step", std::string(name)}, {"status", std::string(step_status_name(status))}})
        .inc();
  }
  save(run);
}

void PipelineJob::give_up(Run& run, std::string_view step, UploadStatus status, std::string reason) {
  run.record.upload.status = status;
  run.record.upload.reason = reason;
  run.record.completed_at_ms = to_ms(clock_());
  metrics_
      .counter("iv_uploads_finished_total", "Uploads that reached a final status",
               {{"status", std::string(status_name(status))}})
      .inc();
  finish_step(run, step, StepStatus::failed, std::move(reason));
}

void PipelineJob::save(Run& run) {
  run.record.upload.updated_at_ms = to_ms(clock_());
  auto lease = database_.lease();
  store::in_transaction(*lease, [&] { repository_.update(*lease, run.record); });
}

}  // namespace iv::datasets
