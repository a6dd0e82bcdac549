#pragma once
// ModelRunner: what hosting needs from an application runtime, and nothing more. Hosting never
// links libtorch or the app SDK; the `openhi endpoint` command picks a runner through one factory
// (cli/endpoint_commands.cc, MakeModelRunner) and hands it to the library.
//
// Life cycle: Load() turns an unpacked package folder (app.json + weights) into a LoadedModel,
// which hosting keeps in its LRU cache (model_cache.h) and shares between concurrent
// invocations. Invoke() runs one request against a LoadedModel and writes its result files into
// a private scratch folder; hosting uploads them to the output location afterwards.
//
// Thread safety: implementations must allow concurrent Invoke() calls on the same LoadedModel
// and concurrent Load() calls of different folders. Exceptions escaping Load() or Invoke() are
// caught by hosting and reported as model errors (a throwing model never takes the server down).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/core/cancellation.h"
#include "openhi/core/status.h"

namespace openhi::hosting {

// One image set the request names, as the AWS blog's payload carries it.
struct ImageSetRef {
  std::string datastore_id;
  std::string image_set_id;
};

// Cooperative cancellation is core's CancellationToken (core/cancellation.h): hosting gives each
// invocation one whose deadline is InvocationTimeoutSeconds (or the real-time limit). A runner should poll it between steps and then return
// CancelledError(). Hosting cannot stop a runner that never polls; it reports the timeout once
// the runner returns.

// A model ready to serve. Immutable after Load(); shared by concurrent invocations.
class LoadedModel {
 public:
  virtual ~LoadedModel() = default;
  // Estimated resident bytes (host plus device memory) while loaded; the cache budget
  // (--model-cache-bytes) is charged this amount.
  virtual uint64_t size_bytes() const = 0;
};

struct InvocationInput {
  std::string model_name;           // the TargetModel / model_name it was loaded as
  std::vector<ImageSetRef> inputs;  // parsed from the body; at least one
  std::string body;                 // the raw request body (JSON)
  std::string content_type;         // as the client sent it ("" if none)
  std::string custom_attributes;    // X-Amzn-SageMaker-Custom-Attributes ("" if none)
  std::string inference_id;         // the server's id for this invocation
  // A fresh, empty, private folder: the runner writes its result files here (e.g. seg.dcm,
  // spleen.stl). Hosting uploads every regular file in it, then deletes it.
  std::filesystem::path scratch_dir;
  // A second fresh, private folder for anything that is not a result (inputs the runner writes
  // for an app, temporary files); never uploaded, deleted afterwards.
  std::filesystem::path work_dir;
  const CancellationToken* cancel = nullptr;  // never null when hosting calls Invoke
};

struct InvocationResult {
  // The runner's summary (any JSON object), returned to the client under "summary".
  nlohmann::json summary = nlohmann::json::object();
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;

  // Loads the package unpacked at `package_dir`.
  // Errors: kInvalidArgument for a malformed package (no app.json, bad JSON), kResourceExhausted
  // when it does not fit in memory, anything else as the runtime reports it.
  virtual Result<std::shared_ptr<const LoadedModel>> Load(
      const std::filesystem::path& package_dir) = 0;

  // Runs one request. Errors: kInvalidArgument (the request does not suit the app), kNotFound
  // (an unknown image set), CancelledError() or kDeadlineExceeded (cancelled), anything else as a model
  // failure. Every error becomes a ModelError (real-time) or a failure object (async).
  virtual Result<InvocationResult> Invoke(const LoadedModel& model,
                                          const InvocationInput& input) = 0;
};

}  // namespace openhi::hosting
