#pragma once
// Small POSIX file helpers with Status errors. Thread-safe (no shared state).
#include <cstdint>
#include <filesystem>
#include <string_view>
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

// Marks the temporary files of AtomicFileWriter / WriteFileAtomic: "<path>.tmp-<8 id chars>",
// renamed over <path> on Commit. A process killed mid-write leaves one behind.
inline constexpr std::string_view kAtomicWriteTempMarker = ".tmp-";

// Streams a file into place atomically: Create opens a temporary file in the folder of `path`
// (parent folders are created), Append writes to it, Commit makes it as durable as
// `durability` says and renames it over `path`. Readers see the old file or the new one, never
// a mix. With kStartWriteback or kFsync, writeback of every appended range starts at once
// (sync_file_range), so a closing fsync of a large file waits for little more than the last
// append. A writer destroyed (or failed) before Commit removes its temporary file.
// Thread-compatible: one writer is used by one thread at a time.
class AtomicFileWriter {
 public:
  static Result<AtomicFileWriter> Create(const std::filesystem::path& path,
                                         Durability durability = Durability::kFsync);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  Status Append(ByteView data);
  // After Commit (successful or not) the writer accepts nothing more.
  Status Commit();

 private:
  AtomicFileWriter(std::filesystem::path target, std::filesystem::path temp, int fd,
                   Durability durability);
  void Abandon();

  std::filesystem::path target_, temp_;
  int fd_ = -1;  // -1 once committed, abandoned or moved from
  Durability durability_;
  uint64_t written_ = 0;
};

// Writes `data` to `path` atomically (AtomicFileWriter with one Append).
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
