#pragma once
// App packages: `model.tar.gz` = an app's definition plus its models, the unit `openhi run`
// and the hosting container (SageMaker's ModelDataUrl / multi-model TargetModel) consume.
// Layout (docs/formats/app-package.md):
//   app.json            the graph (app_json.h), required, at the root
//   README.md, ...      any other files of the app folder, kept as they are
//   models/...          the model folder (-m): e.g. models/model.ts
// A package whose root holds model.ts (the AWS workshop's `tar czf model.tar.gz model.ts ...`)
// is accepted too: its model path is that file.
//
// Unpacking is safe for untrusted archives: only gzip-compressed (or plain) tar; only regular
// files and folders (symbolic links, hard links, devices, FIFOs and sockets are rejected, not
// skipped); no absolute paths and no ".." components; files are created with O_EXCL |
// O_NOFOLLOW inside a destination that must be new or empty, so nothing can land outside it;
// the number of entries, the total unpacked bytes, the path length and the depth are capped.
// Thread safety: plain functions; concurrent calls must use distinct destinations.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "openhi/core/status.h"

namespace openhi::app {

// Writes `out_tar_gz` (atomically: a temporary file, then rename; parent folders created):
// every regular file under `app_dir` (recursively, symbolic links to files followed) at its
// relative path, and, unless `model_dir` is empty, the model files under models/: a folder's
// files at their relative paths, or a single file as models/<its name>. Entries are sorted,
// with mtime 0, owner 0 and mode 0644, so the same inputs give the same tar stream.
// Errors: kNotFound when app_dir/app.json or model_dir does not exist; kInvalidArgument when
// app.json is not a JSON object or a path occurs twice (app_dir has its own models/ and
// model_dir is given); kInternal for libarchive / file system failures.
Status CreatePackage(const std::filesystem::path& app_dir, const std::filesystem::path& model_dir,
                     const std::filesystem::path& out_tar_gz);

struct PackageInfo {
  std::filesystem::path root;      // the package folder
  std::filesystem::path app_json;  // root/app.json
  // The app's model path (AppPaths::model): root/models when that folder exists, else
  // root/model.ts when that file exists, else empty (an app without models).
  std::filesystem::path model_path;
  // From app.json ("" when absent).
  std::string name;
  std::string version;
  std::string description;
};

// Describes an unpacked package folder. kNotFound when `dir` or dir/app.json does not exist;
// kInvalidArgument when app.json is not a JSON object or name/version/description are not
// strings. (The graph itself is checked when it is loaded: app_json.h.)
Result<PackageInfo> InspectPackage(const std::filesystem::path& dir);

struct PackageLimits {
  size_t max_entries = 10000;                    // files and folders
  uint64_t max_total_bytes = uint64_t{8} << 30;  // unpacked file bytes
  size_t max_path_length = 1024;                 // bytes of an entry's path
  size_t max_depth = 32;                         // path components
};

struct UnpackedPackage {
  PackageInfo info;
  size_t entries = 0;        // files and folders created
  uint64_t total_bytes = 0;  // file bytes written
};

// Unpacks `tar_gz` into `dest_dir` (created when missing; must be empty otherwise), then
// InspectPackage. On any error, everything this call created is removed again.
// Errors: kNotFound when tar_gz does not exist; kFailedPrecondition when dest_dir is a
// non-empty folder or not a folder; kInvalidArgument for a corrupt or non-tar archive, an unsafe
// entry (absolute path, "..", link, device, FIFO, socket; the message names the entry), a path
// over max_path_length / max_depth, a duplicate file, or a package without app.json;
// kResourceExhausted when max_entries or max_total_bytes is exceeded; kInternal for file
// system failures.
Result<UnpackedPackage> UnpackPackage(const std::filesystem::path& tar_gz,
                                      const std::filesystem::path& dest_dir,
                                      const PackageLimits& limits = {});

}  // namespace openhi::app
