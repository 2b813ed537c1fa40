// A few threads for request work that must not run on the server's I/O
// threads (fsync, database commits after a streamed upload body), so a
// handler can answer with a PendingResponse and fulfil it from here.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace iv::web {

class BlockingWork {
 public:
  explicit BlockingWork(int threads);
  ~BlockingWork();  // runs what is queued, then joins
  BlockingWork(const BlockingWork&) = delete;
  BlockingWork& operator=(const BlockingWork&) = delete;

  // Runs `task` on one of the threads. A task must not throw.
  void post(std::function<void()> task);

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace iv::web
