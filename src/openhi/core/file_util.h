#pragma once
// Small POSIX file helpers with Status errors. Thread-safe (no shared state).
#include <filesystem>
#include <string>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi {

// Reads a whole file. kNotFound when it does not exist.
Result<Bytes> ReadFile(const std::filesystem::path& path);

// Writes `data` to `path` atomically: a temporary file in the same folder, optional fsync, then
// rename(2). Readers see the old file or the new one, never a mix. Parent folders are created.
Status WriteFileAtomic(const std::filesystem::path& path, ByteView data, bool fsync_file = true);

// fsyncs a folder so that renames into it are durable.
Status SyncDirectory(const std::filesystem::path& dir);

// Flushes every dirty page of the filesystem that holds `path` (syncfs(2)): one call makes a
// batch of unsynced writes durable.
Status SyncFilesystem(const std::filesystem::path& path);

}  // namespace openhi
