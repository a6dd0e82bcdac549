#include "openhi/app/execution_context.h"

#include <string>

namespace openhi::app {

AppContext::AppContext(AppPaths paths, size_t threads)
    : paths_(std::move(paths)), threads_(threads) {}

std::shared_ptr<ThreadPool> AppContext::thread_pool() const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (!pool_) pool_ = std::make_shared<ThreadPool>(threads_);
  return pool_;
}

void AppContext::Log(LogLevel level, std::string_view operator_name,
                     std::string_view message) const {
  std::string line = "operator=" + std::string(operator_name) + " " + std::string(message);
  switch (level) {
    case LogLevel::kDebug: ::openhi::LogDebug(line); break;
    case LogLevel::kInfo: ::openhi::LogInfo(line); break;
    case LogLevel::kWarn: ::openhi::LogWarn(line); break;
    case LogLevel::kError: ::openhi::LogError(line); break;
    case LogLevel::kOff: break;
  }
  if (observer_) observer_(level, operator_name, message);
}

}  // namespace openhi::app
