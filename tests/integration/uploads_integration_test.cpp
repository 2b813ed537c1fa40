// Dataset uploads against real services: a real clamd (Debian's
// clamav-daemon, with a one-line EICAR signature database, on a unix socket
// in a temp dir) scanning through ClamdScanner and inside the pipeline; and
// a real `indivillage serve` killed with SIGKILL in the middle of processing,
// restarted on the same data, finishing the job.
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "datasets/pipeline_job.h"
#include "datasets/upload_service.h"
#include "integrations/clamd_scanner.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "process.h"
#include "security/field_cipher.h"
#include "store/fs_blob_store.h"
#include "store/migrations.h"
#include "store/sql_job_queue.h"
#include "store/sql_upload_repository.h"
#include "store/sqlite_database.h"

namespace iv::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kEicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";

bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return condition();
}

// clamd with the EICAR MD5 signature only (freshclam cannot download here).
class Clamd {
 public:
  Clamd() : dir_(make_temp_dir("iv-clamd-")) {
    fs::create_directories(dir_ / "db");
    fs::create_directories(dir_ / "tmp");
    std::ofstream(dir_ / "db" / "test.hdb") << "44d88612fea8a8f36de82e1278abb02f:68:Test.EICAR.HDB\n";
    std::ofstream(dir_ / "clamd.conf") << "Foreground yes\nDatabaseDirectory " << (dir_ / "db").string()
                                       << "\nLocalSocket " << socket().string() << "\nTemporaryDirectory "
                                       << (dir_ / "tmp").string() << "\nStreamMaxLength 1M\nSelfCheck 0\n";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/sbin/clamd", "-c", (dir_ / "clamd.conf").string()},
        dir_ / "clamd.log");
    if (!eventually(30s, [&] { return fs::exists(socket()); })) {
      throw std::runtime_error("clamd did not start:\n" + process_->log());
    }
  }
  ~Clamd() {
    process_->stop();
    fs::remove_all(dir_);
  }
  fs::path socket() const { return dir_ / "clamd.sock"; }
  std::string address() const { return "unix:" + socket().string(); }

 private:
  fs::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

TEST(Clamd, ScansCleanAndInfectedStreamsAndReportsItsLimits) {
  Clamd clamd;
  integrations::ClamdScanner scanner({.address = clamd.address(), .chunk_bytes = 7});
  std::istringstream clean("name,age\nalice,30\n");
  EXPECT_EQ(scanner.scan(clean).kind, integrations::ScanVerdict::Kind::clean);
  std::istringstream eicar(kEicar);
  const auto infected = scanner.scan(eicar);
  EXPECT_EQ(infected.kind, integrations::ScanVerdict::Kind::infected);
  EXPECT_TRUE(infected.detail.starts_with("Test.EICAR")) << infected.detail;
  // Over StreamMaxLength clamd answers and closes; the reason still arrives.
  integrations::ClamdScanner big_chunks({.address = clamd.address()});
  std::istringstream huge(std::string(3 << 20, 'a'));
  const auto limited = big_chunks.scan(huge);
  EXPECT_EQ(limited.kind, integrations::ScanVerdict::Kind::error);
  EXPECT_NE(limited.detail.find("size limit"), std::string::npos) << limited.detail;

  integrations::ClamdScanner nowhere({.address = "unix:/nonexistent/clamd.sock"});
  std::istringstream any("x");
  EXPECT_EQ(nowhere.scan(any).kind, integrations::ScanVerdict::Kind::error);
}

class NoAnalysis : public datasets::DatasetAnalyzer {
 public:
  std::expected<std::string, std::string> analyze(const fs::path&, std::string_view) override {
    return std::unexpected(std::string("not expected to run"));
  }
};

TEST(Clamd, PipelineRejectsAndQuarantinesEicar) {
  Clamd clamd;
  const fs::path dir = make_temp_dir("iv-clamd-pipeline-");
  {
    store::SqliteDatabase database(store::SqliteSettings{.path = dir / "app.db"});
    store::Migrator(fs::path(IV_SOURCE_DIR) / "migrations").apply(*database.lease());
    store::SqlUploadRepository repository(database);
    store::FsBlobStore blobs(dir / "blobs");
    store::SqlJobQueue queue(database);
    const std::string secret = "integration-secret-0123456789abcdef-0123";
    security::FieldCipher cipher(secret, "datasets");
    datasets::UploadTokens tokens(secret, 3600s);
    datasets::UploadService service({}, database, repository, blobs, queue, tokens, cipher);
    std::FILE* log_file = std::tmpfile();
    observe::Logger logger(observe::LogSettings{observe::LogLevel::info, log_file});
    observe::MetricsRegistry metrics;
    integrations::ClamdScanner scanner({.address = clamd.address()});
    NoAnalysis analyzer;
    datasets::PipelineJob pipeline({}, database, repository, blobs, &scanner, analyzer, queue, logger,
                                   metrics);

    const auto created = service.create({"eicar.txt", static_cast<std::int64_t>(kEicar.size()), ""});
    ASSERT_TRUE(created);
    const std::string id = created->upload.id;
    auto writer = blobs.append(datasets::BlobArea::uploads, id, 0);
    ASSERT_TRUE((*writer)->write(kEicar));
    ASSERT_TRUE((*writer)->commit());
    ASSERT_EQ(service.finalize(id), datasets::FinalizeOutcome::finalized);
    const auto job = queue.lease("test", {std::string(datasets::kPipelineJob)}, 60s);
    ASSERT_TRUE(job);
    EXPECT_TRUE(std::holds_alternative<jobs::Done>(pipeline.run(*job)));

    const auto upload = service.find(id);
    EXPECT_EQ(upload->status, datasets::UploadStatus::rejected);
    EXPECT_TRUE(upload->reason.starts_with("The file contains malware (Test.EICAR")) << upload->reason;
    EXPECT_TRUE(upload->reason.ends_with(") and was quarantined.")) << upload->reason;
    EXPECT_FALSE(blobs.size(datasets::BlobArea::uploads, id));
    EXPECT_EQ(blobs.size(datasets::BlobArea::quarantine, id), kEicar.size());
    std::fflush(log_file);
    std::rewind(log_file);
    std::string log_text(1 << 16, '\0');
    log_text.resize(std::fread(log_text.data(), 1, log_text.size(), log_file));
    std::fclose(log_file);
    EXPECT_NE(log_text.find("upload quarantined"), std::string::npos);
  }
  fs::remove_all(dir);
}

