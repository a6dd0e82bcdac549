// Import jobs: StartImport / RunImport / RunPendingImports / Get / List (ahi-api.md §10).
#include <algorithm>
#include <chrono>
#include <mutex>

#include "openhi/core/clock.h"
#include "openhi/core/ids.h"
#include "openhi/core/logging.h"
#include "openhi/store/import_grouping.h"
#include "openhi/store/instance_ingest.h"
#include "openhi/store/internal/job_lock.h"
#include "openhi/store/internal/prefetcher.h"
#include "openhi/store/internal/store_impl.h"

namespace openhi::store {
namespace {

constexpr size_t kMaxFilesPerJob = 5000;                       // AHI quota
constexpr uint64_t kMaxBytesPerJob = uint64_t{10} << 30;       // 10 GB per job
constexpr size_t kMaxJobNameLength = 64;

Status ValidateToken(const std::string& what, const std::string& v, size_t max_len) {
  if (v.empty() || v.size() > max_len) {
    return InvalidArgument(what + " must be 1 to " + std::to_string(max_len) + " characters");
  }
  for (char c : v) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      return InvalidArgument(what + " must match [A-Za-z0-9._-]+");
    }
  }
  return Status::Ok();
}

std::string OutputFolder(const ahi::ImportJob& job) {
  return job.datastore_id + "-DicomImport-" + job.id + "/";
}

// Writes job-output-manifest.json and the NDJSON files. Best effort is not enough here: the
// caller fails the job when the output cannot be written.
Status WriteOutputs(const ahi::ImportJob& job, const ImportOutcome& outcome) {
  OPENHI_ASSIGN_OR_RETURN(objstore::Location out, objstore::OpenLocation(job.output_uri));
  const std::string folder = out.prefix + OutputFolder(job);
  std::string success, failure;
  for (const auto& line : outcome.success_lines) success += line.dump() + "\n";
  for (const auto& line : outcome.failure_lines) failure += line.dump() + "\n";
  OPENHI_RETURN_IF_ERROR(out.store->Put(folder + "SUCCESS/success.ndjson", AsBytes(success)));
  OPENHI_RETURN_IF_ERROR(out.store->Put(folder + "FAILURE/failure.ndjson", AsBytes(failure)));
  const std::string base = out.uri + OutputFolder(job);
  nlohmann::json summary = {
      {"jobId", job.id},
      {"datastoreId", job.datastore_id},
      {"inputS3Uri", job.input_uri},
      {"outputS3Uri", base},
      {"successOutputS3Uri", base + "SUCCESS/"},
      {"failureOutputS3Uri", base + "FAILURE/"},
      {"numberOfScannedFiles", outcome.scanned},
      {"numberOfImportedFiles", outcome.success_lines.size()},
      {"numberOfFilesWithCustomerError", outcome.customer_errors},
      {"numberOfFilesWithServerError", outcome.server_errors},
      {"numberOfGeneratedImageSets", outcome.image_sets.size()},
      {"imageSetsSummary", outcome.image_sets}};
  std::string manifest = nlohmann::json{{"jobSummary", summary}}.dump(2);
  OPENHI_RETURN_IF_ERROR(
      out.store->Put(folder + "job-output-manifest.json", AsBytes(manifest)));
  return out.store->Sync();
}

// Removes frame blobs that an earlier, dead run of this job wrote but never published, and
// the half-written blob it was killed in the middle of. The job's lock is held: no run of it
// can be writing under its prefix.
Status CollectJobGarbage(Store::Impl& s, const ahi::ImportJob& job) {
  const std::string prefix = FrameBlobPrefix(job.datastore_id, job.id);
  OPENHI_ASSIGN_OR_RETURN(const size_t incomplete, s.blobs->RemoveIncompleteWrites(prefix));
  if (incomplete > 0) {
    LogInfo("import.recovery job=" + job.id +
            " incomplete_blobs_removed=" + std::to_string(incomplete));
  }
  OPENHI_ASSIGN_OR_RETURN(auto objects, s.blobs->List(prefix));
  if (objects.empty()) return Status::Ok();
  OPENHI_ASSIGN_OR_RETURN(auto referenced, s.catalog->AllReferencedBlobKeys());
  std::sort(referenced.begin(), referenced.end());
  size_t removed = 0;
  for (const auto& o : objects) {
    if (!std::binary_search(referenced.begin(), referenced.end(), o.key)) {
      OPENHI_RETURN_IF_ERROR(s.blobs->Delete(o.key));
      ++removed;
    }
  }
  LogInfo("import.recovery job=" + job.id + " orphan_blobs_removed=" + std::to_string(removed));
  return Status::Ok();
}

}  // namespace

