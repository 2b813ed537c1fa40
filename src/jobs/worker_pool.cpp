#include "jobs/worker_pool.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

#include <unistd.h>

#include "jobs/job_queue.h"
#include "observe/log.h"
#include "observe/metrics.h"

namespace iv::jobs {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// How often the dead-letter and backlog gauges are re-read from the queue.
constexpr auto kStatsInterval = std::chrono::seconds(5);
// The monitor wakes at least this often, and heartbeats no more often than the floor.
constexpr auto kMonitorMaxSleep = std::chrono::seconds(1);
constexpr auto kHeartbeatFloor = milliseconds(100);

std::string default_worker_id() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    return "worker:" + std::to_string(getpid());
  }
  return std::string(host.data()) + ":" + std::to_string(getpid());
}

// Handler times range from a local insert to a slow CRM call.
std::vector<double> duration_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

// A handler that saved nothing keeps the progress saved on earlier attempts,
// so a bare Retry{"timeout"} or an exception cannot wipe what a retry needs.
const std::string& state_or_saved(const std::string& state_json, const Job& job) {
  return state_json.empty() ? job.state_json : state_json;
}

struct KindMetrics {
  observe::Counter* done;
  observe::Counter* retry;
  observe::Counter* wait;
  observe::Counter* dead;
  observe::Counter* lost;
  observe::Histogram* duration;
};

struct QueueGauges {
  observe::Gauge* ready;
  observe::Gauge* scheduled;
  observe::Gauge* running;
  observe::Gauge* dead;
};

}  // namespace

struct WorkerPool::Impl {
  Impl(WorkerPoolSettings pool_settings, JobQueue& job_queue, observe::Logger& log,
       observe::MetricsRegistry& registry)
      : settings(std::move(pool_settings)), queue(job_queue), logger(log), metrics(registry) {
    if (settings.worker_id.empty()) settings.worker_id = default_worker_id();
  }

  // A leased job whose lease the monitor keeps extending while its handler runs.
  struct RunningJob {
    Job job;  // id, kind and lease token only: all heartbeat() needs
    std::chrono::seconds lease;
    SteadyClock::duration interval;
    SteadyClock::time_point next_beat;
  };

  WorkerPoolSettings settings;
  JobQueue& queue;
  observe::Logger& logger;
  observe::MetricsRegistry& metrics;

  // Fixed once start() has run.
  std::map<std::string, JobHandler*> handlers;
  std::map<std::string, KindMetrics> kind_metrics;
  std::vector<std::string> kinds;
  std::chrono::seconds lease_for{1};
  bool started = false;

  std::vector<std::thread> workers;
  std::thread monitor;
  std::map<std::string, QueueGauges> gauges;  // used by the monitor, then by stop() after joining it

  std::mutex mutex;
  std::condition_variable work_signal;         // idle workers wait here
  std::condition_variable monitor_signal;      // the monitor waits here
  bool stopping = false;                       // guarded by mutex: workers stop leasing
  bool monitor_stopping = false;               // guarded by mutex
  std::uint64_t wake_generation = 0;           // guarded by mutex; wake() increments it
  std::map<std::int64_t, RunningJob> running;  // guarded by mutex

  // ---- metrics ----------------------------------------------------------------

  KindMetrics make_kind_metrics(const std::string& kind) {
    auto processed = [&](const char* outcome) {
      return &metrics.counter("jobs_processed_total",
                              "Jobs processed, by outcome (done, retry, wait, dead, lost)",
                              {{"kind", kind}, {"outcome", outcome}});
    };
    return KindMetrics{processed("done"),
                       processed("retry"),
                       processed("wait"),
                       processed("dead"),
                       processed("lost"),
                       &metrics.histogram("job_duration_seconds", "Time one job attempt ran",
                                          duration_buckets(), {{"kind", kind}})};
  }

