// Uploads in the database and through the pipeline: the service (create,
// progress, finalize with its job in one transaction, delete), the pipeline
// steps with a fake scanner and fake analyzers (clean, infected, scanner down,
// parser failure, crash and re-run), the results e-mail and retention.
#include <chrono>
#include <deque>
#include <string>

#include <gtest/gtest.h>

#include "datasets/pipeline_job.h"
#include "datasets/upload_jobs.h"
#include "datasets/upload_service.h"
#include "integrations/virus_scanner.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "security/field_cipher.h"
#include "store/fs_blob_store.h"
#include "store/sql_job_queue.h"
#include "store/sql_upload_repository.h"
#include "support/log_capture.h"
#include "support/temp_database.h"

namespace iv::datasets {
namespace {

using namespace std::chrono_literals;
constexpr std::string_view kSecret = "test-secret-key-0123456789abcdef-0123456789";

class FakeScanner : public integrations::VirusScanner {
 public:
  std::deque<integrations::ScanVerdict> verdicts;
  std::string last_content;
  integrations::ScanVerdict scan(std::istream& content) override {
    last_content.assign(std::istreambuf_iterator<char>(content), {});
    auto verdict = verdicts.front();
    if (verdicts.size() > 1) verdicts.pop_front();
    return verdict;
  }
};

class FakeAnalyzer : public DatasetAnalyzer {
 public:
  std::expected<std::string, std::string> result = std::string(R"({"format":"csv","rows":2})");
  int calls = 0;
  bool crash = false;  // simulates the worker dying in the middle of the analysis
  std::expected<std::string, std::string> analyze(const std::filesystem::path& path,
                                                  std::string_view) override {
    ++calls;
    EXPECT_TRUE(std::filesystem::exists(path));
    if (crash) throw std::runtime_error("worker died");
    return result;
  }
};

class FakeMailer : public integrations::Mailer {
 public:
  bool is_configured = true;
  std::vector<integrations::EmailMessage> sent;
  bool configured() const override { return is_configured; }
  std::expected<void, integrations::MailError> send(const integrations::EmailMessage& message) override {
    sent.push_back(message);
    return {};
  }
};

struct UploadPipeline : ::testing::Test {
  test::MigratedDatabase db{"iv-uploads-"};
  test::TempDir blob_dir{"iv-upload-blobs-"};
  test::CapturedLog log;
  observe::Logger logger{observe::LogSettings{observe::LogLevel::debug, log.file()}};
  observe::MetricsRegistry metrics;
  security::FieldCipher cipher{kSecret, "datasets"};
  UploadTokens tokens{kSecret, 3600s};
  store::SqlUploadRepository repository{db.database()};
  store::FsBlobStore blobs{blob_dir.path()};
  store::SqlJobQueue queue{db.database()};
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  UploadService service{UploadServiceSettings{.max_upload_bytes = 1000},
                        db.database(),
                        repository,
                        blobs,
                        queue,
                        tokens,
                        cipher,
                        {},
                        [this] { return now; }};
  FakeScanner scanner;
  FakeAnalyzer analyzer;

  std::unique_ptr<PipelineJob> pipeline(integrations::VirusScanner* with_scanner) {
    return std::make_unique<PipelineJob>(PipelineSettings{}, db.database(), repository, blobs, with_scanner,
                                         analyzer, queue, logger, metrics, [this] { return now; });
  }

  // Creates an upload and stores `content` as its bytes, finalized.
  std::string uploaded(const std::string& content, std::string name = "data.csv", std::string email = {}) {
    auto created = service.create({name, static_cast<std::int64_t>(content.size()), email});
    EXPECT_TRUE(created);
    const std::string id = created->upload.id;
    auto writer = blobs.append(BlobArea::uploads, id, 0);
    EXPECT_TRUE((*writer)->write(content));
    EXPECT_TRUE((*writer)->commit());
    service.record_progress(id, static_cast<std::int64_t>(content.size()));
    EXPECT_EQ(service.finalize(id), FinalizeOutcome::finalized);
    return id;
  }

  std::optional<jobs::Job> lease(std::string_view kind) {
    return queue.lease("test", {std::string(kind)}, 60s);
  }

