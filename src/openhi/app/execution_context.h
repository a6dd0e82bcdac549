#pragma once
// AppContext: what one run of an application shares: its paths (app_paths.h), the CPU thread
// pool operators may use, where log lines go, an optional cancellation token (checked by the
// executor between operators and by long-running operators between their own steps) and an
// optional cache of loaded resources that outlives the run (resource_cache.h). ExecutionContext: the view of it one
// operator's Compute gets (its own name in every log line).
//
// Thread safety: AppContext is thread-safe once constructed (the pool is created on first use
// under a lock; the log observer, token and cache must be set before Run and must itself be thread-safe: an
// operator may log from pool threads). ExecutionContext is a cheap per-Compute value.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "openhi/app/app_paths.h"
#include "openhi/app/resource_cache.h"
#include "openhi/core/cancellation.h"
#include "openhi/core/logging.h"
#include "openhi/core/thread_pool.h"

namespace openhi::app {

// Receives every operator log line (level, operator name, message), e.g. to collect warnings.
using LogObserver =
    std::function<void(LogLevel level, std::string_view operator_name, std::string_view message)>;

class AppContext {
 public:
  // `threads` sizes the shared pool (0 = hardware concurrency).
  explicit AppContext(AppPaths paths = {}, size_t threads = 0);

  const AppPaths& paths() const { return paths_; }
  size_t threads() const { return threads_; }

  // The shared CPU pool, created on first use. Holders of the shared_ptr (e.g. a lazily
  // decoding PixelSource) keep it alive beyond the context.
  std::shared_ptr<ThreadPool> thread_pool() const;

  void set_log_observer(LogObserver observer) { observer_ = std::move(observer); }

  // Not owned; must outlive the run. nullptr (the default): never cancelled.
  void set_cancellation(const CancellationToken* token) { cancel_ = token; }
  const CancellationToken* cancellation() const { return cancel_; }
  bool cancelled() const { return IsCancelled(cancel_); }

  // Shared with the caller; nullptr (the default): operators load what they need every run.
  void set_resources(std::shared_ptr<ResourceCache> resources) {
    resources_ = std::move(resources);
  }
  ResourceCache* resources() const { return resources_.get(); }

  // Writes "operator=<name> <message>" to the openhi log and to the observer, if any.
  void Log(LogLevel level, std::string_view operator_name, std::string_view message) const;

 private:
  AppPaths paths_;
  size_t threads_;
  mutable std::mutex pool_mu_;
  mutable std::shared_ptr<ThreadPool> pool_;  // GUARDED_BY(pool_mu_)
  LogObserver observer_;
  const CancellationToken* cancel_ = nullptr;
  std::shared_ptr<ResourceCache> resources_;
};

class ExecutionContext {
 public:
  ExecutionContext(const AppContext& app, std::string operator_name)
      : app_(app), operator_name_(std::move(operator_name)) {}

  const AppContext& app() const { return app_; }
  const std::string& operator_name() const { return operator_name_; }
  const std::filesystem::path& input_path() const { return app_.paths().input; }
  const std::filesystem::path& output_path() const { return app_.paths().output; }
  const std::filesystem::path& model_path() const { return app_.paths().model; }
  const std::filesystem::path& workdir() const { return app_.paths().workdir; }
  std::shared_ptr<ThreadPool> thread_pool() const { return app_.thread_pool(); }
  // See AppContext: a long-running Compute polls cancelled() between its steps and returns
  // CancelledError() (core/cancellation.h); cancellation() may be null.
  const CancellationToken* cancellation() const { return app_.cancellation(); }
  bool cancelled() const { return app_.cancelled(); }
  ResourceCache* resources() const { return app_.resources(); }

  // Never log PHI (patient names or IDs) at info or above (STYLE.md).
  void LogDebug(std::string_view m) const { app_.Log(LogLevel::kDebug, operator_name_, m); }
  void LogInfo(std::string_view m) const { app_.Log(LogLevel::kInfo, operator_name_, m); }
  void LogWarn(std::string_view m) const { app_.Log(LogLevel::kWarn, operator_name_, m); }
  void LogError(std::string_view m) const { app_.Log(LogLevel::kError, operator_name_, m); }

 private:
  const AppContext& app_;
  std::string operator_name_;
};

}  // namespace openhi::app
