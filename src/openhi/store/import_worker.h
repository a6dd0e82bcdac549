#pragma once
// ImportWorker: one background thread that runs queued import jobs (Store::RunPendingImports)
// whenever it is woken, and once at start (crash recovery). Used by `openhi store serve`.
// Thread safety: Wake() may be called from any thread. The destructor finishes the job in
// progress, then joins.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "openhi/store/store.h"

namespace openhi::store {

class ImportWorker {
 public:
  explicit ImportWorker(Store& store);  // `store` must outlive the worker
  ~ImportWorker();
  ImportWorker(const ImportWorker&) = delete;
  ImportWorker& operator=(const ImportWorker&) = delete;

  void Wake();

 private:
  void Loop();

  Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = true;    // GUARDED_BY(mu_): run once at start
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace openhi::store
