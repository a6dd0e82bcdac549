// CopyImageSet and DeleteImageSet (ahi-api.md §6, §8).
#include "openhi/ahi/json.h"
#include "openhi/core/clock.h"
#include "openhi/core/ids.h"
#include "openhi/core/logging.h"
#include "openhi/store/internal/store_impl.h"

namespace openhi::store {
namespace {

// The (series, SOP) pairs that copiableAttributes selects; all of the source when empty.
Result<std::vector<std::pair<std::string, std::string>>> SelectInstances(
    const MetadataDocument& src, const std::string& copiable) {
  std::vector<std::pair<std::string, std::string>> out;
  const Json& series_map = src.json()["Study"]["Series"];
  if (copiable.empty()) {
    for (auto s = series_map.begin(); s != series_map.end(); ++s) {
      for (auto i = (*s)["Instances"].begin(); i != (*s)["Instances"].end(); ++i) {
        out.emplace_back(s.key(), i.key());
      }
    }
    return out;
  }
  OPENHI_ASSIGN_OR_RETURN(Json sel, ahi::ParseJson(copiable));
  if (!sel.is_object() || !sel.contains("Study") || !sel["Study"].is_object() ||
      !sel["Study"].contains("Series") || !sel["Study"]["Series"].is_object()) {
    return InvalidArgument("copiableAttributes must name Study.Series");
  }
  for (auto s = sel["Study"]["Series"].begin(); s != sel["Study"]["Series"].end(); ++s) {
    if (!series_map.contains(s.key())) {
      return InvalidArgument("series " + s.key() + " is not in the source image set");
    }
    const Json& wanted = *s;
    if (!wanted.is_object() || !wanted.contains("Instances") || wanted["Instances"].empty()) {
      for (auto i = series_map[s.key()]["Instances"].begin();
           i != series_map[s.key()]["Instances"].end(); ++i) {
        out.emplace_back(s.key(), i.key());
      }
      continue;
    }
    for (auto i = wanted["Instances"].begin(); i != wanted["Instances"].end(); ++i) {
      if (!src.HasInstance(s.key(), i.key())) {
        return InvalidArgument("instance " + i.key() + " is not in the source image set");
      }
      out.emplace_back(s.key(), i.key());
    }
  }
  if (out.empty()) return InvalidArgument("copiableAttributes selects no instance");
  return out;
}

// Patient and Study attributes present on both sides must agree unless force is set.
Status CheckCompatible(const MetadataDocument& src, const MetadataDocument& dst) {
  for (const char* level : {"Patient", "Study"}) {
    const Json& a = src.json()[level]["DICOM"];
    const Json& b = dst.json()[level]["DICOM"];
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (b.contains(it.key()) && b[it.key()] != it.value()) {
        return FailedPrecondition(std::string(level) + " attribute " + it.key() +
                                  " differs between source and destination; use force");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<CopyResult> Store::CopyImageSet(const CopyRequest& r) {
  OPENHI_RETURN_IF_ERROR(impl_->ActiveDatastore(r.datastore_id).status());
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("sourceImageSetId", r.source_image_set_id));
  if (r.destination_image_set_id) {
    OPENHI_RETURN_IF_ERROR(ValidateIdArg("destinationImageSetId", *r.destination_image_set_id));
    if (*r.destination_image_set_id == r.source_image_set_id) {
      return InvalidArgument("source and destination must differ");
    }
  }
  std::lock_guard lock(impl_->write_mu);
  OPENHI_ASSIGN_OR_RETURN(ahi::ImageSetVersion src,
                          impl_->catalog->GetImageSet(r.datastore_id, r.source_image_set_id));
  if (src.state == ahi::ImageSetState::kDeleted) return NotFound("source image set was deleted");
  if (r.source_latest_version != src.version) {
    return Aborted("source latestVersionId is not the latest version (" +
                   std::to_string(src.version) + ")");
  }
  OPENHI_ASSIGN_OR_RETURN(MetadataDocument src_doc,
                          impl_->LoadDocument(src.image_set_id, src.version));
  OPENHI_ASSIGN_OR_RETURN(auto selected, SelectInstances(src_doc, r.copiable_attributes));

  const double now = NowEpochSeconds();
  VersionWrite w;
  MetadataDocument dst_doc("", "");
  if (r.destination_image_set_id) {
    OPENHI_ASSIGN_OR_RETURN(ahi::ImageSetVersion dst,
                            impl_->catalog->GetImageSet(r.datastore_id,
                                                        *r.destination_image_set_id));
    if (dst.state == ahi::ImageSetState::kDeleted) {
      return NotFound("destination image set was deleted");
    }
    if (r.destination_latest_version != dst.version) {
      return Aborted("destination latestVersionId is not the latest version (" +
                     std::to_string(dst.version) + ")");
    }
    OPENHI_ASSIGN_OR_RETURN(dst_doc, impl_->LoadDocument(dst.image_set_id, dst.version));
    if (!r.force) OPENHI_RETURN_IF_ERROR(CheckCompatible(src_doc, dst_doc));
    w.version = dst;
    w.version.version = dst.version + 1;
    w.version.forced = r.force;
  } else {
    std::string id = NewId();
    dst_doc = MetadataDocument(r.datastore_id, id);
    w.create_image_set = true;
    w.version.image_set_id = id;
    w.version.datastore_id = r.datastore_id;
    w.version.version = 1;
    w.version.created_at = now;
    w.version.arn = ahi::ImageSetArn(r.datastore_id, id);
    bool primary = false;
    if (r.promote_to_primary) {
      // Only when the study/series has no primary set yet (otherwise it would be a second one).
      ImageSetKeys keys = KeysFromDocument(src_doc);
      OPENHI_ASSIGN_OR_RETURN(auto existing,
                              impl_->catalog->FindPrimary(r.datastore_id,
                                                          keys.tags.study_instance_uid,
                                                          keys.tags.series_instance_uid));
      if (existing) {
        return FailedPrecondition("the series already has a primary image set " + *existing);
      }
      primary = true;
    }
    w.version.is_primary = primary;
  }
  for (const auto& [series, sop] : selected) {
    dst_doc.AddInstance(series, sop, src_doc.MergedInstance(series, sop));
  }
  // Frames are shared, not duplicated: the destination indexes the same immutable blobs.
  for (const auto& [series, sop] : selected) {
    const Json& frames = src_doc.json()["Study"]["Series"][series]["Instances"][sop]["ImageFrames"];
    for (const auto& f : frames) {
      OPENHI_ASSIGN_OR_RETURN(FrameRow row,
                              impl_->catalog->GetFrame(src.image_set_id, f["ID"].get<std::string>()));
      w.new_frames.push_back(std::move(row));
    }
  }
  w.version.state = ahi::ImageSetState::kActive;
  w.version.workflow = ahi::ImageSetWorkflowStatus::kCopied;
  w.version.updated_at = now;
  w.keys = KeysFromDocument(dst_doc);
  OPENHI_ASSIGN_OR_RETURN(w.metadata_key,
                          impl_->SaveDocument(r.datastore_id, dst_doc, w.version.version));
  OPENHI_RETURN_IF_ERROR(impl_->blobs->Sync());
  OPENHI_RETURN_IF_ERROR(impl_->catalog->Publish({w}));
  LogInfo("imageset.copied source=" + src.image_set_id + " destination=" + w.version.image_set_id);
  CopyResult out;
  out.source = src;
  out.destination = w.version;
  return out;
}

Result<ahi::ImageSetVersion> Store::DeleteImageSet(const std::string& datastore_id,
                                                   const std::string& image_set_id) {
  OPENHI_RETURN_IF_ERROR(impl_->ActiveDatastore(datastore_id).status());
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("imageSetId", image_set_id));
  std::lock_guard lock(impl_->write_mu);
  OPENHI_ASSIGN_OR_RETURN(ahi::ImageSetVersion v,
                          impl_->catalog->GetImageSet(datastore_id, image_set_id));
  if (v.state != ahi::ImageSetState::kDeleted) {
    OPENHI_ASSIGN_OR_RETURN(auto orphans,
                            impl_->catalog->DeleteImageSet(image_set_id, NowEpochSeconds()));
    // The catalog no longer references these; removing them is space reclamation only.
    for (const auto& key : orphans) {
      impl_->frame_cache->Erase(key);
      impl_->blobs->Delete(key).IgnoreError();
    }
    LogInfo("imageset.deleted id=" + image_set_id);
  }
  v.state = ahi::ImageSetState::kLocked;
  v.workflow = ahi::ImageSetWorkflowStatus::kDeleting;
  return v;
}

}  // namespace openhi::store
