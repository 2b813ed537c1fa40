#include "leads/group_committer.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>  // store/sql.h uses std::exchange without including it

#include "jobs/job_queue.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "store/sql.h"

namespace iv::leads {
namespace {

using SteadyClock = std::chrono::steady_clock;

const std::vector<double>& batch_buckets() {
  static const std::vector<double> buckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  return buckets;
}

}  // namespace

struct GroupCommitter::Impl {
  struct Waiting {
    PendingLead lead;
    SteadyClock::time_point arrived;
  };

  GroupCommitSettings settings;
  store::SqlDatabase& database;
  LeadRepository& repository;
  jobs::JobQueue& queue;
  observe::Logger& logger;
  observe::Histogram& batch_size;
  observe::Histogram& commit_seconds;
  observe::Counter& stored;
  observe::Counter& failed;
  observe::Counter& refused;
  std::function<void()> committed_callback;

  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<Waiting> waiting;  // guarded by mutex
  bool running = false;         // guarded by mutex
  bool stopping = false;        // guarded by mutex
  std::thread thread;

  Impl(GroupCommitSettings s, store::SqlDatabase& db, LeadRepository& repo, jobs::JobQueue& q,
       observe::Logger& log, observe::MetricsRegistry& metrics)
      : settings(s),
        database(db),
        repository(repo),
        queue(q),
        logger(log),
        batch_size(metrics.histogram("leads_commit_batch_size", "Leads written per group-commit transaction",
                                     batch_buckets())),
        commit_seconds(metrics.histogram("leads_commit_seconds",
                                         "Time to write and commit one batch of leads",
                                         observe::MetricsRegistry::latency_buckets())),
        stored(metrics.counter("leads_stored_total", "New leads committed to the database")),
        failed(metrics.counter("leads_commit_failures_total",
                               "Leads that could not be committed (answered 503)")),
        refused(metrics.counter("leads_commit_refused_total",
                                "Leads refused because the commit queue was full or stopped")) {}

  static void complete(PendingLead& lead, CommitResult result) {
    try {
      lead.done(std::move(result));
    } catch (...) {
      // A completion must not take the committer down; the contract says it does not throw.
    }
  }

  CommitResult write_one(store::SqlConnection& conn, const PendingLead& lead) {
    const InsertOutcome outcome = repository.insert(conn, lead.record);
    switch (outcome.status) {
      case InsertOutcome::Status::inserted:
        for (const auto& job : lead.jobs) queue.enqueue(conn, job);
        return {CommitResult::Status::committed, outcome.id};
      case InsertOutcome::Status::duplicate:
        return {CommitResult::Status::duplicate, outcome.id};
      case InsertOutcome::Status::key_reused:
        return {CommitResult::Status::key_reused, {}};
    }
    return {};
  }

  std::vector<CommitResult> write_together(std::vector<Waiting>& batch) {
    std::vector<CommitResult> results(batch.size());
    auto conn = database.lease();
    store::in_transaction(*conn, [&] {
      for (std::size_t i = 0; i < batch.size(); ++i) results[i] = write_one(*conn, batch[i].lead);
    });
    return results;
  }

  // After a failed batch: every lead in its own transaction.
  std::vector<CommitResult> write_separately(std::vector<Waiting>& batch) {
    std::vector<CommitResult> results(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        auto conn = database.lease();
        results[i] = store::in_transaction(*conn, [&] { return write_one(*conn, batch[i].lead); });
      } catch (const std::exception& error) {
        logger.error("lead not stored", {{"lead_id", batch[i].lead.record.id}, {"error", error.what()}});
        results[i] = {CommitResult::Status::failed, {}};
      }
    }
    return results;
  }

  void write(std::vector<Waiting>& batch) {
    const auto started = SteadyClock::now();
    std::vector<CommitResult> results;
    try {
      results = write_together(batch);
    } catch (const std::exception& error) {
      logger.warn("group commit failed; storing the batch lead by lead",
                  {{"batch", batch.size()}, {"error", error.what()}});
      results = write_separately(batch);
    }
    commit_seconds.observe(std::chrono::duration<double>(SteadyClock::now() - started).count());
    batch_size.observe(static_cast<double>(batch.size()));
    std::size_t new_leads = 0;
    for (const auto& result : results) {
      if (result.status == CommitResult::Status::committed) ++new_leads;
      if (result.status == CommitResult::Status::failed) failed.inc();
    }
    stored.inc(static_cast<double>(new_leads));
    if (new_leads > 0 && committed_callback) {
      try {
        committed_callback();
      } catch (const std::exception& error) {
        logger.warn("commit callback failed", {{"error", error.what()}});
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) complete(batch[i].lead, std::move(results[i]));
  }

  // Waits for the first lead, then lingers for company; false when stopped and drained.
  bool next_batch(std::vector<Waiting>& batch) {
    std::unique_lock lock(mutex);
    arrived.wait(lock, [&] { return stopping || !waiting.empty(); });
    if (waiting.empty()) return false;
    const auto deadline = waiting.front().arrived + settings.max_wait;
    arrived.wait_until(lock, deadline, [&] { return stopping || waiting.size() >= settings.max_batch; });
    const std::size_t take = std::min(waiting.size(), settings.max_batch);
    for (std::size_t i = 0; i < take; ++i) {
      batch.push_back(std::move(waiting.front()));
      waiting.pop_front();
    }
    return true;
  }

  void run() {
    std::vector<Waiting> batch;
    while (next_batch(batch)) {
      write(batch);
      batch.clear();
    }
  }
};

GroupCommitter::GroupCommitter(GroupCommitSettings settings, store::SqlDatabase& database,
                               LeadRepository& repository, jobs::JobQueue& queue, observe::Logger& logger,
                               observe::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(settings, database, repository, queue, logger, metrics)) {
  if (impl_->settings.max_batch == 0) impl_->settings.max_batch = 1;
}

GroupCommitter::~GroupCommitter() {
  stop();
}

void GroupCommitter::on_committed(std::function<void()> callback) {
  impl_->committed_callback = std::move(callback);
}

void GroupCommitter::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->running || impl_->stopping) return;
  impl_->running = true;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->arrived.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  // Never started: nothing will write what was submitted.
  std::deque<Impl::Waiting> left;
  {
    std::lock_guard lock(impl_->mutex);
    left.swap(impl_->waiting);
  }
  for (auto& item : left) Impl::complete(item.lead, {CommitResult::Status::failed, {}});
}

void GroupCommitter::submit(PendingLead lead) {
  bool queued = false;
  bool notify = false;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping && impl_->waiting.size() < impl_->settings.max_queue) {
      notify = impl_->waiting.empty() || impl_->waiting.size() + 1 >= impl_->settings.max_batch;
      impl_->waiting.push_back({std::move(lead), SteadyClock::now()});
      queued = true;
    }
  }
  if (!queued) {
    impl_->refused.inc();
    Impl::complete(lead, {CommitResult::Status::failed, {}});
    return;
  }
  if (notify) impl_->arrived.notify_one();
}

}  // namespace iv::leads
