#pragma once
// ThreadPool: the one CPU work executor of openhi (DESIGN.md §3 "parallelism").
//
// A fixed set of worker threads draining one FIFO queue. Tasks must not block on other tasks of
// the same pool (no nested waits). Thread-safe: Submit and ParallelFor may be called from any
// thread. The destructor drains the queue and joins the workers.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace openhi {

class ThreadPool {
 public:
  // `threads` == 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(size_t threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  // Queues `task`; the future is ready when it has run.
  std::future<void> Submit(std::function<void()> task);

  // Runs fn(i) for i in [0, n) on the pool and waits for all of them. The calling thread
  // must not be a worker of this pool.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                         // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;
};

}  // namespace openhi
