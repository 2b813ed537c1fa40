// Leads in the database: sealed personal fields, the lead and its delivery
// jobs in one transaction (outbox), idempotency keys, group commit batches,
// fallback when a batch fails, and retention.
#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "leads/group_committer.h"
#include "leads/lead_codec.h"
#include "leads/lead_id.h"
#include "leads/lead_submissions.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "security/field_cipher.h"
#include "store/sql_job_queue.h"
#include "store/sql_lead_repository.h"
#include "store/sqlite_database.h"
#include "support/log_capture.h"
#include "support/temp_database.h"

namespace iv::leads {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "test-secret-key-0123456789abcdef-0123456789";

LeadFields contact_fields(std::string name = "Ada Lovelace", std::string email = "ada@example.com") {
  LeadFields f;
  f.name = std::move(name);
  f.email = std::move(email);
  f.message = "We need ten thousand images labelled.";
  f.consent = true;
  return f;
}

// Lets a test make the repository fail for one lead (by name), as an engine
// failure in the middle of a batch would.
class FailingRepository : public LeadRepository {
 public:
  FailingRepository(LeadRepository& inner, const security::FieldCipher& cipher)
      : inner_(inner), cipher_(cipher) {}
  std::string fail_for_name;
  InsertOutcome insert(store::SqlConnection& conn, const LeadRecord& record) override {
    const auto lead = open_lead(record, cipher_);
    if (lead && lead->fields.name == fail_for_name) throw store::StoreError("simulated engine failure");
    return inner_.insert(conn, record);
  }
  std::optional<LeadRecord> find(std::string_view id) override { return inner_.find(id); }
  std::optional<LeadRecord> find_by_idempotency_key(LeadKind kind, std::string_view key) override {
    return inner_.find_by_idempotency_key(kind, key);
  }
  std::int64_t purge_created_before(std::int64_t cutoff_ms) override {
    return inner_.purge_created_before(cutoff_ms);
  }
  std::int64_t count() override { return inner_.count(); }

 private:
  LeadRepository& inner_;
  const security::FieldCipher& cipher_;
};

class LeadStoreTest : public ::testing::Test {
 protected:
  LeadStoreTest()
      : logger_(observe::LogSettings{.out = log_.file()}),
        queue_(database_),
        repository_(database_),
        cipher_(kSecret, "leads"),
        failing_(repository_, cipher_) {}

  std::unique_ptr<GroupCommitter> committer(GroupCommitSettings settings = {}) {
    return std::make_unique<GroupCommitter>(settings, database_, failing_, queue_, logger_, metrics_);
  }