Result<ahi::ImportJob> Store::StartImport(const StartImportRequest& r) {
  OPENHI_ASSIGN_OR_RETURN(ahi::Datastore d, impl_->ActiveDatastore(r.datastore_id));
  OPENHI_RETURN_IF_ERROR(ValidateToken("clientToken", r.client_token, 64));
  if (r.job_name.size() > kMaxJobNameLength) {
    return InvalidArgument("jobName must be at most 64 characters");
  }
  if (r.data_access_role_arn.empty() || r.data_access_role_arn.size() > 2048) {
    return InvalidArgument("dataAccessRoleArn is required");
  }
  if (r.input_uri.empty() || r.output_uri.empty()) {
    return InvalidArgument("inputS3Uri and outputS3Uri are required");
  }
  // The URIs must name locations this server can reach; checked now so that a typo fails fast.
  OPENHI_RETURN_IF_ERROR(objstore::OpenLocation(r.input_uri).status());
  OPENHI_RETURN_IF_ERROR(objstore::OpenLocation(r.output_uri).status());
  // Idempotency: the same client token returns the job it created.
  OPENHI_ASSIGN_OR_RETURN(auto existing,
                          impl_->catalog->FindJobByClientToken(d.id, r.client_token));
  if (existing) return *existing;
  ahi::ImportJob j;
  j.id = NewId();
  j.name = r.job_name.empty() ? j.id : r.job_name;
  j.status = ahi::JobStatus::kSubmitted;
  j.datastore_id = d.id;
  j.data_access_role_arn = r.data_access_role_arn;
  j.client_token = r.client_token;
  j.input_uri = r.input_uri;
  j.output_uri = r.output_uri;
  j.input_owner_account_id = r.input_owner_account_id;
  j.submitted_at = NowEpochSeconds();
  OPENHI_RETURN_IF_ERROR(impl_->catalog->InsertJob(j));
  LogInfo("import.submitted job=" + j.id + " datastore=" + d.id);
  return j;
}

