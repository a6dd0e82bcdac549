#pragma once
// InvocationEngine: runs one invocation end to end, for the real-time paths and the async
// workers alike: parse the body, acquire the model (model_cache.h), run the runner in a fresh
// scratch folder under a deadline, upload the result files to the output location, and build
// the response JSON:
//
//   {"inferenceId": "...", "model": "<target>", "summary": {<runner summary>},
//    "outputs": [{"name": "seg.dcm", "location": "s3://bucket/prefix/<id>/seg.dcm", "bytes": N}]}
//
// Failures come back as an InvocationError whose kind says whose fault it is, which the HTTP
// frontend maps to SageMaker's modeled errors (ValidationError, ModelError, ...).
//
// Thread safety: Run() may be called concurrently; at most max_concurrent runs execute at once
// (the others wait for a slot up to their deadline, then fail with kBusy).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "openhi/core/status.h"
#include "openhi/hosting/model_cache.h"
#include "openhi/hosting/model_runner.h"
#include "openhi/objstore/object_store.h"

namespace openhi::hosting {

struct EngineOptions {
  // Where result files go: "<output>/<key_prefix><file>". Required.
  std::shared_ptr<objstore::Location> output;
  std::filesystem::path scratch_root;  // private scratch folders are created under it
  size_t max_concurrent = 0;           // runs at once; 0 = unlimited
};

struct InvocationRequest {
  std::string target_model;  // "" = the default model (see ModelCache::Acquire)
  // true: target_model is a /models name that must already be loaded (ModelCache::GetLoaded);
  // kNotFound otherwise (the container API's 404). false: ModelCache::Acquire (lazy).
  bool loaded_name = false;
  std::string body;
  std::string content_type;
  std::string custom_attributes;
  std::string inference_id;  // also names the output folder
  // Result files are written under this key prefix of the output location ("" or ending '/').
  std::string output_key_prefix;
  // The output location for this request; null = EngineOptions::output.
  std::shared_ptr<objstore::Location> output;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

struct InvocationError {
  enum class Kind {
    kValidation,  // the request is wrong (body, target, unknown package): fix the input
    kModel,       // the model or its package failed (load or run), incl. timeouts
    kBusy,        // no free slot before the deadline: retry later
    kInternal,    // hosting itself failed (object store, disk)
  };
  Kind kind = Kind::kInternal;
  // The HTTP status a SageMaker container would answer for this failure (400, 404, 408, 500,
  // 507); ModelError carries it as OriginalStatusCode.
  int original_status = 500;
  Status status;
};

struct InvocationOutcome {
  bool ok() const { return !error.has_value(); }
  nlohmann::json response;  // when ok
  std::optional<InvocationError> error;
};

class InvocationEngine {
 public:
  // `cache` and `runner` must outlive the engine.
  InvocationEngine(ModelCache& cache, ModelRunner& runner, EngineOptions options);

  InvocationOutcome Run(const InvocationRequest& request);

  // Runs currently executing (a gauge).
  size_t active() const;
  const EngineOptions& options() const { return options_; }

 private:
  bool AcquireSlot(std::chrono::steady_clock::time_point deadline);
  void ReleaseSlot();
  InvocationOutcome RunWithSlot(const InvocationRequest& request,
                                std::chrono::steady_clock::time_point deadline);

  ModelCache& cache_;
  ModelRunner& runner_;
  const EngineOptions options_;
  mutable std::mutex mu_;
  std::condition_variable slot_cv_;
  size_t active_ = 0;  // GUARDED_BY(mu_)
};

// Uploads every regular file under `dir` to `location` at "<key_prefix><relative path>" and
// returns [{"name", "location", "bytes"}], sorted by name.
Result<nlohmann::json> UploadFolder(const std::filesystem::path& dir, objstore::Location& location,
                                    const std::string& key_prefix);

}  // namespace openhi::hosting
