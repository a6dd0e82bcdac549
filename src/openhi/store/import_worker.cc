#include "openhi/store/import_worker.h"

#include "openhi/core/logging.h"

namespace openhi::store {

ImportWorker::ImportWorker(Store& store) : store_(store), thread_([this] { Loop(); }) {}

ImportWorker::~ImportWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ImportWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

void ImportWorker::Loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return pending_ || stopping_; });
      if (stopping_) return;
      pending_ = false;
    }
    Status s = store_.RunPendingImports();
    if (!s.ok()) LogError("import.worker " + s.ToString());
  }
}

}  // namespace openhi::store
