#pragma once
// Logging facade over spdlog (kept out of public headers). Messages are structured as
// "event key=value ..." and must never carry PHI (patient names or IDs) at INFO or above.
// Thread-safe.
#include <string_view>

namespace openhi {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

void SetLogLevel(LogLevel level);
// Parses "debug|info|warn|error|off"; unknown text leaves the level unchanged and returns false.
bool SetLogLevel(std::string_view name);

void LogDebug(std::string_view message);
void LogInfo(std::string_view message);
void LogWarn(std::string_view message);
void LogError(std::string_view message);

}  // namespace openhi