  QueueGauges& gauges_for(const std::string& kind) {
    auto found = gauges.find(kind);
    if (found != gauges.end()) return found->second;
    const observe::Labels labels{{"kind", kind}};
    QueueGauges made{
        &metrics.gauge("jobs_ready", "Jobs runnable now", labels),
        &metrics.gauge("jobs_scheduled", "Jobs waiting for their run time (retries, waits)", labels),
        &metrics.gauge("jobs_running", "Jobs leased by a worker", labels),
        &metrics.gauge("jobs_dead", "Dead letters: jobs that failed for good", labels)};
    return gauges.emplace(kind, made).first->second;
  }

  // Kinds that no longer have jobs drop to zero rather than keep their last value.
  void refresh_gauges() {
    std::vector<std::pair<std::string, QueueStats>> by_kind;
    try {
      by_kind = queue.stats_by_kind();
    } catch (const std::exception& error) {
      logger.warn("job stats failed", {{"error", error.what()}});
      return;
    }
    for (auto& [kind, gauge] : gauges) {
      gauge.ready->set(0);
      gauge.scheduled->set(0);
      gauge.running->set(0);
      gauge.dead->set(0);
    }
    for (const auto& [kind, stats] : by_kind) {
      QueueGauges& gauge = gauges_for(kind);
      gauge.ready->set(static_cast<double>(stats.ready));
      gauge.scheduled->set(static_cast<double>(stats.scheduled));
      gauge.running->set(static_cast<double>(stats.running));
      gauge.dead->set(static_cast<double>(stats.dead));
    }
  }

  // ---- workers ----------------------------------------------------------------

  void worker_loop(const std::string& worker_id) {
    std::mt19937_64 random(std::random_device{}());
    while (true) {
      std::uint64_t generation = 0;
      {
        std::lock_guard lock(mutex);
        if (stopping) return;
        generation = wake_generation;  // read before leasing, so a wake() during the lease is not missed
      }
      std::optional<Job> job;
      try {
        job = queue.lease(worker_id, kinds, lease_for);
      } catch (const std::exception& error) {
        logger.error("job lease failed", {{"worker", worker_id}, {"error", error.what()}});
      }
      if (job) {
        process(*job, random);
        continue;
      }
      std::unique_lock lock(mutex);
      work_signal.wait_for(lock, settings.idle_poll,
                           [&] { return stopping || wake_generation != generation; });
    }
  }

