#include "openhi/store/store.h"

#include "openhi/core/clock.h"
#include "openhi/core/ids.h"
#include "openhi/core/logging.h"
#include "openhi/objstore/file_store.h"
#include "openhi/store/instance_ingest.h"
#include "openhi/store/internal/store_impl.h"

namespace openhi::store {
namespace {

Status ValidateDatastoreName(const std::string& name) {
  if (name.size() > 256) return InvalidArgument("datastoreName must be 1 to 256 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/' ||
          c == '#' || c == '-')) {
      return InvalidArgument("datastoreName must match [A-Za-z0-9._/#-]+");
    }
  }
  return Status::Ok();
}

Status ValidateTags(const ahi::Tags& tags) {
  if (tags.size() > 200) return InvalidArgument("at most 200 tags");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) return InvalidArgument("tag keys must be 1 to 128 characters");
    if (k.rfind("aws:", 0) == 0) return InvalidArgument("tag keys must not start with aws:");
    if (v.size() > 256) return InvalidArgument("tag values must be at most 256 characters");
  }
  return Status::Ok();
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return InvalidArgument("cannot create data dir " + options.data_dir.string());
  OPENHI_ASSIGN_OR_RETURN(impl->catalog, Catalog::Open(options.data_dir / "catalog.sqlite"));
  impl->blobs = objstore::NewFileStore(options.data_dir / "blobs");
  impl->pool = std::make_unique<ThreadPool>(options.import_threads);
  impl->frame_cache = std::make_unique<BlobCache>(options.frame_cache_bytes);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<ahi::Datastore> Store::CreateDatastore(const CreateDatastoreRequest& r) {
  OPENHI_RETURN_IF_ERROR(ValidateDatastoreName(r.name));
  if (r.client_token.empty() || r.client_token.size() > 64) {
    return InvalidArgument("clientToken must be 1 to 64 characters");
  }
  OPENHI_RETURN_IF_ERROR(ValidateTags(r.tags));
  if (!r.lossless_format.empty() && r.lossless_format != "HTJ2K") {
    if (r.lossless_format == "JPEG_2000_LOSSLESS") {
      return InvalidArgument("losslessStorageFormat JPEG_2000_LOSSLESS is not supported by openhi");
    }
    return InvalidArgument("losslessStorageFormat must be HTJ2K or JPEG_2000_LOSSLESS");
  }
  OPENHI_ASSIGN_OR_RETURN(auto existing, impl_->catalog->FindDatastoreByClientToken(r.client_token));
  if (existing) {
    if (!r.name.empty() && existing->name != r.name) {
      return AlreadyExists("clientToken was already used for a different datastore");
    }
    return *existing;
  }
  ahi::Datastore d;
  d.id = NewId();
  d.name = r.name.empty() ? d.id : r.name;
  // Creation is immediate here; the response still says CREATING, as AHI's does.
  d.status = ahi::DatastoreStatus::kActive;
  d.arn = ahi::DatastoreArn(d.id);
  d.kms_key_arn = r.kms_key_arn;
  d.lambda_authorizer_arn = r.lambda_authorizer_arn;
  d.created_at = d.updated_at = NowEpochSeconds();
  OPENHI_RETURN_IF_ERROR(impl_->catalog->InsertDatastore(d, r.client_token));
  if (!r.tags.empty()) OPENHI_RETURN_IF_ERROR(impl_->catalog->PutTags(d.arn, r.tags));
  d.status = ahi::DatastoreStatus::kCreating;
  return d;
}

Result<ahi::Datastore> Store::GetDatastore(const std::string& id) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", id));
  return impl_->catalog->GetDatastore(id);
}

Result<std::vector<ahi::Datastore>> Store::ListDatastores(
    std::optional<ahi::DatastoreStatus> filter) {
  OPENHI_ASSIGN_OR_RETURN(auto all, impl_->catalog->ListDatastores());
  if (filter) std::erase_if(all, [&](const ahi::Datastore& d) { return d.status != *filter; });
  return all;
}

Result<ahi::Datastore> Store::DeleteDatastore(const std::string& id) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", id));
  std::lock_guard lock(impl_->write_mu);
  OPENHI_ASSIGN_OR_RETURN(ahi::Datastore d, impl_->catalog->GetDatastore(id));
  if (d.status == ahi::DatastoreStatus::kDeleted) return NotFound("datastore " + id + " not found");
  OPENHI_ASSIGN_OR_RETURN(int64_t live, impl_->catalog->CountLiveImageSets(id));
  if (live > 0) {
    return FailedPrecondition("datastore " + id + " still holds " + std::to_string(live) +
                              " image sets; delete them first");
  }
  OPENHI_ASSIGN_OR_RETURN(auto jobs, impl_->catalog->ListJobs(id));
  for (const auto& j : jobs) {
    if (j.status == ahi::JobStatus::kSubmitted || j.status == ahi::JobStatus::kInProgress) {
      return FailedPrecondition("datastore " + id + " has a running import job");
    }
  }
  OPENHI_RETURN_IF_ERROR(
      impl_->catalog->SetDatastoreStatus(id, ahi::DatastoreStatus::kDeleted, NowEpochSeconds()));
  d.status = ahi::DatastoreStatus::kDeleting;
  return d;
}

