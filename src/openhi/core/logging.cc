#include "openhi/core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace openhi {
namespace {

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("openhi");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    l->set_level(spdlog::level::warn);
    // OPENHI_LOG_LEVEL=debug|info|warn|error|off overrides the default for any binary.
    if (const char* env = std::getenv("OPENHI_LOG_LEVEL")) {
      auto level = spdlog::level::from_str(env);
      if (level != spdlog::level::off || std::string_view(env) == "off") l->set_level(level);
    }
    return l;
  }();
  return *logger;
}

}  // namespace

void SetLogLevel(LogLevel level) {
  static constexpr spdlog::level::level_enum kMap[] = {spdlog::level::debug, spdlog::level::info,
                                                       spdlog::level::warn, spdlog::level::err,
                                                       spdlog::level::off};
  Logger().set_level(kMap[static_cast<int>(level)]);
}

bool SetLogLevel(std::string_view name) {
  if (name == "debug") SetLogLevel(LogLevel::kDebug);
  else if (name == "info") SetLogLevel(LogLevel::kInfo);
  else if (name == "warn") SetLogLevel(LogLevel::kWarn);
  else if (name == "error") SetLogLevel(LogLevel::kError);
  else if (name == "off") SetLogLevel(LogLevel::kOff);
  else return false;
  return true;
}

void LogDebug(std::string_view m) { Logger().debug("{}", m); }
void LogInfo(std::string_view m) { Logger().info("{}", m); }
void LogWarn(std::string_view m) { Logger().warn("{}", m); }
void LogError(std::string_view m) { Logger().error("{}", m); }

}  // namespace openhi