  StepStatus step_status(const std::string& id, std::string_view step) {
    const auto upload = service.find(id);
    return upload && upload->step(step) ? upload->step(step)->status : StepStatus::pending;
  }
};

TEST_F(UploadPipeline, CreateValidatesAndSealsTheEmail) {
  auto created = service.create({"../x/Report.CSV", 10, "ada@example.com"});
  ASSERT_TRUE(created);
  EXPECT_TRUE(is_valid_upload_id(created->upload.id));
  EXPECT_EQ(created->upload.file_name, "Report.CSV");
  EXPECT_EQ(created->upload.format, "csv");
  EXPECT_EQ(tokens.verify(created->token, created->upload.id, now), TokenCheck::ok);
  const auto record = repository.find(created->upload.id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->upload.status, UploadStatus::pending);
  EXPECT_TRUE(record->upload.has_email);
  EXPECT_EQ(record->sealed_email.find("ada"), std::string::npos);
  EXPECT_EQ(cipher.open(record->sealed_email), "ada@example.com");
  EXPECT_EQ(record->upload.steps, initial_steps());

  EXPECT_EQ(service.create({"a.exe", 10, ""}).error().kind, CreateError::Kind::unsupported);
  EXPECT_EQ(service.create({"a.csv", 1001, ""}).error().kind, CreateError::Kind::too_large);
  EXPECT_EQ(service.create({"a.csv", -1, ""}).error().kind, CreateError::Kind::invalid);
  EXPECT_EQ(service.create({"a.csv", 1, "not-an-address"}).error().field, "email");
  EXPECT_EQ(service.create({"", 1, ""}).error().field, "filename");
}

TEST_F(UploadPipeline, FinalizeNeedsEveryByteAndEnqueuesOnePipelineJob) {
  auto created = service.create({"a.csv", 8, ""});
  const std::string id = created->upload.id;
  auto writer = blobs.append(BlobArea::uploads, id, 0);
  ASSERT_TRUE((*writer)->write("a,b\n"));
  ASSERT_TRUE((*writer)->commit());
  service.record_progress(id, 4);
  EXPECT_EQ(service.find(id)->status, UploadStatus::receiving);
  EXPECT_EQ(service.find(id)->progress_percent(), 50);
  EXPECT_EQ(service.finalize(id), FinalizeOutcome::incomplete);
  EXPECT_FALSE(lease(kPipelineJob));
  ASSERT_TRUE((*writer)->write("1,2\n"));
  ASSERT_TRUE((*writer)->commit());
  EXPECT_EQ(service.finalize(id), FinalizeOutcome::finalized);
  EXPECT_EQ(service.finalize(id), FinalizeOutcome::already_finalized);
  EXPECT_EQ(service.find(id)->status, UploadStatus::scanning);
  service.record_progress(id, 2);  // a late report does not rewind
  EXPECT_EQ(service.find(id)->received_bytes, 8);
  const auto job = lease(kPipelineJob);
  ASSERT_TRUE(job);
  EXPECT_NE(job->payload_json.find(id), std::string::npos);
  EXPECT_FALSE(lease(kPipelineJob)) << "one job per upload";
  EXPECT_EQ(service.finalize("ffffffffffffffffffffffffffffffff"), FinalizeOutcome::not_found);
}

TEST_F(UploadPipeline, CleanFileRunsEveryStepAndStoresTheAnalysis) {
  scanner.verdicts = {{integrations::ScanVerdict::Kind::clean, ""}};
  const std::string id = uploaded("a,b\n1,2\n");
  auto job = lease(kPipelineJob);
  ASSERT_TRUE(job);
  const auto result = pipeline(&scanner)->run(*job);
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(result));
  EXPECT_EQ(scanner.last_content, "a,b\n1,2\n");
  const auto upload = service.find(id);
  EXPECT_EQ(upload->status, UploadStatus::completed);
  for (const auto step : {kStepValidate, kStepScan, kStepAnalyze, kStepStore}) {
    EXPECT_EQ(upload->step(step)->status, StepStatus::done) << step;
    EXPECT_GT(upload->step(step)->started_at_ms, 0) << step;
    EXPECT_GE(upload->step(step)->finished_at_ms, upload->step(step)->started_at_ms) << step;
  }
  EXPECT_EQ(upload->step(kStepNotify)->status, StepStatus::skipped);
  EXPECT_EQ(service.analysis_json(id), R"({"format":"csv","rows":2})");
  EXPECT_FALSE(lease(kNotifyJob)) << "no e-mail, no notification";
  EXPECT_NE(metrics.render().find("iv_upload_steps_total"), std::string::npos);
}

TEST_F(UploadPipeline, WithoutAScannerTheScanIsRecordedAsSkipped) {
  const std::string id = uploaded("a,b\n1,2\n");
  pipeline(nullptr)->run(*lease(kPipelineJob));
  const auto upload = service.find(id);
  EXPECT_EQ(upload->status, UploadStatus::completed);
  EXPECT_EQ(upload->step(kStepScan)->status, StepStatus::skipped);
  EXPECT_NE(upload->step(kStepScan)->detail.find("CLAMD_ADDRESS"), std::string::npos);
}

TEST_F(UploadPipeline, MalwareIsQuarantinedRejectedAndAudited) {
  scanner.verdicts = {{integrations::ScanVerdict::Kind::infected, "Eicar-Test-Signature"}};
  const std::string id = uploaded("X5O!P%@AP fake eicar\n", "eicar.txt");
  const auto result = pipeline(&scanner)->run(*lease(kPipelineJob));
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(result));
  const auto upload = service.find(id);
  EXPECT_EQ(upload->status, UploadStatus::rejected);
  EXPECT_EQ(upload->reason, "The file contains malware (Eicar-Test-Signature) and was quarantined.");
  EXPECT_EQ(upload->step(kStepScan)->status, StepStatus::failed);
  EXPECT_FALSE(blobs.size(BlobArea::uploads, id));
  EXPECT_TRUE(blobs.size(BlobArea::quarantine, id));
  EXPECT_EQ(analyzer.calls, 0);
  const std::string text = log.text();
  EXPECT_NE(text.find("upload quarantined"), std::string::npos);
  EXPECT_NE(text.find("Eicar-Test-Signature"), std::string::npos);
}