  // The committer's batch-size histogram (same buckets as group_committer.cpp).
  observe::Histogram& batch_histogram() {
    return metrics_.histogram("leads_commit_batch_size", "", {1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  }

  std::int64_t count(std::string_view sql) { return database_.lease()->query(sql).front().integer(0); }

  // Submits and waits for the outcome.
  static std::future<SubmitOutcome> submit(LeadSubmissions& submissions, Submission submission) {
    auto promise = std::make_shared<std::promise<SubmitOutcome>>();
    auto future = promise->get_future();
    submissions.submit(std::move(submission),
                       [promise](SubmitOutcome outcome) { promise->set_value(outcome); });
    return future;
  }

  test::MigratedDatabase scratch_{"iv-leads-test-"};
  test::CapturedLog log_;
  observe::Logger logger_;
  observe::MetricsRegistry metrics_;
  store::SqliteDatabase& database_ = scratch_.database();
  store::SqlJobQueue queue_;
  store::SqlLeadRepository repository_;
  security::FieldCipher cipher_;
  FailingRepository failing_;
};

TEST_F(LeadStoreTest, PersonalFieldsAreSealedAndReadBackVerbatim) {
  Lead lead{.id = new_lead_id(),
            .kind = LeadKind::quote,
            .fields = contact_fields("Robert'); DROP TABLE leads;--", "Bobby@Example.com"),
            .challenge = Challenge::altcha,
            .source = "api",
            .created_at = std::chrono::system_clock::time_point(1'800'000'000'000ms)};
  lead.fields.company = "O'Brien & Sons \"Ltd\" 100% _real_ \\";
  lead.fields.message = "<script>alert('x')</script>\n'; DELETE FROM jobs; --";
  lead.fields.services = {"data-annotation"};
  lead.fields.budget_range = "10k-50k";
  const LeadRecord record = seal_lead(lead, cipher_);
  {
    auto conn = database_.lease();
    store::in_transaction(
        *conn, [&] { EXPECT_EQ(repository_.insert(*conn, record).status, InsertOutcome::Status::inserted); });
  }
  // Nothing personal is readable in the database file's rows.
  const auto raw = database_.lease()->query("SELECT sealed_fields, details, email_index FROM leads");
  ASSERT_EQ(raw.size(), 1u);
  for (const char* secret : {"Robert", "Bobby", "example.com", "O'Brien", "script"}) {
    EXPECT_EQ(raw[0].text(0).find(secret), std::string::npos) << secret;
    EXPECT_EQ(raw[0].text(1).find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(raw[0].text(1), R"({"services":["data-annotation"],"budget_range":"10k-50k"})");
  EXPECT_EQ(raw[0].text(2), email_index(cipher_, "bobby@example.COM")) << "the index ignores case";

  const auto found = repository_.find(lead.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, record);
  const auto opened = open_lead(*found, cipher_);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->fields, lead.fields);
  EXPECT_EQ(opened->fields.name, "Robert'); DROP TABLE leads;--");
  EXPECT_EQ(opened->created_at, lead.created_at);
  EXPECT_EQ(opened->challenge, Challenge::altcha);
  EXPECT_EQ(opened->source, "api");
  // Another purpose's key cannot open it.
  EXPECT_FALSE(open_lead(*found, security::FieldCipher(kSecret, "uploads")));
}

TEST_F(LeadStoreTest, LeadAndJobsCommitOrRollBackTogether) {
  Lead lead{.id = new_lead_id(), .fields = contact_fields(), .created_at = std::chrono::system_clock::now()};
  {
    auto conn = database_.lease();
    conn->begin();
    repository_.insert(*conn, seal_lead(lead, cipher_));
    queue_.enqueue(*conn,
                   jobs::JobSpec{.kind = "lead.crm", .dedupe_key = delivery_dedupe_key(lead.id, "lead.crm")});
    conn->rollback();
  }
  EXPECT_EQ(repository_.count(), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
}

TEST_F(LeadStoreTest, SubmissionStoresTheLeadWithItsThreeDeliveryJobs) {
  auto group = committer();
  group->start();
  LeadSubmissions submissions({}, cipher_, failing_, *group);
  const auto outcome =
      submit(submissions,
             {.kind = LeadKind::contact, .fields = contact_fields(), .challenge = Challenge::none})
          .get();
  ASSERT_EQ(outcome.status, SubmitOutcome::Status::accepted);
  EXPECT_TRUE(is_lead_id(outcome.id));
  EXPECT_FALSE(outcome.repeated);
  EXPECT_EQ(repository_.count(), 1);
  const auto jobs =
      database_.lease()->query("SELECT kind, payload, dedupe_key, status FROM jobs ORDER BY kind");
  ASSERT_EQ(jobs.size(), 3u);
  const std::vector<std::string> kinds{jobs[0].text(0), jobs[1].text(0), jobs[2].text(0)};
  EXPECT_EQ(kinds, (std::vector<std::string>{"lead.crm", "lead.email.sales", "lead.email.visitor"}));
  for (const auto& job : jobs) {
    EXPECT_EQ(job.text(1), R"({"lead_id":")" + outcome.id + "\"}")
        << "payloads carry ids, never personal data";
    EXPECT_EQ(job.text(2), "lead:" + outcome.id + ":" + job.text(0));
    EXPECT_EQ(job.text(3), "ready");
  }
}

TEST_F(LeadStoreTest, SameIdempotencyKeyInOneBatchStoresOneLead) {
  auto group = committer({.max_wait = 200ms});
  LeadSubmissions submissions({}, cipher_, failing_, *group);
  // Queued before the committer starts, so both land in the same transaction.
  auto first = submit(
      submissions,
      {.kind = LeadKind::contact, .fields = contact_fields(), .source = "api", .idempotency_key = "retry-1"});
  auto second = submit(
      submissions,
      {.kind = LeadKind::contact, .fields = contact_fields(), .source = "api", .idempotency_key = "retry-1"});
  auto other_kind = submit(
      submissions,
      {.kind = LeadKind::demo, .fields = contact_fields(), .source = "api", .idempotency_key = "retry-1"});
  auto different = submit(submissions, {.kind = LeadKind::contact,
                                        .fields = contact_fields("Someone Else"),
                                        .source = "api",
                                        .idempotency_key = "retry-1"});
  group->start();
  const auto a = first.get();
  const auto b = second.get();
  const auto c = other_kind.get();
  const auto d = different.get();
  ASSERT_EQ(a.status, SubmitOutcome::Status::accepted);
  ASSERT_EQ(b.status, SubmitOutcome::Status::accepted);
  EXPECT_EQ(a.id, b.id);
  EXPECT_FALSE(a.repeated);
  EXPECT_TRUE(b.repeated);
  ASSERT_EQ(c.status, SubmitOutcome::Status::accepted);
  EXPECT_NE(c.id, a.id) << "keys are per kind";
  EXPECT_EQ(d.status, SubmitOutcome::Status::key_reused);
  EXPECT_EQ(repository_.count(), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 6);
  EXPECT_EQ(batch_histogram().count(), 1u);

  // A later retry is answered from the database without a new commit.
  const auto earlier = submissions.earlier_outcome(LeadKind::contact, "retry-1", contact_fields());
  ASSERT_TRUE(earlier);
  EXPECT_EQ(earlier->id, a.id);
  EXPECT_EQ(submissions.earlier_outcome(LeadKind::contact, "retry-1", contact_fields("Changed"))->status,
            SubmitOutcome::Status::key_reused);
  EXPECT_FALSE(submissions.earlier_outcome(LeadKind::quote, "retry-1", contact_fields()));
}

TEST_F(LeadStoreTest, GroupCommitWritesManyLeadsPerTransaction) {
  auto group = committer({.max_wait = 50ms, .max_batch = 40});
  LeadSubmissions submissions({}, cipher_, failing_, *group);
  std::vector<std::future<SubmitOutcome>> outcomes;
  for (int i = 0; i < 100; ++i) {
    outcomes.push_back(submit(
        submissions, {.kind = LeadKind::contact, .fields = contact_fields("Visitor " + std::to_string(i))}));
  }
  group->start();
  std::set<std::string> ids;
  for (auto& outcome : outcomes) {
    const auto got = outcome.get();
    ASSERT_EQ(got.status, SubmitOutcome::Status::accepted);
    ids.insert(got.id);
  }
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(repository_.count(), 100);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 300);
  const auto& batches = batch_histogram();
  EXPECT_EQ(batches.count(), 3u) << "40 + 40 + 20";
  EXPECT_DOUBLE_EQ(batches.sum(), 100);
}

TEST_F(LeadStoreTest, ConcurrentSubmittersShareCommits) {
  auto group = committer({.max_wait = 2ms});
  group->start();
  LeadSubmissions submissions({}, cipher_, failing_, *group);
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto outcome = submit(submissions,
                              {.kind = LeadKind::contact,
                               .fields = contact_fields("T" + std::to_string(t) + " n" + std::to_string(i))});
        if (outcome.get().status == SubmitOutcome::Status::accepted) ++accepted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_EQ(repository_.count(), 200);
  EXPECT_LT(batch_histogram().count(), 200u) << "eight waiting submitters must share at least some commits";
}

TEST_F(LeadStoreTest, AFailingLeadDoesNotFailItsBatch) {
  failing_.fail_for_name = "Broken Row";
  auto group = committer({.max_wait = 100ms});
  LeadSubmissions submissions({}, cipher_, failing_, *group);
  auto good1 = submit(submissions, {.fields = contact_fields("Good One")});
  auto bad = submit(submissions, {.fields = contact_fields("Broken Row")});
  auto good2 = submit(submissions, {.fields = contact_fields("Good Two")});
  group->start();
  EXPECT_EQ(good1.get().status, SubmitOutcome::Status::accepted);
  EXPECT_EQ(bad.get().status, SubmitOutcome::Status::unavailable);
  EXPECT_EQ(good2.get().status, SubmitOutcome::Status::accepted);
  EXPECT_EQ(repository_.count(), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 6) << "no jobs without their lead";
}

TEST_F(LeadStoreTest, StopCommitsWhatWasSubmittedAndRefusesLaterSubmissions) {
  auto group = committer({.max_wait = 1s});
  LeadSubmissions submissions({}, cipher_, failing_, *group);
  group->start();
  auto before = submit(submissions, {.fields = contact_fields()});
  group->stop();
  EXPECT_EQ(before.get().status, SubmitOutcome::Status::accepted);
  EXPECT_EQ(submit(submissions, {.fields = contact_fields()}).get().status,
            SubmitOutcome::Status::unavailable);
}

TEST_F(LeadStoreTest, RetentionDeletesOldLeadsAndTheirFinishedJobs) {
  const auto now = std::chrono::system_clock::now();
  const auto store_lead = [&](std::chrono::system_clock::time_point created) {
    Lead lead{.id = new_lead_id(), .fields = contact_fields(), .created_at = created};
    auto conn = database_.lease();
    store::in_transaction(*conn, [&] {
      repository_.insert(*conn, seal_lead(lead, cipher_));
      for (const auto* kind : {"lead.crm", "lead.email.sales"}) {
        queue_.enqueue(*conn, jobs::JobSpec{.kind = kind,
                                            .payload_json = R"({"lead_id":")" + lead.id + "\"}",
                                            .dedupe_key = delivery_dedupe_key(lead.id, kind)});
      }
    });
    return lead.id;
  };
  const std::string old_id = store_lead(now - std::chrono::days(800));
  const std::string new_id = store_lead(now - std::chrono::days(10));
  // The old lead's CRM job is done; its e-mail job is still waiting.
  database_.lease()->execute("UPDATE jobs SET status = 'done' WHERE dedupe_key = $1",
                             {delivery_dedupe_key(old_id, "lead.crm")});
  // A job of another lead whose id shares the prefix must survive.
  queue_.enqueue(jobs::JobSpec{.kind = "other", .dedupe_key = "lead:" + old_id + "x:lead.crm"});
  database_.lease()->execute("UPDATE jobs SET status = 'done' WHERE kind = 'other'");

  const auto cutoff =
      std::chrono::duration_cast<std::chrono::milliseconds>((now - std::chrono::days(730)).time_since_epoch())
          .count();
  EXPECT_EQ(repository_.purge_created_before(cutoff), 1);
  EXPECT_FALSE(repository_.find(old_id));
  EXPECT_TRUE(repository_.find(new_id));
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'lead:" + old_id + ":lead.crm'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'lead:" + old_id + ":lead.email.sales'"), 1)
      << "unfinished jobs stay (their handler finds no lead and finishes)";
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE kind = 'other'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'lead:" + new_id + ":%'"), 2);
}

}  // namespace
}  // namespace iv::leads