// ---- kill -9 during processing -------------------------------------------------------

struct Answer {
  int status = 0;
  std::string body;
};

// One request through curl: "<body>\n<status>".
Answer curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = run_command(argv, 30s);
  const std::size_t newline = result.output.rfind('\n');
  if (newline == std::string::npos) return {};
  return {std::atoi(result.output.c_str() + newline + 1), result.output.substr(0, newline)};
}

class Server {
 public:
  Server(const fs::path& data_dir, std::vector<std::string> environment) {
    const fs::path port_file = data_dir.parent_path() / "server.port";
    fs::remove(port_file);
    std::vector<std::string> argv{"env",
                                  "-u",
                                  "CLAMD_ADDRESS",
                                  "-u",
                                  "PORT",
                                  "-u",
                                  "PUBLIC_BASE_URL",
                                  "DATA_DIR=" + data_dir.string(),
                                  "SHARE_DIR=" + std::string(IV_SOURCE_DIR)};
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.insert(argv.end(), {IV_BINARY, "serve", "--port", "0", "--port-file", port_file.string()});
    process_ = std::make_unique<ChildProcess>(argv, data_dir.parent_path() / "server.log");
    const auto port = wait_for_file(port_file, 60s);
    if (!port) throw std::runtime_error("indivillage did not start:\n" + process_->log());
    url_ = "http://127.0.0.1:" + *port;
    if (!eventually(20s, [&] { return curl({url_ + "/healthz"}).status == 200; })) {
      throw std::runtime_error("no /healthz:\n" + process_->log());
    }
  }
  const std::string& url() const { return url_; }
  std::string log() const { return process_->log(); }
  void kill_hard() {
    ::kill(process_->pid(), SIGKILL);
    process_->stop();
  }

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string url_;
};

std::string status_of(const std::string& url, const std::string& id) {
  const auto answer = curl({url + "/api/v1/uploads/" + id});
  if (answer.status != 200) return "http " + std::to_string(answer.status);
  return std::string(json::parse(answer.body).at("status").as_string());
}

TEST(UploadCrash, KillDashNineDuringProcessingLosesNothing) {
  const fs::path dir = make_temp_dir("iv-upload-crash-");
  const fs::path data = dir / "data";
  fs::create_directories(data);
  const fs::path file = dir / "sample.csv";
  {
    std::ofstream out(file);
    out << "id,value\n";
    for (int i = 0; i < 1000; ++i) out << i << "," << i * 3 << "\n";
  }
  const auto size = fs::file_size(file);
  // A slow analysis (test hook) keeps the job in "processing" long enough to kill it; a short
  // lease lets the restarted server take the job over quickly.
  const std::vector<std::string> env{"ANALYSIS_TEST_DELAY_MS=3000", "JOB_LEASE_S=2", "WORKER_THREADS=1"};
  std::string id;
  {
    Server server(data, env);
    const auto created = curl({"-X", "POST", "-H", "Content-Type: application/json", "--data",
                               R"({"filename":"sample.csv","size":)" + std::to_string(size) + "}",
                               server.url() + "/api/v1/uploads"});
    ASSERT_EQ(created.status, 201) << created.body;
    const auto body = json::parse(created.body).as_object();
    id = std::string(body.at("id").as_string());
    const std::string token(body.at("token").as_string());
    const auto sent =
        curl({"-X", "PATCH", "-H", "Tus-Resumable: 1.0.0", "-H", "Authorization: Bearer " + token, "-H",
              "Upload-Offset: 0", "-H", "Content-Type: application/offset+octet-stream", "--data-binary",
              "@" + file.string(), server.url() + "/api/v1/uploads/tus/" + id});
    ASSERT_EQ(sent.status, 204) << sent.body;
    ASSERT_TRUE(eventually(20s, [&] { return status_of(server.url(), id) == "processing"; })) << server.log();
    server.kill_hard();
  }
  Server restarted(data, env);
  // The worker pool leases with the longest lease of all handlers; leads.retention keeps the
  // default 120 s whatever JOB_LEASE_S says, so the dead worker's lease can take that long.
  EXPECT_TRUE(eventually(180s, [&] { return status_of(restarted.url(), id) == "completed"; }))
      << status_of(restarted.url(), id) << "\n"
      << restarted.log();
  const auto analysis = curl({restarted.url() + "/api/v1/uploads/" + id + "/analysis"});
  ASSERT_EQ(analysis.status, 200);
  EXPECT_EQ(json::parse(analysis.body).at("rows").to_number<std::int64_t>(), 1000);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace iv::test
