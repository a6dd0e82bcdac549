#pragma once
// Private state of Store shared by its implementation files. Not part of the public API.
#include <filesystem>
#include <memory>
#include <mutex>

#include "openhi/core/thread_pool.h"
#include "openhi/objstore/object_store.h"
#include "openhi/store/catalog.h"
#include "openhi/store/internal/blob_cache.h"
#include "openhi/store/metadata_document.h"
#include "openhi/store/store.h"

namespace openhi::store {

struct Store::Impl {
  StoreOptions options;
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<objstore::ObjectStore> blobs;  // rooted at <data_dir>/blobs
  std::unique_ptr<ThreadPool> pool;              // import CPU work
  std::unique_ptr<BlobCache> frame_cache;        // served frames, by blob key
  // Serialises read-modify-write of image set versions inside this process (imports, updates,
  // copies, deletes). Across processes the catalog's optimistic version check guards them.
  std::mutex write_mu;

  // Loads and parses a stored metadata document.
  Result<MetadataDocument> LoadDocument(const std::string& image_set_id, int64_t version);
  // Gzips and stores a document; returns its blob key. Durable after blobs->Sync().
  Result<std::string> SaveDocument(const std::string& datastore_id, const MetadataDocument& doc,
                                   int64_t version);
  // The datastore, which must exist and be ACTIVE (kFailedPrecondition otherwise).
  Result<ahi::Datastore> ActiveDatastore(const std::string& datastore_id);
};

// Blob keys. Frame blobs are immutable and may be shared by several image sets (copies).
// Frame blobs live under a per-job prefix so that recovery can find what a dead run left behind.
std::string FrameBlobPrefix(const std::string& datastore_id, const std::string& job_id);
std::string FrameBlobKey(const std::string& blob_prefix, const std::string& frame_id);
std::string MetadataBlobKey(const std::string& datastore_id, const std::string& image_set_id,
                            int64_t version);

// The search keys (DICOMTags) of a document: patient/study values, and the first series'.
ImageSetKeys KeysFromDocument(const MetadataDocument& doc);

// Validates an ID argument: kInvalidArgument (ValidationException) unless 32 [0-9a-f].
Status ValidateIdArg(const std::string& what, const std::string& id);

}  // namespace openhi::store