TEST_F(UploadPipeline, ScannerDownIsRetriedThenFailsClearly) {
  scanner.verdicts = {{integrations::ScanVerdict::Kind::error, "cannot connect to clamd"}};
  const std::string id = uploaded("a,b\n1,2\n");
  auto job = lease(kPipelineJob);
  EXPECT_TRUE(std::holds_alternative<jobs::Retry>(pipeline(&scanner)->run(*job)));
  EXPECT_EQ(service.find(id)->status, UploadStatus::scanning);
  job->attempt = job->max_attempts;
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(pipeline(&scanner)->run(*job)));
  EXPECT_EQ(service.find(id)->status, UploadStatus::failed);
  EXPECT_NE(service.find(id)->reason.find("virus scan could not be done"), std::string::npos);
}

TEST_F(UploadPipeline, ParserFailureMarksTheUploadFailedWithTheReadersMessage) {
  analyzer.result = std::unexpected(std::string("The JSON is nested deeper than 64 levels."));
  const std::string id = uploaded("[[[[[[[[", "deep.json");
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(pipeline(nullptr)->run(*lease(kPipelineJob))));
  const auto upload = service.find(id);
  EXPECT_EQ(upload->status, UploadStatus::failed);
  EXPECT_EQ(upload->reason, "The JSON is nested deeper than 64 levels.");
  EXPECT_EQ(upload->step(kStepAnalyze)->status, StepStatus::failed);
  EXPECT_FALSE(service.analysis_json(id));
}

TEST_F(UploadPipeline, WrongContentIsRejectedAtValidation) {
  const std::string id = uploaded(std::string("MZ\x90\0", 4) + std::string(100, '\0'), "report.csv");
  pipeline(nullptr)->run(*lease(kPipelineJob));
  const auto upload = service.find(id);
  EXPECT_EQ(upload->status, UploadStatus::rejected);
  EXPECT_NE(upload->reason.find("Windows program"), std::string::npos);
  EXPECT_EQ(analyzer.calls, 0);
}

TEST_F(UploadPipeline, ACrashedRunIsResumedWithoutRepeatingFinishedSteps) {
  scanner.verdicts = {{integrations::ScanVerdict::Kind::clean, ""}};
  const std::string id = uploaded("a,b\n1,2\n");
  auto job = lease(kPipelineJob);
  analyzer.crash = true;
  EXPECT_THROW(pipeline(&scanner)->run(*job), std::runtime_error);
  EXPECT_EQ(service.find(id)->status, UploadStatus::processing);
  EXPECT_EQ(step_status(id, kStepScan), StepStatus::done);
  EXPECT_EQ(step_status(id, kStepAnalyze), StepStatus::running);
  scanner.last_content.clear();
  analyzer.crash = false;
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(pipeline(&scanner)->run(*job)));
  EXPECT_EQ(service.find(id)->status, UploadStatus::completed);
  EXPECT_TRUE(scanner.last_content.empty()) << "the scan is not repeated";
  EXPECT_EQ(analyzer.calls, 2);
  // A third run (a duplicate delivery) changes nothing.
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(pipeline(&scanner)->run(*job)));
  EXPECT_EQ(analyzer.calls, 2);
}

