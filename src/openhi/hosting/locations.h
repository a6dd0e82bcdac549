#pragma once
// Object URIs as the async API carries them (InputLocation, OutputLocation): "s3://bucket/key",
// "file:///abs/path" (or an absolute path), split into the folder objstore::OpenLocation opens and
// the object's name; plus a cache of opened locations.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/objstore/object_store.h"

namespace openhi::hosting {

struct ObjectUri {
  std::string dir_uri;  // "s3://bucket/a/" or "file:///x/" (ends with '/')
  std::string name;     // "b.json"
};

// kInvalidArgument: not s3:// or file:// (or absolute), no bucket, or no object name.
Result<ObjectUri> SplitObjectUri(std::string_view uri);

// Opened locations by folder URI. Thread-safe.
class LocationCache {
 public:
  Result<std::shared_ptr<objstore::Location>> Open(const std::string& dir_uri);
  // Reads the object `uri` (at most max_bytes; kResourceExhausted beyond).
  Result<Bytes> Read(std::string_view uri, uint64_t max_bytes);
  // Writes `data` to `key` under the folder `dir_uri`; returns the object's URI.
  Result<std::string> Write(const std::string& dir_uri, std::string_view key, ByteView data);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<objstore::Location>> open_;  // GUARDED_BY(mu_)
};

}  // namespace openhi::hosting
