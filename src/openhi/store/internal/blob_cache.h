#pragma once
// BlobCache: an LRU cache of immutable blobs (frame codestreams) keyed by object key, bounded by
// total bytes. Frame blobs never change once written, so a cached blob is always correct; the
// catalog is still consulted on every read to decide whether the frame is visible.
// Thread-safe (one mutex; lookups are O(1)).
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "openhi/core/bytes.h"

namespace openhi::store {

class BlobCache {
 public:
  explicit BlobCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  std::shared_ptr<const Bytes> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }

  void Put(const std::string& key, std::shared_ptr<const Bytes> blob) {
    if (blob->size() > capacity_ / 4) return;  // never let one blob evict most of the cache
    std::lock_guard lock(mu_);
    if (index_.count(key)) return;
    lru_.emplace_front(key, std::move(blob));
    index_[key] = lru_.begin();
    size_ += lru_.front().second->size();
    while (size_ > capacity_ && !lru_.empty()) {
      size_ -= lru_.back().second->size();
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

  void Erase(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return;
    size_ -= it->second->second->size();
    lru_.erase(it->second);
    index_.erase(it);
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const Bytes>>;
  const size_t capacity_;
  std::mutex mu_;
  std::list<Entry> lru_;                                                  // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;     // GUARDED_BY(mu_)
  size_t size_ = 0;                                                       // GUARDED_BY(mu_)
};

}  // namespace openhi::store
