#pragma once
// Running an app package (app/package.h) once, as `openhi run` does, callable from tests, the
// benchmarks and the hosting container:
//   1. a .tar.gz is unpacked (app::UnpackPackage, safe for untrusted archives) into a private
//      temporary folder under paths.workdir (or the system temp folder), removed afterwards;
//      a folder is used as it is (app::InspectPackage);
//   2. app.json is loaded with every operator openhi ships (RegisterAllOperators);
//   3. the graph runs once (app::Application::Run) on an AppContext with `paths` and `threads`;
//      each operator is timed and its peak RSS recorded;
//   4. the summary lists the files the run wrote under paths.output.
// Model path: paths.model when it is non-empty, else the package's (PackageInfo::model_path,
// e.g. <package>/models). Callers that resolve flags with app::ResolveAppPaths clear `model`
// when its source is "default", so that a package's own models win over ./models.
//
// Thread safety: runs may proceed concurrently only with distinct output folders; libtorch's
// thread count is process-wide (the last run's setting wins).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "openhi/app/app_json.h"
#include "openhi/app/app_paths.h"
#include "openhi/app/operator_registry.h"
#include "openhi/app/package.h"
#include "openhi/app/resource_cache.h"
#include "openhi/core/cancellation.h"
#include "openhi/core/status.h"

namespace openhi::runner {

// ops::RegisterBuiltinOperators + ops::RegisterTorchOperators. kAlreadyExists if called twice.
Status RegisterAllOperators(app::OperatorRegistry& registry);

struct OperatorRun {
  std::string name;  // as in app.json
  std::string type;  // operator type
  double seconds = 0;
  // The process's peak resident set while the operator ran (Linux VmHWM, reset before it
  // started through /proc/self/clear_refs); 0 when unknown.
  uint64_t peak_rss_bytes = 0;
};

struct RunSummary {
  app::AppInfo app;     // app.json name, version, description
  app::AppPaths paths;  // as used (model resolved)
  // Files created or modified under paths.output by this run, relative to it, sorted.
  std::vector<std::filesystem::path> outputs;
  std::vector<OperatorRun> operators;  // in execution order
  double total_seconds = 0;            // unpack + load + run
  uint64_t peak_rss_bytes = 0;         // max over the run (0 when unknown)
  std::vector<std::string> warnings;   // "<operator>: <message>", warnings and errors logged
};

struct RunOptions {
  size_t threads = 0;         // the app's CPU pool and libtorch threads; 0 = all cores
  app::PackageLimits limits;  // for .tar.gz packages
  // Per-operator peak RSS: reset the process's peak (VmHWM) before each operator through
  // /proc/self/clear_refs. Side effect: getrusage()'s ru_maxrss (and /usr/bin/time) then only
  // see the peak since the last reset; RunSummary::peak_rss_bytes stays the true peak of the
  // run. false: OperatorRun::peak_rss_bytes is the process peak so far (monotonic).
  bool per_operator_peak_rss = true;
  // Stops the run between operators, and inside the image-set loader's transfers and the
  // segmentation's forward passes; the run then fails with CancelledError
  // (core/cancellation.h). Not owned; may be null.
  const CancellationToken* cancel = nullptr;
  // Loaded models and other resources kept across runs of the same package (app/
  // resource_cache.h): the TorchScript model is loaded on the first run only. null: every run
  // loads its own.
  std::shared_ptr<app::ResourceCache> resources;
};

// Errors: kNotFound when package_or_dir does not exist; UnpackPackage's / InspectPackage's;
// LoadAppFromFile's (kInvalidArgument "app.json: ..."); the graph's first failure
// ("<operator>: message", code kept).
Result<RunSummary> RunAppPackage(const std::filesystem::path& package_or_dir,
                                 const app::AppPaths& paths, const RunOptions& options);
inline Result<RunSummary> RunAppPackage(const std::filesystem::path& package_or_dir,
                                        const app::AppPaths& paths, size_t threads = 0) {
  RunOptions options;
  options.threads = threads;
  return RunAppPackage(package_or_dir, paths, options);
}

// {"app": {...}, "paths": {...}, "outputs": [...], "operators": [{"name", "type", "seconds",
//  "peak_rss_bytes"}], "total_seconds": ..., "peak_rss_bytes": ..., "warnings": [...]}
nlohmann::json RunSummaryToJson(const RunSummary& summary);

}  // namespace openhi::runner
