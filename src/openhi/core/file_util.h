#pragma once
// Small POSIX file helpers with Status errors. Thread-safe (no shared state).
#include <filesystem>
#include <string>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi {

// Reads a whole file. kNotFound when it does not exist.
Result<Bytes> ReadFile(const std::filesystem::path& path);

// How WriteFileAtomic makes the data durable before the rename.
enum class Durability {
  kNone,            // page cache only; a later SyncFilesystem makes it durable
  kStartWriteback,  // start writeback now without waiting (sync_file_range), so that a later
                    // SyncFilesystem finds little left to flush
  kFsync,           // fsync before the rename
};

// Writes `data` to `path` atomically: a temporary file in the same folder, then rename(2).
// Readers see the old file or the new one, never a mix. Parent folders are created.
Status WriteFileAtomic(const std::filesystem::path& path, ByteView data,
                       Durability durability = Durability::kFsync);
inline Status WriteFileAtomic(const std::filesystem::path& path, ByteView data, bool fsync_file) {
  return WriteFileAtomic(path, data, fsync_file ? Durability::kFsync : Durability::kNone);
}

// fsyncs a folder so that renames into it are durable.
Status SyncDirectory(const std::filesystem::path& dir);

// Flushes every dirty page of the filesystem that holds `path` (syncfs(2)): one call makes a
// batch of unsynced writes durable.
Status SyncFilesystem(const std::filesystem::path& path);

}  // namespace openhi
