// Periodic tasks (retention purges) that run once per period across all
// processes: each period enqueues one job with dedupe_key
// "schedule:<kind>:<period start>", so only the first process to try succeeds.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace iv::observe {
class Logger;
}

namespace iv::jobs {

class JobQueue;

struct ScheduledTask {
  std::string kind;  // job kind; its handler does the work
  std::chrono::seconds every{86400};
  std::string payload_json = "{}";
};

class Scheduler {
 public:
  Scheduler(std::vector<ScheduledTask> tasks, JobQueue& queue, observe::Logger& logger,
            std::chrono::milliseconds tick = std::chrono::seconds(30));
  ~Scheduler();  // stops
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  void start();
  void stop();
  // Enqueues every task's job for the current period (idempotent); start() calls it each tick.
  void enqueue_due();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iv::jobs