Status Store::RunImport(const std::string& job_id, const ProgressCallback& progress) {
  Impl& s = *impl_;
  auto lock = JobLock::TryAcquire(s.options.data_dir / "locks" / (job_id + ".lock"));
  if (!lock) return Unavailable("import job " + job_id + " is running in another process");
  // Find the job (any datastore).
  OPENHI_ASSIGN_OR_RETURN(auto unfinished, s.catalog->UnfinishedJobs());
  auto it = std::find_if(unfinished.begin(), unfinished.end(),
                         [&](const ahi::ImportJob& j) { return j.id == job_id; });
  if (it == unfinished.end()) return Status::Ok();  // finished already (or unknown)
  ahi::ImportJob job = *it;
  if (job.status == ahi::JobStatus::kInProgress) {
    LogWarn("import.resume job=" + job.id + " (a previous run did not finish; restarting it)");
    OPENHI_RETURN_IF_ERROR(CollectJobGarbage(s, job));
  }
  OPENHI_RETURN_IF_ERROR(
      s.catalog->UpdateJobStatus(job.id, ahi::JobStatus::kInProgress, "", std::nullopt));

  auto fail_job = [&](const Status& why) -> Status {
    LogWarn("import.failed job=" + job.id + " reason=" + why.ToString());
    ImportOutcome outcome;
    outcome.failure_lines.push_back(
        {{"inputFile", job.input_uri},
         {"exception", {{"exceptionType", ToIngestError(why).exception_type},
                        {"message", why.message()}}}});
    WriteOutputs(job, outcome).IgnoreError();  // the job fails either way
    return s.catalog->UpdateJobStatus(job.id, ahi::JobStatus::kFailed, why.message(),
                                      NowEpochSeconds());
  };

  auto datastore = s.ActiveDatastore(job.datastore_id);
  if (!datastore.ok()) return fail_job(datastore.status());
  auto input = objstore::OpenLocation(job.input_uri);
  if (!input.ok()) return fail_job(input.status());
  auto listing = input->store->List(input->prefix);
  if (!listing.ok()) return fail_job(listing.status());
  std::vector<objstore::ObjectInfo> files = std::move(*listing);
  uint64_t total_bytes = 0;
  for (const auto& f : files) total_bytes += f.size;
  if (files.size() > kMaxFilesPerJob) {
    return fail_job(ResourceExhausted("the input holds " + std::to_string(files.size()) +
                                      " files; the limit is 5000 per job"));
  }
  if (total_bytes > kMaxBytesPerJob) {
    return fail_job(ResourceExhausted("the input exceeds 10 GB per job"));
  }

  // Ingest every file in parallel: parse, transcode, verify, write frame blobs.
  const std::string blob_prefix = FrameBlobPrefix(job.datastore_id, job.id);
  std::vector<std::optional<Result<IngestedInstance>>> results(files.size());
  std::mutex progress_mu;
  ImportProgress p;
  p.files_total = files.size();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> keys;
  for (const auto& f : files) keys.push_back(f.key);
  // Reads run ahead on their own thread so I/O overlaps with transcoding on the pool.
  Prefetcher prefetch(*input->store, std::move(keys), 2 * s.pool->size() + 2);
  s.pool->ParallelFor(files.size(), [&](size_t i) {
    auto bytes = prefetch.Take(i);
    Result<IngestedInstance> r = bytes.ok() ? IngestInstance(*bytes, blob_prefix, *s.blobs)
                                            : Result<IngestedInstance>(bytes.status());
    uint64_t pixels = r.ok() ? r->pixel_bytes : 0;
    results[i] = std::move(r);
    std::lock_guard lock(progress_mu);
    p.files_done++;
    p.bytes_read += files[i].size;
    p.pixel_bytes += pixels;
    p.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress) progress(p);
  });

  const double ingest_s = p.elapsed_seconds;
  auto phase_start = std::chrono::steady_clock::now();
  auto lap = [&phase_start] {
    auto now = std::chrono::steady_clock::now();
    double d = std::chrono::duration<double>(now - phase_start).count();
    phase_start = now;
    return std::to_string(d);
  };
  // Group into image sets and publish atomically.
  std::lock_guard write_lock(s.write_mu);
  std::vector<FileResult> file_results;
  file_results.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    file_results.push_back({files[i].key, std::move(*results[i])});
  }
  auto grouped = GroupIntoImageSets(s, job, std::move(file_results));
  if (!grouped.ok()) return fail_job(grouped.status());
  ImportPlan& plan = *grouped;
  std::string timings = "ingest=" + std::to_string(ingest_s) + " group=" + lap();
  // Durability order: frames, then metadata documents, then outputs, then the catalog commit
  // that makes the versions visible.
  Status st = s.blobs->Sync();
  timings += " sync_frames=" + lap();
  if (st.ok()) {
    for (auto& w : plan.writes) {
      auto key = s.SaveDocument(job.datastore_id, plan.documents.at(w.version.image_set_id),
                                w.version.version);
      if (!key.ok()) {
        st = key.status();
        break;
      }
      w.metadata_key = *key;
    }
  }
  timings += " save_metadata=" + lap();
  if (st.ok()) st = s.blobs->Sync();
  if (st.ok()) st = WriteOutputs(job, plan.outcome);
  timings += " sync_outputs=" + lap();
  if (!st.ok()) return fail_job(st);
  st = s.catalog->Publish(plan.writes, Catalog::JobCompletion{job.id, ahi::JobStatus::kCompleted,
                                                              "", NowEpochSeconds()});
  if (!st.ok()) return fail_job(st);
  LogDebug("import.timings job=" + job.id + " " + timings + " publish=" + lap());
  LogInfo("import.completed job=" + job.id + " files=" + std::to_string(files.size()) +
          " imported=" + std::to_string(plan.outcome.success_lines.size()) +
          " image_sets=" + std::to_string(plan.writes.size()));
  return Status::Ok();
}

Status Store::RunPendingImports(const ProgressCallback& progress) {
  OPENHI_ASSIGN_OR_RETURN(auto jobs, impl_->catalog->UnfinishedJobs());
  for (const auto& j : jobs) {
    Status s = RunImport(j.id, progress);
    if (!s.ok() && s.code() != StatusCode::kUnavailable) return s;
  }
  return Status::Ok();
}

Result<ahi::ImportJob> Store::GetImportJob(const std::string& datastore_id,
                                           const std::string& job_id) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", datastore_id));
  // JobId pattern: [0-9a-z]{1,32}; only our 32-character IDs can exist.
  if (job_id.empty() || job_id.size() > 32 ||
      !std::all_of(job_id.begin(), job_id.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); })) {
    return InvalidArgument("jobId must match [0-9a-z]{1,32}");
  }
  OPENHI_RETURN_IF_ERROR(impl_->catalog->GetDatastore(datastore_id).status());
  return impl_->catalog->GetJob(datastore_id, job_id);
}

Result<std::vector<ahi::ImportJob>> Store::ListImportJobs(const std::string& datastore_id,
                                                          std::optional<ahi::JobStatus> filter) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", datastore_id));
  OPENHI_RETURN_IF_ERROR(impl_->catalog->GetDatastore(datastore_id).status());
  OPENHI_ASSIGN_OR_RETURN(auto jobs, impl_->catalog->ListJobs(datastore_id));
  if (filter) {
    std::erase_if(jobs, [&](const ahi::ImportJob& j) { return j.status != *filter; });
  }
  return jobs;
}

}  // namespace openhi::store
