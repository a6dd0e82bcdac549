#pragma once
// Catalog: the store's durable index in SQLite (WAL): datastores, tags, import jobs, image sets,
// their versions and their frames. Blobs (frames, metadata documents) live in the object store;
// the catalog holds their keys. Schema: docs/formats/data-dir.md.
//
// Visibility contract: an image set version exists for readers only once the transaction that
// inserts its catalog rows has committed, and the store commits only after the version's frames
// and metadata blobs are durable (ObjectStore::Sync).
//
// Thread safety: every method locks one internal mutex; safe from any thread. Several processes
// may share the file (SQLite locking, busy timeout).
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "openhi/ahi/model.h"
#include "openhi/core/status.h"
#include "openhi/db/sqlite.h"

namespace openhi::store {

// One frame row: a frame ID of an image set and where its bytes are.
struct FrameRow {
  std::string frame_id;
  std::string blob_key;
  std::string transfer_syntax;  // stored syntax, decides GetImageFrame's content type
  uint64_t size = 0;
};

// The searchable keys of an image set's latest version (search-image-sets, DICOMTags).
struct ImageSetKeys {
  ahi::DicomTags tags;
  std::string study_date_time;  // "YYYYMMDDHHMMSS.FFFFFF" for sorting and BETWEEN
};

// Everything needed to publish one new image set version atomically.
struct VersionWrite {
  ahi::ImageSetVersion version;  // image_set_id, datastore_id, version, state, workflow, ...
  std::string metadata_key;      // object key of the gzip JSON document
  ImageSetKeys keys;
  std::vector<FrameRow> new_frames;  // frames first referenced by this version
  bool create_image_set = false;     // true: insert the image set row; false: update it
};

class Catalog {
 public:
  static Result<std::unique_ptr<Catalog>> Open(const std::filesystem::path& file);

  // Datastores. CreateDatastore fails with kAlreadyExists on a duplicate ID.
  Status InsertDatastore(const ahi::Datastore& d, const std::string& client_token);
  Result<ahi::Datastore> GetDatastore(const std::string& id);
  Result<std::optional<ahi::Datastore>> FindDatastoreByClientToken(const std::string& token);
  Result<std::vector<ahi::Datastore>> ListDatastores();
  Status SetDatastoreStatus(const std::string& id, ahi::DatastoreStatus s, double now);
  // Image sets of the datastore that are not DELETED.
  Result<int64_t> CountLiveImageSets(const std::string& datastore_id);

  // Tags, keyed by resource ARN.
  Status PutTags(const std::string& arn, const ahi::Tags& tags);
  Status RemoveTags(const std::string& arn, const std::vector<std::string>& keys);
  Result<ahi::Tags> GetTags(const std::string& arn);

  // Import jobs.
  Status InsertJob(const ahi::ImportJob& j);
  Result<ahi::ImportJob> GetJob(const std::string& datastore_id, const std::string& job_id);
  Result<std::optional<ahi::ImportJob>> FindJobByClientToken(const std::string& datastore_id,
                                                             const std::string& token);
  Result<std::vector<ahi::ImportJob>> ListJobs(const std::string& datastore_id);
  Result<std::vector<ahi::ImportJob>> UnfinishedJobs();
  Status UpdateJobStatus(const std::string& job_id, ahi::JobStatus s, const std::string& message,
                         std::optional<double> ended_at);

  // Image sets.
  Result<ahi::ImageSetVersion> GetImageSet(const std::string& datastore_id,
                                           const std::string& image_set_id,
                                           std::optional<int64_t> version = std::nullopt);
  Result<std::string> GetMetadataKey(const std::string& image_set_id, int64_t version);
  Result<std::vector<ahi::ImageSetVersion>> ListVersions(const std::string& image_set_id);
  // The live primary image set of a study/series, if any.
  Result<std::optional<std::string>> FindPrimary(const std::string& datastore_id,
                                                 const std::string& study_uid,
                                                 const std::string& series_uid);
  Result<ImageSetKeys> GetKeys(const std::string& image_set_id);
  Result<FrameRow> GetFrame(const std::string& image_set_id, const std::string& frame_id);
  // The hot path of GetImageFrame: one cached query. kNotFound unless the frame belongs to a
  // live (not DELETED) image set of this datastore.
  Result<FrameRow> GetLiveFrame(const std::string& datastore_id, const std::string& image_set_id,
                                const std::string& frame_id);
  Result<std::vector<FrameRow>> ListFrames(const std::string& image_set_id);

  // Publishes versions in one transaction; optionally completes a job in the same transaction.
  // `expected_latest` (per write, 0 = no check) guards optimistic concurrency: kAborted when the
  // image set's latest version moved.
  struct JobCompletion {
    std::string job_id;
    ahi::JobStatus status;
    std::string message;
    double ended_at;
  };
  Status Publish(const std::vector<VersionWrite>& writes,
                 const std::optional<JobCompletion>& job = std::nullopt);

  // Marks the image set DELETED (state and workflow) in its latest version and removes its frame
  // rows. Returns the blob keys no longer referenced by any image set.
  Result<std::vector<std::string>> DeleteImageSet(const std::string& image_set_id, double now);

  // Search over live image sets of a datastore.
  Result<std::vector<ahi::ImageSetSummary>> Search(const std::string& datastore_id,
                                                   const ahi::SearchCriteria& c);

  // Every blob key referenced by frames or metadata (for garbage collection after a crash).
  Result<std::vector<std::string>> AllReferencedBlobKeys();

 private:
  explicit Catalog(std::unique_ptr<db::Database> db) : db_(std::move(db)) {}
  Status Migrate();

  // A prepared statement from the per-catalog cache, reset and unbound. Caller holds mu_ and
  // must Reset() it when done (StatementLease does).
  Result<db::Statement*> Cached(const std::string& sql);

  std::mutex mu_;
  std::unique_ptr<db::Database> db_;  // GUARDED_BY(mu_)
  std::map<std::string, db::Statement> statements_;  // GUARDED_BY(mu_)
};

}  // namespace openhi::store
