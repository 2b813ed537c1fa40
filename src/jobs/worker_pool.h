// Runs leased jobs on a few threads. Each job kind has one handler; results
// become queue transitions (complete / retry with backoff / wait / bury).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job.h"

namespace iv::observe {
class Logger;
class MetricsRegistry;
}  // namespace iv::observe

namespace iv::jobs {

class JobQueue;

class JobHandler {
 public:
  virtual ~JobHandler() = default;
  // Does the work. Must not throw for expected failures (return Retry / Fail);
  // an exception is treated as Retry with the exception's message.
  virtual JobResult run(const Job& job) = 0;
  // How long one attempt may take before another worker may take the job over.
  virtual std::chrono::seconds lease_duration() const { return std::chrono::seconds(120); }
};

// Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2^(n-1))),
// but at least `min_delay`.
struct RetryPolicy {
  std::chrono::milliseconds base{10000};   // JOB_RETRY_BASE_MS
  std::chrono::milliseconds cap{3600000};  // one hour
  std::chrono::milliseconds min_delay{100};
  std::chrono::milliseconds delay_for(int attempt, double unit_random) const;  // unit_random in [0, 1)
};

struct WorkerPoolSettings {
  int threads = 2;
  std::chrono::milliseconds idle_poll{500};  // sleep when the queue is empty
  std::string worker_id;                     // default: hostname:pid
  RetryPolicy retry;
};

class WorkerPool {
 public:
  WorkerPool(WorkerPoolSettings settings, JobQueue& queue, observe::Logger& logger,
             observe::MetricsRegistry& metrics);
  ~WorkerPool();  // stops
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Before start(). The handler must outlive the pool.
  void register_handler(const std::string& kind, JobHandler& handler);
  void start();
  // Stops leasing, lets running jobs finish, joins the threads.
  void stop();
  // Hint that a job was just enqueued in this process: skip the idle sleep.
  void wake();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iv::jobs