  void process(const Job& job, std::mt19937_64& random) {
    JobHandler& handler = *handlers.at(job.kind);  // lease() only returns the registered kinds
    KindMetrics& counters = kind_metrics.at(job.kind);
    logger.info("job started", {{"job_id", job.id}, {"kind", job.kind}, {"attempt", job.attempt}});
    track(job, handler.lease_duration());
    const auto started_at = SteadyClock::now();
    JobResult result = run_handler(handler, job);
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - started_at).count();
    untrack(job.id);
    counters.duration->observe(seconds);
    try {
      record(job, result, seconds, counters, random);
    } catch (const std::exception& error) {
      // The lease expires and the job runs again: at-least-once.
      logger.error(
          "job outcome not recorded",
          {{"job_id", job.id}, {"kind", job.kind}, {"attempt", job.attempt}, {"error", error.what()}});
    }
  }

  static JobResult run_handler(JobHandler& handler, const Job& job) {
    try {
      return handler.run(job);
    } catch (const std::exception& error) {
      return Retry{.error = error.what(), .state_json = job.state_json, .after = std::nullopt};
    } catch (...) {
      return Retry{.error = "unknown exception", .state_json = job.state_json, .after = std::nullopt};
    }
  }

  void record(const Job& job, const JobResult& result, double seconds, KindMetrics& counters,
              std::mt19937_64& random) {
    const std::int64_t duration_ms = std::llround(seconds * 1000);
    if (const auto* done = std::get_if<Done>(&result)) {
      if (!lease_lost(queue.complete(job, state_or_saved(done->state_json, job)), job, counters)) {
        counters.done->inc();
        logger.info(
            "job finished",
            {{"job_id", job.id}, {"kind", job.kind}, {"attempt", job.attempt}, {"duration_ms", duration_ms}});
      }
    } else if (const auto* retry = std::get_if<Retry>(&result)) {
      if (job.attempt >= job.max_attempts) {
        bury(job, retry->error, state_or_saved(retry->state_json, job), duration_ms, counters);
        return;
      }
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      const std::chrono::milliseconds delay = retry->after
                                                  ? std::chrono::milliseconds(*retry->after)
                                                  : settings.retry.delay_for(job.attempt, unit(random));
      if (!lease_lost(
              queue.retry(job, retry->error, state_or_saved(retry->state_json, job), Clock::now() + delay),
              job, counters)) {
        counters.retry->inc();
        logger.warn("job retry", {{"job_id", job.id},
                                  {"kind", job.kind},
                                  {"attempt", job.attempt},
                                  {"duration_ms", duration_ms},
                                  {"retry_in_s", std::int64_t{delay.count()}},
                                  {"error", retry->error}});
      }
    } else if (const auto* fail = std::get_if<Fail>(&result)) {
      bury(job, fail->error, job.state_json, duration_ms, counters);
    } else if (const auto* wait = std::get_if<Wait>(&result)) {
      if (!lease_lost(queue.wait(job, wait->reason, Clock::now() + wait->after), job, counters)) {
        counters.wait->inc();
        logger.info("job waiting", {{"job_id", job.id},
                                    {"kind", job.kind},
                                    {"duration_ms", duration_ms},
                                    {"retry_in_s", std::int64_t{wait->after.count()}},
                                    {"reason", wait->reason}});
      }
    }
  }

  void bury(const Job& job, const std::string& error, const std::string& state_json, std::int64_t duration_ms,
            KindMetrics& counters) {
    if (lease_lost(queue.bury(job, error, state_json), job, counters)) return;
    counters.dead->inc();
    logger.error("job dead", {{"job_id", job.id},
                              {"kind", job.kind},
                              {"attempt", job.attempt},
                              {"max_attempts", job.max_attempts},
                              {"duration_ms", duration_ms},
                              {"error", error}});
  }

  // Returns true (and reports) when a transition found the lease gone: another
  // worker took the job over after it expired, and this outcome is dropped.
  bool lease_lost(bool recorded, const Job& job, KindMetrics& counters) {
    if (recorded) return false;
    counters.lost->inc();
    logger.warn("job lease lost", {{"job_id", job.id}, {"kind", job.kind}, {"attempt", job.attempt}});
    return true;
  }

  // ---- heartbeats -------------------------------------------------------------

  void track(const Job& job, std::chrono::seconds lease) {
    const SteadyClock::duration interval =
        std::max<SteadyClock::duration>(duration_cast<SteadyClock::duration>(lease) / 3, kHeartbeatFloor);
    Job key;
    key.id = job.id;
    key.kind = job.kind;
    key.lease_token = job.lease_token;
    {
      std::lock_guard lock(mutex);
      running.insert_or_assign(job.id,
                               RunningJob{std::move(key), lease, interval, SteadyClock::now() + interval});
    }
    monitor_signal.notify_one();  // its next wake-up may now be too late
  }

  void untrack(std::int64_t job_id) {
    std::lock_guard lock(mutex);
    running.erase(job_id);
  }

  // Heartbeats and gauge refreshes, on one thread so workers never pause for them.
  void monitor_loop() {
    auto next_stats = SteadyClock::now();
    std::unique_lock lock(mutex);
    while (!monitor_stopping) {
      const auto now = SteadyClock::now();
      std::vector<RunningJob> due;
      auto wake_at = std::min(next_stats, now + kMonitorMaxSleep);
      for (auto& [id, entry] : running) {
        if (entry.next_beat <= now) {
          due.push_back(entry);
          entry.next_beat = now + entry.interval;
        }
        wake_at = std::min(wake_at, entry.next_beat);
      }
      const bool stats_due = next_stats <= now;
      if (stats_due) next_stats = now + kStatsInterval;
      if (!due.empty() || stats_due) {
        lock.unlock();
        for (const RunningJob& entry : due) extend_lease(entry);
        if (stats_due) refresh_gauges();
        lock.lock();
        continue;
      }
      monitor_signal.wait_until(lock, wake_at);
    }
  }

  void extend_lease(const RunningJob& entry) {
    bool extended = false;
    try {
      extended = queue.heartbeat(entry.job, entry.lease);
    } catch (const std::exception& error) {
      logger.warn("job heartbeat failed",
                  {{"job_id", entry.job.id}, {"kind", entry.job.kind}, {"error", error.what()}});
      return;
    }
    if (extended) return;
    std::lock_guard lock(mutex);
    // A job that finished meanwhile has no lease to extend; only a running one lost it.
    if (running.contains(entry.job.id)) {
      logger.warn("job lease lost while running", {{"job_id", entry.job.id}, {"kind", entry.job.kind}});
    }
  }
};

