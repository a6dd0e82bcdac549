#pragma once
// Where the writer operators put a file: `relative` (an app.json parameter) under the app's
// output folder. Absolute paths and ".." components are rejected (kInvalidArgument), so an
// app's outputs always stay inside its output folder.
#include <filesystem>
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::ops {

inline Result<std::filesystem::path> ResolveOutputFile(const std::filesystem::path& output_dir,
                                                       std::string_view param_name,
                                                       const std::string& relative) {
  const std::filesystem::path p(relative);
  if (relative.empty() || p.is_absolute()) {
    return InvalidArgument("parameter '" + std::string(param_name) +
                           "' must be a relative path inside the output folder, got '" + relative +
                           "'");
  }
  for (const auto& part : p) {
    if (part == "..") {
      return InvalidArgument("parameter '" + std::string(param_name) +
                             "' must not contain '..': '" + relative + "'");
    }
  }
  return output_dir / p;
}

}  // namespace openhi::ops