namespace {
// A datastore or image set ARN that exists: kNotFound otherwise (never reveals which part).
Status CheckArn(Store::Impl& s, const std::string& arn) {
  auto parsed = ahi::ParseArn(arn);
  if (!parsed) return InvalidArgument("resourceArn is not a medical-imaging datastore or image set ARN");
  auto d = s.catalog->GetDatastore(parsed->datastore_id);
  if (!d.ok() || d->status == ahi::DatastoreStatus::kDeleted) {
    return NotFound("resource " + arn + " not found");
  }
  if (!parsed->image_set_id.empty()) {
    auto i = s.catalog->GetImageSet(parsed->datastore_id, parsed->image_set_id);
    if (!i.ok()) return NotFound("resource " + arn + " not found");
  }
  return Status::Ok();
}
}  // namespace

Status Store::TagResource(const std::string& arn, const ahi::Tags& tags) {
  OPENHI_RETURN_IF_ERROR(CheckArn(*impl_, arn));
  OPENHI_RETURN_IF_ERROR(ValidateTags(tags));
  return impl_->catalog->PutTags(arn, tags);
}

Status Store::UntagResource(const std::string& arn, const std::vector<std::string>& keys) {
  OPENHI_RETURN_IF_ERROR(CheckArn(*impl_, arn));
  if (keys.size() > 200) return InvalidArgument("at most 200 tag keys");
  return impl_->catalog->RemoveTags(arn, keys);
}

Result<ahi::Tags> Store::ListTagsForResource(const std::string& arn) {
  OPENHI_RETURN_IF_ERROR(CheckArn(*impl_, arn));
  return impl_->catalog->GetTags(arn);
}

Result<ahi::ImageSetVersion> Store::GetImageSet(const std::string& datastore_id,
                                                const std::string& image_set_id,
                                                std::optional<int64_t> version) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", datastore_id));
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("imageSetId", image_set_id));
  return impl_->catalog->GetImageSet(datastore_id, image_set_id, version);
}

Result<Bytes> Store::GetImageSetMetadata(const std::string& datastore_id,
                                         const std::string& image_set_id,
                                         std::optional<int64_t> version) {
  OPENHI_ASSIGN_OR_RETURN(ahi::ImageSetVersion v, GetImageSet(datastore_id, image_set_id, version));
  if (v.state == ahi::ImageSetState::kDeleted) {
    return NotFound("image set " + image_set_id + " was deleted");
  }
  OPENHI_ASSIGN_OR_RETURN(std::string key, impl_->catalog->GetMetadataKey(image_set_id, v.version));
  return impl_->blobs->Get(key);
}

Result<ImageFrame> Store::GetImageFrame(const std::string& datastore_id,
                                        const std::string& image_set_id,
                                        const std::string& frame_id) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", datastore_id));
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("imageSetId", image_set_id));
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("imageFrameId", frame_id));
  auto row = impl_->catalog->GetLiveFrame(datastore_id, image_set_id, frame_id);
  if (!row.ok()) {
    if (row.status().code() != StatusCode::kNotFound) return row.status();
    // Say which of the two is missing, as AHI does.
    OPENHI_RETURN_IF_ERROR(GetImageSet(datastore_id, image_set_id).status());
    return row.status();
  }
  std::string content_type = FrameContentType(row->transfer_syntax);
  if (auto cached = impl_->frame_cache->Get(row->blob_key)) {
    return ImageFrame{std::move(cached), std::move(content_type)};
  }
  auto bytes = impl_->blobs->Get(row->blob_key);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return DataLoss("frame " + frame_id + " is indexed but its blob is missing");
    }
    return bytes.status();
  }
  auto shared = std::make_shared<const Bytes>(std::move(*bytes));
  impl_->frame_cache->Put(row->blob_key, shared);
  return ImageFrame{std::move(shared), std::move(content_type)};
}

Result<std::vector<ahi::ImageSetVersion>> Store::ListImageSetVersions(
    const std::string& datastore_id, const std::string& image_set_id) {
  OPENHI_RETURN_IF_ERROR(GetImageSet(datastore_id, image_set_id).status());
  return impl_->catalog->ListVersions(image_set_id);
}

Result<SearchPage> Store::SearchImageSets(const std::string& datastore_id,
                                          const ahi::SearchCriteria& criteria, int max_results,
                                          const std::string& next_token) {
  OPENHI_RETURN_IF_ERROR(impl_->ActiveDatastore(datastore_id).status());
  if (max_results < 1 || max_results > 50) return InvalidArgument("maxResults must be 1 to 50");
  size_t offset = 0;
  if (!next_token.empty()) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(next_token.c_str(), &end, 10);
    if (!end || *end != '\0' || next_token.size() > 12) {
      return InvalidArgument("nextToken is invalid");
    }
    offset = static_cast<size_t>(v);
  }
  OPENHI_ASSIGN_OR_RETURN(auto all, impl_->catalog->Search(datastore_id, criteria));
  SearchPage page;
  for (size_t i = offset; i < all.size() && page.summaries.size() < size_t(max_results); ++i) {
    page.summaries.push_back(std::move(all[i]));
  }
  if (offset + page.summaries.size() < all.size()) {
    page.next_token = std::to_string(offset + page.summaries.size());
  }
  return page;
}

}  // namespace openhi::store
