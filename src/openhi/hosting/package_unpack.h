#pragma once
// Safe unpacking of an app package (`model.tar.gz`: app.json + weights) into a folder.
//
// NOTE for the lead: app/package.h (UnpackPackage, libarchive) did not exist when hosting was
// written; this is hosting's own implementation behind the same shape. When app/package.h lands,
// replace the body of UnpackModelPackage with a call to it (the contract below is the one
// hosting relies on).
//
// Contract: only regular files and folders are extracted; an entry whose path is absolute,
// contains a ".." segment, or is a symlink, hard link, device or FIFO is refused
// (kInvalidArgument, nothing is left behind). Limits (kResourceExhausted when passed) bound the
// number of entries and the total and per-file decompressed bytes, so a gzip bomb cannot fill
// the disk. `dest` must not exist; it is created and, on failure, removed. Thread-safe (no
// shared state).
#include <cstdint>
#include <filesystem>

#include "openhi/core/status.h"

namespace openhi::hosting {

struct UnpackLimits {
  uint64_t max_total_bytes = 8ull << 30;  // decompressed bytes of all files
  uint64_t max_file_bytes = 4ull << 30;   // decompressed bytes of one file
  uint64_t max_entries = 10000;
};

struct UnpackStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Unpacks the gzip'd (or plain) tar `archive` into the new folder `dest`.
// kNotFound: no archive. kInvalidArgument: not a tar archive, or an unsafe entry.
// kResourceExhausted: a limit. kAlreadyExists: dest exists. kInternal: I/O failures.
Result<UnpackStats> UnpackModelPackage(const std::filesystem::path& archive,
                                       const std::filesystem::path& dest,
                                       const UnpackLimits& limits = {});

}  // namespace openhi::hosting
