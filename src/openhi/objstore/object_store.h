#pragma once
// ObjectStore: the blob interface under the store engine and the import jobs' input and output.
// Embedded default: local files (file_store.h). Scaled: S3-compatible storage (s3_store.h).
// Object keys are '/'-separated relative names; every key is validated by ValidateKey before it
// reaches a filesystem or a URL.
//
// Thread safety: implementations are safe for concurrent use from several threads.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::objstore {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // kNotFound for a missing key.
  virtual Result<Bytes> Get(std::string_view key) = 0;
  // Creates or atomically replaces `key`. Durable once Sync() has returned OK.
  virtual Status Put(std::string_view key, ByteView data) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  // Every object whose key starts with `prefix`, recursively, sorted by key.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // Deleting a missing key is OK (idempotent).
  virtual Status Delete(std::string_view key) = 0;
  // Makes every completed Put durable (crash-safe).
  virtual Status Sync() = 0;
  // A human-readable URI for `key` (file:///... or s3://...), for manifests and messages.
  virtual std::string Uri(std::string_view key) const = 0;
  // Removes what interrupted Puts left under `prefix` (a process killed mid-write) and returns
  // how many leftovers went. Call it only when no Put under `prefix` can be in flight. The
  // default has nothing to remove: S3 puts are atomic.
  virtual Result<size_t> RemoveIncompleteWrites(std::string_view prefix) {
    (void)prefix;
    return size_t{0};
  }
};

// Rejects empty keys, absolute keys, "." or ".." segments, empty segments, backslashes, control
// characters and keys over 1024 bytes: kInvalidArgument.
Status ValidateKey(std::string_view key);

// A store plus a key prefix: what an input or output URI names.
struct Location {
  std::unique_ptr<ObjectStore> store;
  std::string prefix;  // "" or ending with '/'
  std::string uri;     // as given, normalised to end with '/'
};

// Opens the location named by `uri`: "file:///abs/dir/", "/abs/dir" or "rel/dir" (a folder,
// created on first Put), or "s3://bucket/prefix/" (see OpenS3Location in s3_store.h: it needs
// SetDefaultS3Config first, and fails with kUnimplemented until then).
Result<Location> OpenLocation(std::string_view uri);

}  // namespace openhi::objstore
