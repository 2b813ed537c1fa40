// Group commit: many submissions, one transaction. Durable commits cost an
// fsync each (SQLite synchronous=FULL), so committing leads one by one caps
// the site at a few hundred per second and makes every visitor wait for their
// own fsync. One thread instead collects what arrives for up to `max_wait`
// (or `max_batch` items), writes every lead row and its delivery jobs in ONE
// transaction, commits, and only then completes each submission. An
// acknowledgement (303 / 201) is therefore never sent for data that a crash
// could still lose.
//
// A batch whose transaction fails is retried one lead per transaction, so one
// bad row cannot fail its neighbours; leads that still fail complete with
// `failed` (the web layer answers 503 "try again").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jobs/job.h"
#include "leads/lead_repository.h"

namespace iv::store {
class SqlDatabase;
}
namespace iv::jobs {
class JobQueue;
}
namespace iv::observe {
class Logger;
class MetricsRegistry;
}  // namespace iv::observe

namespace iv::leads {

struct CommitResult {
  enum class Status { committed, duplicate, key_reused, failed } status = Status::failed;
  std::string id;  // the stored lead's id (the first one's for a duplicate)
};

struct PendingLead {
  LeadRecord record;
  std::vector<jobs::JobSpec> jobs;  // enqueued in the same transaction when the lead is new
  // Runs exactly once, on the committer thread after the commit (or at once
  // with `failed` when the committer is stopped or its queue is full). Must
  // be quick and must not throw.
  std::function<void(CommitResult)> done;
};

struct GroupCommitSettings {
  // How long the first lead of a batch may wait for company. Under load the
  // next batch has queued up during the previous commit, so this only delays
  // lone submissions.
  std::chrono::microseconds max_wait{2000};
  std::size_t max_batch = 256;
  // Submissions waiting beyond this are refused at once (503) instead of
  // queueing without bound when the database is too slow.
  std::size_t max_queue = 20000;
};

class GroupCommitter {
 public:
  // All references must outlive the committer.
  GroupCommitter(GroupCommitSettings settings, store::SqlDatabase& database, LeadRepository& repository,
                 jobs::JobQueue& queue, observe::Logger& logger, observe::MetricsRegistry& metrics);
  ~GroupCommitter();  // stop()
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Called after every successful commit that stored new leads (e.g. to wake
  // in-process workers). Set before start().
  void on_committed(std::function<void()> callback);

  void start();
  // Commits everything already submitted, then joins the thread. Idempotent.
  void stop();

  // Thread-safe.
  void submit(PendingLead lead);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iv::leads
