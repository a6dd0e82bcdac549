#pragma once
// EchoRunner: a trivial ModelRunner for tests, benchmarks and `openhi endpoint serve --runner
// echo`, until the app runner is plugged in. It needs no image data and no torch.
//
// Load(dir) reads dir/app.json (kInvalidArgument when missing or not a JSON object). Its optional
// "echo" object steers the fake, so that tests can package misbehaving models:
//   "size_bytes":   the LoadedModel's size estimate (default: the package's file bytes)
//   "fail_load":    Load() fails with kInvalidArgument and this message
//   "fail_invoke":  Invoke() fails with kInternal and this message
//   "throw_invoke": Invoke() throws std::runtime_error with this message
//   "sleep_ms":     Invoke() sleeps this long first (polling the CancellationToken every 5 ms)
// A request body may carry {"echo": {"sleep_ms": N}} too (added to the model's sleep).
//
// Invoke() writes scratch_dir/result.json ({"model", "inferenceId", "inputs": [...]}) and returns
// the summary {"runner": "echo", "app": <app.json "name">, "model", "inputs": N,
// "imageSetIds": [...]}. Thread-safe.
#include "openhi/hosting/model_runner.h"

namespace openhi::hosting {

class EchoRunner : public ModelRunner {
 public:
  Result<std::shared_ptr<const LoadedModel>> Load(
      const std::filesystem::path& package_dir) override;
  Result<InvocationResult> Invoke(const LoadedModel& model, const InvocationInput& input) override;
};

}  // namespace openhi::hosting
