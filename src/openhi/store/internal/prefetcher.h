#pragma once
// Prefetcher: reads input objects in index order on its own thread, at most `depth` objects
// ahead of the consumers, so that storage latency overlaps with CPU work (decode, encode) on the
// import pool instead of idling a core. Memory is bounded by `depth` objects.
//
// Thread safety: Take() may be called from any number of threads; each index exactly once.
// The destructor stops the reader and joins it.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/objstore/object_store.h"

namespace openhi::store {

class Prefetcher {
 public:
  // `store` must outlive the prefetcher.
  Prefetcher(objstore::ObjectStore& store, std::vector<std::string> keys, size_t depth)
      : store_(store), keys_(std::move(keys)), depth_(depth), slots_(keys_.size()) {
    reader_ = std::thread([this] { ReadLoop(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    reader_.join();
  }

  // Blocks until object `index` is read, then hands it over.
  Result<Bytes> Take(size_t index) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return slots_[index].has_value(); });
    Result<Bytes> r = std::move(*slots_[index]);
    slots_[index].reset();
    ++taken_;
    cv_.notify_all();
    return r;
  }

 private:
  void ReadLoop() {
    for (size_t i = 0; i < keys_.size(); ++i) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || i < taken_ + depth_; });
        if (stopping_) return;
      }
      Result<Bytes> r = store_.Get(keys_[i]);
      {
        std::lock_guard lock(mu_);
        slots_[i] = std::move(r);
      }
      cv_.notify_all();
    }
  }

  objstore::ObjectStore& store_;
  const std::vector<std::string> keys_;
  const size_t depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Result<Bytes>>> slots_;  // GUARDED_BY(mu_)
  size_t taken_ = 0;                                 // GUARDED_BY(mu_)
  bool stopping_ = false;                            // GUARDED_BY(mu_)
  std::thread reader_;
};

}  // namespace openhi::store
