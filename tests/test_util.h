#pragma once
// Helpers shared by the cross-module tests.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace openhi::testing {

// ../shared/data/dicom, as CI lays it out beside the clone.
std::filesystem::path SharedDicomDir();

// A fresh, empty temporary folder named after the running test; removed by the caller.
std::filesystem::path FreshTempDir(const std::string& tag);

// Reads an NDJSON file into objects (empty when the file is missing).
std::vector<nlohmann::json> ReadNdjson(const std::filesystem::path& file);

// Runs a shell command and returns its exit status and stdout.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult RunCommand(const std::string& command);

// The built CLI binary.
std::string OpenhiBinary();

}  // namespace openhi::testing
