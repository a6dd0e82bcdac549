#pragma once
// Store: the openhi image store engine (embedded default: SQLite catalog + files). Every AHI
// operation of the medical-imaging service model is one method here; the CLI and the HTTP API
// are thin frontends over it. Results are the wire model of ahi/model.h; errors are Status codes
// that ahi/errors.h maps to AWS error names.
//
// Data dir layout (docs/formats/data-dir.md): catalog.sqlite, blobs/ (frames and metadata),
// locks/ (one flock per running import job).
//
// Thread safety: all methods are safe to call concurrently. Several processes may open the same
// data dir; import jobs are claimed with an exclusive file lock so exactly one process runs each.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openhi/ahi/model.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::store {

struct StoreOptions {
  std::filesystem::path data_dir;
  size_t import_threads = 0;  // 0: one per core
  size_t frame_cache_bytes = size_t{256} << 20;  // LRU of served frame codestreams
};

struct CreateDatastoreRequest {
  std::string name;  // optional; defaults to the ID
  std::string client_token;
  ahi::Tags tags;
  std::string kms_key_arn;
  std::string lambda_authorizer_arn;
  std::string lossless_format;  // "" or "HTJ2K"
};

struct StartImportRequest {
  std::string datastore_id;
  std::string job_name;
  std::string data_access_role_arn;
  std::string client_token;
  std::string input_uri;   // file:// URI or path (s3:// with an S3 backend)
  std::string output_uri;
  std::string input_owner_account_id;
};

// Progress of a running import, reported after every file. Called from worker threads, one call
// at a time.
struct ImportProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  uint64_t bytes_read = 0;      // input P10 bytes
  uint64_t pixel_bytes = 0;     // decoded pixel bytes
  double elapsed_seconds = 0;
};
using ProgressCallback = std::function<void(const ImportProgress&)>;

struct ImageFrame {
  std::shared_ptr<const Bytes> bytes;  // the stored codestream, never decoded or re-encoded
  std::string content_type;  // per ahi-api.md §11
};

struct UpdateRequest {
  std::string datastore_id;
  std::string image_set_id;
  int64_t latest_version = 0;
  bool force = false;
  // Exactly one of: the two partial documents (JSON text, may be empty) or revert_to_version.
  std::string updatable_attributes;
  std::string removable_attributes;
  std::optional<int64_t> revert_to_version;
};

struct CopyRequest {
  std::string datastore_id;
  std::string source_image_set_id;
  int64_t source_latest_version = 0;
  std::string copiable_attributes;  // JSON text; empty copies everything
  std::optional<std::string> destination_image_set_id;
  int64_t destination_latest_version = 0;
  bool force = false;
  bool promote_to_primary = false;
};
struct CopyResult {
  ahi::ImageSetVersion source;
  ahi::ImageSetVersion destination;
};

struct SearchPage {
  std::vector<ahi::ImageSetSummary> summaries;
  std::string next_token;
};

class Store {
 public:
  // Opens or creates the data dir, recovers after a crash: unfinished import jobs whose owner
  // died are re-queued (they restart from scratch; nothing of a partial run is visible), and
  // blobs written by a dead run that no version references are removed.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Datastores.
  Result<ahi::Datastore> CreateDatastore(const CreateDatastoreRequest& r);
  Result<ahi::Datastore> GetDatastore(const std::string& id);
  Result<std::vector<ahi::Datastore>> ListDatastores(std::optional<ahi::DatastoreStatus> filter);
  // kFailedPrecondition (ConflictException) while the datastore holds live image sets.
  Result<ahi::Datastore> DeleteDatastore(const std::string& id);

  // Tags on datastore and image set ARNs.
  Status TagResource(const std::string& arn, const ahi::Tags& tags);
  Status UntagResource(const std::string& arn, const std::vector<std::string>& keys);
  Result<ahi::Tags> ListTagsForResource(const std::string& arn);

  // Import jobs. StartImport records the job (SUBMITTED) and returns at once; RunImport executes
  // one job to completion in the calling thread (the CLI) and RunPendingImports runs every queued
  // job (the server's worker and crash recovery).
  Result<ahi::ImportJob> StartImport(const StartImportRequest& r);
  Status RunImport(const std::string& job_id, const ProgressCallback& progress = nullptr);
  Status RunPendingImports(const ProgressCallback& progress = nullptr);
  Result<ahi::ImportJob> GetImportJob(const std::string& datastore_id, const std::string& job_id);
  Result<std::vector<ahi::ImportJob>> ListImportJobs(const std::string& datastore_id,
                                                     std::optional<ahi::JobStatus> filter);

  // Image sets.
  Result<ahi::ImageSetVersion> GetImageSet(const std::string& datastore_id,
                                           const std::string& image_set_id,
                                           std::optional<int64_t> version = std::nullopt);
  // The stored gzip JSON bytes of a version (latest when nullopt).
  Result<Bytes> GetImageSetMetadata(const std::string& datastore_id,
                                    const std::string& image_set_id,
                                    std::optional<int64_t> version = std::nullopt);
  Result<ImageFrame> GetImageFrame(const std::string& datastore_id,
                                   const std::string& image_set_id, const std::string& frame_id);
  Result<std::vector<ahi::ImageSetVersion>> ListImageSetVersions(const std::string& datastore_id,
                                                                 const std::string& image_set_id);
  Result<SearchPage> SearchImageSets(const std::string& datastore_id,
                                     const ahi::SearchCriteria& criteria, int max_results,
                                     const std::string& next_token);
  Result<ahi::ImageSetVersion> UpdateImageSetMetadata(const UpdateRequest& r);
  Result<CopyResult> CopyImageSet(const CopyRequest& r);
  Result<ahi::ImageSetVersion> DeleteImageSet(const std::string& datastore_id,
                                              const std::string& image_set_id);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openhi::store
