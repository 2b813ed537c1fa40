#include "jobs/scheduler.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "jobs/job_queue.h"
#include "observe/log.h"

namespace iv::jobs {
namespace {

// Periods are aligned to the Unix epoch, so every process computes the same
// period start (and so the same dedupe key) whenever it wakes up.
std::int64_t period_start(Clock::time_point now, std::chrono::seconds every) {
  const std::int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return seconds - seconds % every.count();
}

}  // namespace

struct Scheduler::Impl {
  std::vector<ScheduledTask> tasks;
  JobQueue& queue;
  observe::Logger& logger;
  std::chrono::milliseconds tick;

  std::thread thread;
  std::mutex mutex;
  std::condition_variable stop_signal;
  bool stopping = false;  // guarded by mutex

  void run() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      lock.unlock();
      enqueue_due();
      lock.lock();
      stop_signal.wait_for(lock, tick, [this] { return stopping; });
    }
  }

  void enqueue_due() {
    const Clock::time_point now = Clock::now();
    for (const ScheduledTask& task : tasks) {
      const std::int64_t start = period_start(now, task.every);
      JobSpec spec{.kind = task.kind,
                   .payload_json = task.payload_json,
                   .dedupe_key = "schedule:" + task.kind + ":" + std::to_string(start)};
      try {
        const std::int64_t id = queue.enqueue(spec);
        logger.debug("scheduled job enqueued",
                     {{"kind", task.kind}, {"period_start", start}, {"job_id", id}});
      } catch (const std::exception& error) {
        // The next tick tries again; the dedupe key keeps it to one job per period.
        logger.error("scheduled job not enqueued", {{"kind", task.kind}, {"error", error.what()}});
      }
    }
  }
};

Scheduler::Scheduler(std::vector<ScheduledTask> tasks, JobQueue& queue, observe::Logger& logger,
                     std::chrono::milliseconds tick)
    : impl_(std::make_unique<Impl>(std::move(tasks), queue, logger, tick)) {
  for (const ScheduledTask& task : impl_->tasks) {
    if (task.kind.empty()) throw std::invalid_argument("ScheduledTask.kind must not be empty");
    if (task.every.count() <= 0)
      throw std::invalid_argument("ScheduledTask.every must be positive: " + task.kind);
  }
  if (tick.count() <= 0) throw std::invalid_argument("Scheduler tick must be positive");
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  if (impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void Scheduler::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->stop_signal.notify_all();
  impl_->thread.join();
}

void Scheduler::enqueue_due() {
  impl_->enqueue_due();
}

}  // namespace iv::jobs
