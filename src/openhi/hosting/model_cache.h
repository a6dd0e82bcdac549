#pragma once
// ModelCache: the loaded models of one process, keyed by name, under a byte budget (LRU).
//
// Two ways in, one namespace:
//   * Acquire(target): the runtime path. `target` is the TargetModel, a path relative to the
//     model folder naming a `*.tar.gz` package (or "" for the model folder itself in single-model
//     mode, where it holds app.json directly). The package is unpacked safely
//     (app::UnpackPackage: no links, no path escapes, entry and size caps) and
//     loaded on first use; least-recently-used models are evicted to fit the budget. A package
//     replaced on disk (size or mtime changed) is reloaded; one dropped in is found on first use.
//   * Load/Get/List/Unload(name): the multi-model container API (/models, spec §5.2). Load never
//     evicts: it answers kResourceExhausted (HTTP 507) when the model does not fit, kAlreadyExists
//     (409) when the name is loaded. `url` must lie inside the model folder (a folder or package).
//
// Loads are single-flight: concurrent requests for a model that is loading wait for that load.
// The budget is charged LoadedModel::size_bytes() once a load finishes (so memory may briefly
// exceed it while a load runs). An evicted model stays alive until its last in-flight invocation
// releases it; its unpacked folder is deleted then.
//
// Thread safety: all methods may be called concurrently.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "openhi/app/package.h"
#include "openhi/hosting/model_runner.h"

namespace openhi::hosting {

struct ModelCacheOptions {
  std::filesystem::path model_dir;   // the packages (--model-dir)
  std::filesystem::path unpack_dir;  // private scratch for unpacked packages (created)
  uint64_t budget_bytes = 8ull << 30;
  app::PackageLimits unpack_limits;  // caps for untrusted packages (app/package.h)
};

struct ModelInfo {
  std::string name;
  std::string url;  // the package file or folder it was loaded from
  uint64_t size_bytes = 0;
};

struct ModelCacheStats {
  uint64_t loads = 0;          // successful loads
  uint64_t load_failures = 0;  // failed loads (bad package, runner error, too big)
  uint64_t hits = 0;           // Acquire found the model loaded
  uint64_t evictions = 0;      // models dropped to make room (not explicit unloads)
  uint64_t loaded_models = 0;  // gauge
  uint64_t loaded_bytes = 0;   // gauge
  double load_seconds_sum = 0;
};

class ModelCache {
 public:
  // `runner` must outlive the cache.
  ModelCache(ModelRunner& runner, ModelCacheOptions options);
  ~ModelCache();

  // The model for `target` (see the file comment), loading it if needed.
  // kInvalidArgument: a malformed target (absolute, "..", not *.tar.gz) or a bad package.
  // kNotFound: no such package. kResourceExhausted: it alone exceeds the budget.
  // Other runner errors as returned.
  Result<std::shared_ptr<const LoadedModel>> Acquire(std::string_view target);

  // Container API. See the file comment for the codes.
  Status Load(std::string_view name, std::string_view url);
  Result<std::shared_ptr<const LoadedModel>> GetLoaded(std::string_view name);  // kNotFound
  Result<ModelInfo> Get(std::string_view name);                                 // kNotFound
  std::vector<ModelInfo> List();  // sorted by name
  Status Unload(std::string_view name);  // kNotFound

  // Every `*.tar.gz` under the model folder, relative paths, sorted. kUnavailable when the
  // folder cannot be read (what /ping reports).
  Result<std::vector<std::string>> ListPackages() const;
  // True when the model folder holds app.json itself (a single, unpacked model).
  bool SingleModelFolder() const;

  ModelCacheStats stats() const;
  const ModelCacheOptions& options() const { return options_; }

 private:
  struct Entry;
  struct Fingerprint {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Fingerprint&) const = default;
  };
  // Inserts a loading entry for `name`; the caller must then call FinishLoad. REQUIRES(mu_).
  std::shared_ptr<Entry> StartLoadLocked(const std::string& name, std::filesystem::path source,
                                         Fingerprint fp, bool lazy);
  Result<std::shared_ptr<const LoadedModel>> FinishLoad(const std::shared_ptr<Entry>& entry);
  Result<std::shared_ptr<const LoadedModel>> LoadFromSource(const std::filesystem::path& source);
  void EvictToFitLocked(uint64_t incoming, const std::string& keep);
  void EraseLocked(std::map<std::string, std::shared_ptr<Entry>, std::less<>>::iterator it);

  ModelRunner& runner_;
  const ModelCacheOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;  // GUARDED_BY(mu_)
  uint64_t tick_ = 0;                                                   // GUARDED_BY(mu_)
  uint64_t loaded_bytes_ = 0;                                           // GUARDED_BY(mu_)
  ModelCacheStats stats_;                                               // GUARDED_BY(mu_)
};

// Validates a TargetModel value: 1..1024 printable characters, a relative path without "." or
// ".." segments or backslashes, ending in ".tar.gz". kInvalidArgument otherwise.
Status ValidateTargetModel(std::string_view target);

}  // namespace openhi::hosting