TEST_F(UploadPipeline, ResultsEmailIsQueuedWithTheResultAndSentOnce) {
  const std::string id = uploaded("a,b\n1,2\n", "data.csv", "ada@example.com");
  pipeline(nullptr)->run(*lease(kPipelineJob));
  EXPECT_EQ(step_status(id, kStepNotify), StepStatus::running);
  auto job = lease(kNotifyJob);
  ASSERT_TRUE(job);
  FakeMailer mailer;
  NotifyJob notify(db.database(), repository, cipher, mailer,
                   UploadMailSettings{.site_url = "https://example.test"});
  const auto result = notify.run(*job);
  ASSERT_TRUE(std::holds_alternative<jobs::Done>(result));
  ASSERT_EQ(mailer.sent.size(), 1u);
  EXPECT_EQ(mailer.sent[0].to[0].address, "ada@example.com");
  EXPECT_NE(mailer.sent[0].text_body.find("https://example.test/uploads/" + id), std::string::npos);
  EXPECT_EQ(step_status(id, kStepNotify), StepStatus::done);
  // A re-run whose state says it was sent does not send again.
  job->state_json = std::get<jobs::Done>(result).state_json;
  notify.run(*job);
  EXPECT_EQ(mailer.sent.size(), 1u);
  mailer.is_configured = false;
  job->state_json.clear();
  EXPECT_TRUE(std::holds_alternative<jobs::Wait>(notify.run(*job)));
}

TEST_F(UploadPipeline, DeleteRemovesFilesAndRecord) {
  const std::string id = uploaded("a,b\n1,2\n");
  ASSERT_TRUE(blobs.size(BlobArea::uploads, id));
  EXPECT_TRUE(service.remove(id));
  EXPECT_FALSE(service.find(id));
  EXPECT_FALSE(blobs.size(BlobArea::uploads, id));
  EXPECT_FALSE(service.remove(id));
  // The pipeline job of a deleted upload finishes without doing anything.
  EXPECT_TRUE(std::holds_alternative<jobs::Done>(pipeline(nullptr)->run(*lease(kPipelineJob))));
  EXPECT_EQ(analyzer.calls, 0);
}

TEST_F(UploadPipeline, RetentionRemovesFilesThenResultsAndAbandonedUploads) {
  const std::string old_id = uploaded("a,b\n1,2\n");
  pipeline(nullptr)->run(*lease(kPipelineJob));
  auto unfinished = service.create({"b.csv", 100, ""});
  auto writer = blobs.append(BlobArea::uploads, unfinished->upload.id, 0);
  ASSERT_TRUE((*writer)->write("partial"));
  ASSERT_TRUE((*writer)->commit());

  auto run_at = [&](std::chrono::system_clock::time_point at) {
    RetentionJob retention(
        RetentionSettings{.uploads = std::chrono::days(30), .results = std::chrono::days(90)}, db.database(),
        repository, blobs, logger, [at] { return at; });
    return retention.run(jobs::Job{});
  };
  run_at(now + std::chrono::days(1));
  EXPECT_TRUE(blobs.size(BlobArea::uploads, old_id)) << "young files stay";
  EXPECT_EQ(service.find(unfinished->upload.id)->status, UploadStatus::failed)
      << "abandoned after its expiry";
  EXPECT_EQ(blobs.partial_size(BlobArea::uploads, unfinished->upload.id), 0u);

  run_at(now + std::chrono::days(31));
  EXPECT_FALSE(blobs.size(BlobArea::uploads, old_id)) << "the file goes after 30 days";
  EXPECT_EQ(service.find(old_id)->status, UploadStatus::completed) << "the results stay";
  EXPECT_TRUE(service.analysis_json(old_id));

  run_at(now + std::chrono::days(91));
  EXPECT_FALSE(service.find(old_id)) << "everything goes after 90 days";
  EXPECT_FALSE(service.find(unfinished->upload.id));
}

}  // namespace
}  // namespace iv::datasets
