#pragma once
// HostedAppRunner: app packages (runner/run_app.h) behind hosting's ModelRunner interface
// (hosting/model_runner.h), what `openhi endpoint serve --runner app` hosts (cli/
// endpoint_commands.cc, MakeModelRunner) and what bench/hosting_bench measures. It lives here,
// not in hosting: hosting never links libtorch or the app SDK.
//
// Load(dir): app::InspectPackage of the unpacked package folder; the HostedAppModel keeps its
// description and a ResourceCache; its size estimate is the package's file bytes.
// Invoke: one app run (RunAppPackage) per image set of the request, in request order:
//   - the reference {"datastoreId","imageSetId"} is written as
//     work_dir/input<i>/inputImageSets.json (what the AHIDataLoaderOperator reads from the input
//     path, as in the AWS blog); the app's workdir is work_dir/work<i>;
//   - the app writes into scratch_dir, or scratch_dir/<imageSetId> when the request names
//     several image sets;
//   - the package's own models are used; RunOptions: the configured threads, no per-operator
//     peak RSS (concurrent runs share the process), the invocation's cancel token (checked
//     before each image set, between operators, inside image-set transfers and between forward
//     passes: the run then fails with CancelledError), and the model's ResourceCache, so the
//     TorchScript model is loaded on the first invocation only (app.json is re-read per run: it
//     is small, and the graph holds per-run state).
// The AHI endpoint and credentials come from the environment (AWS_ENDPOINT_URL_MEDICAL_IMAGING,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as for `openhi run`.
//
// Summary returned to the client:
//   {"app": name, "version": version, "imageSets": N,
//    "runs": [RunSummaryToJson(run) without "paths", with "outputs" relative to scratch_dir]}
// (the client sees result names as in the response's "outputs", never the server's own scratch
// paths, which are deleted after the upload).
//
// Thread safety: as ModelRunner requires (concurrent Invoke on one model, concurrent Load of
// different folders). libtorch's thread count is process-wide (run_app.h).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "openhi/app/package.h"
#include "openhi/app/resource_cache.h"
#include "openhi/core/status.h"
#include "openhi/hosting/model_runner.h"

namespace openhi::runner {

struct HostedAppRunnerOptions {
  size_t threads = 0;  // CPU threads per invocation (RunOptions::threads; 0: all cores)
};

// What HostedAppRunner::Load returns. Immutable after Load, apart from the ResourceCache (which
// is thread-safe).
class HostedAppModel : public hosting::LoadedModel {
 public:
  HostedAppModel(app::PackageInfo info, uint64_t bytes);
  const app::PackageInfo& info() const { return info_; }
  // Resources kept across invocations of this model (the TorchScript model after the first).
  const std::shared_ptr<app::ResourceCache>& resources() const { return resources_; }
  // The package's file bytes.
  uint64_t size_bytes() const override { return bytes_; }

 private:
  const app::PackageInfo info_;
  const std::shared_ptr<app::ResourceCache> resources_ = std::make_shared<app::ResourceCache>();
  const uint64_t bytes_;
};

class HostedAppRunner : public hosting::ModelRunner {
 public:
  explicit HostedAppRunner(HostedAppRunnerOptions options = {}) : options_(options) {}

  // InspectPackage's errors (kNotFound without app.json, kInvalidArgument for a bad one).
  Result<std::shared_ptr<const hosting::LoadedModel>> Load(
      const std::filesystem::path& package_dir) override;

  // kInvalidArgument when `model` did not come from a HostedAppRunner; CancelledError when
  // input.cancel stops it; otherwise the first failing run's error (RunAppPackage's).
  Result<hosting::InvocationResult> Invoke(const hosting::LoadedModel& model,
                                           const hosting::InvocationInput& input) override;

 private:
  const HostedAppRunnerOptions options_;
};

inline std::unique_ptr<hosting::ModelRunner> MakeHostedAppRunner(
    HostedAppRunnerOptions options = {}) {
  return std::make_unique<HostedAppRunner>(options);
}

}  // namespace openhi::runner
