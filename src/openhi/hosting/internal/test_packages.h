#pragma once
// Test helpers: write model packages (tar.gz) with libarchive, including hostile ones.
#include <filesystem>
#include <string>
#include <vector>

namespace openhi::hosting::testing {

struct TarEntry {
  std::string path;
  std::string content;
  enum class Type { kFile, kDir, kSymlink, kHardlink } type = Type::kFile;
  std::string link_target = {};  // symlinks and hard links
};

// Writes `entries` as a gzip'd tar to `out`. Aborts the test process on I/O errors.
void WriteTarGz(const std::filesystem::path& out, const std::vector<TarEntry>& entries);

// An echo-runner package: app.json = {"name": name, "echo": <echo_json>} plus a weights file.
void WriteEchoPackage(const std::filesystem::path& out, const std::string& name,
                      const std::string& echo_json = "{}");

// A fresh temporary folder, removed by the destructor.
struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
};

}  // namespace openhi::hosting::testing
