#pragma once
// ResourceCache: expensive, immutable things operators load (a TorchScript model, a lookup
// table) kept beyond one app run, so that a host that runs the same package many times (the
// hosting container) loads them once. Keys are chosen by the operator and should name what was
// loaded completely (e.g. "torch-model:" + the absolute path and load options).
//
// Ownership: values are shared_ptr<const T>; a value stays alive while the cache or any run
// holds it. The owner of the cache (e.g. hosting's loaded model) decides its lifetime; an app run
// without a cache (AppContext::resources() == nullptr) simply loads every time.
//
// Thread safety: GetOrCreate may be called concurrently. Creation runs under the cache's lock,
// so concurrent first uses of a key create it once (loads of other keys wait meanwhile: caches
// are per package and hold few, slow-to-make entries). A failed creation is not cached. The
// cached objects themselves must be safe to use from several runs at once.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <utility>

#include "openhi/core/status.h"

namespace openhi::app {

class ResourceCache {
 public:
  // The value under `key`, created by `make` on first use. kFailedPrecondition when `key`
  // holds a value of another type; `make`'s error otherwise.
  template <typename T>
  Result<std::shared_ptr<const T>> GetOrCreate(
      const std::string& key, const std::function<Result<std::shared_ptr<const T>>()>& make) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (it->second.type != std::type_index(typeid(T))) {
        return FailedPrecondition("resource '" + key + "' holds another type");
      }
      return std::static_pointer_cast<const T>(it->second.value);
    }
    OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const T> value, make());
    entries_.emplace(key, Entry{std::type_index(typeid(T)), value});
    return value;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::type_index type;
    std::shared_ptr<const void> value;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace openhi::app