WorkerPool::WorkerPool(WorkerPoolSettings settings, JobQueue& queue, observe::Logger& logger,
                       observe::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), queue, logger, metrics)) {}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::register_handler(const std::string& kind, JobHandler& handler) {
  if (impl_->started) throw std::logic_error("WorkerPool::register_handler after start()");
  if (kind.empty()) throw std::invalid_argument("WorkerPool: empty job kind");
  if (!impl_->handlers.emplace(kind, &handler).second) {
    throw std::invalid_argument("WorkerPool: a handler for \"" + kind + "\" is already registered");
  }
  impl_->kind_metrics.emplace(kind, impl_->make_kind_metrics(kind));
  impl_->gauges_for(kind);  // so /metrics lists every kind from the start, with zeros
}

void WorkerPool::start() {
  Impl& pool = *impl_;
  if (pool.started) return;
  if (pool.handlers.empty()) {
    // Leasing with no kinds means "all kinds": never lease jobs nobody here can run.
    pool.logger.warn("worker pool not started: no job handlers registered");
    return;
  }
  pool.kinds.clear();
  for (const auto& [kind, handler] : pool.handlers) {
    pool.kinds.push_back(kind);
    // One lease() call covers all kinds, so it takes the longest: a job is
    // never taken over early, and a dead worker's short jobs wait a little longer.
    pool.lease_for = std::max(pool.lease_for, handler->lease_duration());
  }
  {
    std::lock_guard lock(pool.mutex);
    pool.stopping = false;
    pool.monitor_stopping = false;
  }
  pool.started = true;
  pool.monitor = std::thread([&pool] { pool.monitor_loop(); });
  const int threads = std::max(pool.settings.threads, 1);
  for (int i = 0; i < threads; ++i) {
    pool.workers.emplace_back([&pool, worker_id = pool.settings.worker_id + "/" + std::to_string(i)] {
      pool.worker_loop(worker_id);
    });
  }
  pool.logger.info("worker pool started", {{"threads", threads}, {"worker", pool.settings.worker_id}});
}

void WorkerPool::stop() {
  Impl& pool = *impl_;
  if (!pool.started) return;
  {
    std::lock_guard lock(pool.mutex);
    pool.stopping = true;
  }
  pool.work_signal.notify_all();
  for (std::thread& worker : pool.workers) worker.join();
  pool.workers.clear();
  // The monitor kept the running jobs' leases alive until here.
  {
    std::lock_guard lock(pool.mutex);
    pool.monitor_stopping = true;
  }
  pool.monitor_signal.notify_all();
  pool.monitor.join();
  pool.refresh_gauges();
  pool.started = false;
  pool.logger.info("worker pool stopped", {{"worker", pool.settings.worker_id}});
}

void WorkerPool::wake() {
  {
    std::lock_guard lock(impl_->mutex);
    ++impl_->wake_generation;
  }
  impl_->work_signal.notify_all();
}

}  // namespace iv::jobs
