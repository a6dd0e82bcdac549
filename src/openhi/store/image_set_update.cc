// UpdateImageSetMetadata (ahi-api.md §8): partial-document updates, removals and reverts, each
// creating a new immutable version.
#include "openhi/ahi/json.h"
#include "openhi/core/clock.h"
#include "openhi/core/logging.h"
#include "openhi/store/internal/store_impl.h"

namespace openhi::store {
namespace {

constexpr size_t kMaxUpdatePayload = 10 * 1024;  // AHI quota: 10 KB per update

bool IsReadOnlyKey(const std::string& k) {
  for (const char* r : {"SchemaVersion", "DatastoreID", "ImageSetID", "PixelData", "Checksum",
                        "Width", "Height", "MinPixelValue", "MaxPixelValue", "FrameSizeInBytes",
                        "ImageFrames", "StoredTransferSyntaxUID"}) {
    if (k == r) return true;
  }
  return false;
}

bool IsUidKey(const std::string& k) {
  return k == "StudyInstanceUID" || k == "SeriesInstanceUID" || k == "SOPInstanceUID" ||
         k == "StudyID";
}

bool IsHexTag(const std::string& k) {
  return k.size() == 8 && std::all_of(k.begin(), k.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

struct UpdateContext {
  bool force = false;
  bool is_primary = true;
  bool forced_used = false;
};

// Checks one attribute of an update against the service's constraints.
Status CheckAttribute(const std::string& key, const Json& value, Level level, UpdateContext& c) {
  if (IsReadOnlyKey(key)) return InvalidArgument(key + " is generated and cannot be updated");
  Level expected = LevelOfKey(key);
  if (expected != level) {
    return InvalidArgument(key + " must be given at its normalized level");
  }
  bool needs_force = IsUidKey(key) || IsHexTag(key) || value.is_array() ||
                     (value.is_object());
  if (needs_force) {
    if (!c.force) return InvalidArgument("updating " + key + " requires force=true");
    c.forced_used = true;
  }
  if (IsUidKey(key) && c.is_primary) {
    return InvalidArgument(key + " cannot be changed on a primary image set");
  }
  return Status::Ok();
}

Status ApplyLevel(Json& target, const Json& updates, Level level, UpdateContext& c, bool remove) {
  if (!updates.is_object()) return InvalidArgument("DICOM must be an object");
  for (auto it = updates.begin(); it != updates.end(); ++it) {
    OPENHI_RETURN_IF_ERROR(CheckAttribute(it.key(), it.value(), level, c));
    if (remove) {
      if (!target.contains(it.key()) || target[it.key()] != it.value()) {
        return InvalidArgument("cannot remove " + it.key() + ": value does not match");
      }
      target.erase(it.key());
    } else {
      target[it.key()] = it.value();
    }
  }
  return Status::Ok();
}

// Applies one partial document (updatable or removable) to `doc`.
Status ApplyPartial(MetadataDocument& doc, const Json& partial, UpdateContext& c, bool remove) {
  if (!partial.is_object()) return InvalidArgument("update payload must be a JSON object");
  Json& d = doc.mutable_json();
  for (auto it = partial.begin(); it != partial.end(); ++it) {
    const std::string& k = it.key();
    if (k == "SchemaVersion") continue;
    if (k == "Patient") {
      if (it->contains("DICOM")) {
        OPENHI_RETURN_IF_ERROR(
            ApplyLevel(d["Patient"]["DICOM"], (*it)["DICOM"], Level::kPatient, c, remove));
      }
    } else if (k == "Study") {
      const Json& study = *it;
      if (!study.is_object()) return InvalidArgument("Study must be an object");
      if (study.contains("DICOM")) {
        OPENHI_RETURN_IF_ERROR(
            ApplyLevel(d["Study"]["DICOM"], study["DICOM"], Level::kStudy, c, remove));
      }
      if (!study.contains("Series")) continue;
      if (!study["Series"].is_object()) return InvalidArgument("Series must be an object");
      for (auto s = study["Series"].begin(); s != study["Series"].end(); ++s) {
        Json& series_map = d["Study"]["Series"];
        if (!series_map.contains(s.key())) {
          return InvalidArgument("series " + s.key() + " does not exist in the image set");
        }
        if (!s->is_object()) return InvalidArgument("series entries must be objects");
        if (remove && s->empty()) {  // {} removes the whole series
          if (!c.force) return InvalidArgument("removing a series requires force=true");
          c.forced_used = true;
          series_map.erase(s.key());
          continue;
        }
        Json& series = series_map[s.key()];
        if (s->contains("DICOM")) {
          OPENHI_RETURN_IF_ERROR(
              ApplyLevel(series["DICOM"], (*s)["DICOM"], Level::kSeries, c, remove));
        }
        if (!s->contains("Instances")) continue;
        for (auto i = (*s)["Instances"].begin(); i != (*s)["Instances"].end(); ++i) {
          if (!series["Instances"].contains(i.key())) {
            return InvalidArgument("instance " + i.key() + " does not exist in the image set");
          }
          if (remove && i->empty()) {  // {} removes the instance
            if (!c.force) return InvalidArgument("removing an instance requires force=true");
            c.forced_used = true;
            doc.RemoveInstance(s.key(), i.key());
            continue;
          }
          Json& inst = series["Instances"][i.key()];
          if (i->contains("DICOM")) {
            OPENHI_RETURN_IF_ERROR(
                ApplyLevel(inst["DICOM"], (*i)["DICOM"], Level::kInstance, c, remove));
          }
          if (i->contains("DICOMVRs") && (*i)["DICOMVRs"].is_object()) {
            for (auto vr = (*i)["DICOMVRs"].begin(); vr != (*i)["DICOMVRs"].end(); ++vr) {
              if (remove) inst["DICOMVRs"].erase(vr.key());
              else inst["DICOMVRs"][vr.key()] = vr.value();
            }
          }
        }
      }
    } else {
      return InvalidArgument("unknown top-level member '" + k + "' in update payload");
    }
  }
  return Status::Ok();
}

Result<Json> ParsePartial(const std::string& text) {
  if (text.size() > kMaxUpdatePayload) {
    return InvalidArgument("update payload exceeds 10 KB");
  }
  OPENHI_ASSIGN_OR_RETURN(Json j, ahi::ParseJson(text));
  if (!j.is_object()) return InvalidArgument("update payload must be a JSON object");
  return j;
}

}  // namespace

Result<ahi::ImageSetVersion> Store::UpdateImageSetMetadata(const UpdateRequest& r) {
  OPENHI_RETURN_IF_ERROR(impl_->ActiveDatastore(r.datastore_id).status());
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("imageSetId", r.image_set_id));
  const bool has_updates = !r.updatable_attributes.empty() || !r.removable_attributes.empty();
  if (has_updates == r.revert_to_version.has_value()) {
    return InvalidArgument("give exactly one of DICOMUpdates or revertToVersionId");
  }
  std::lock_guard lock(impl_->write_mu);
  OPENHI_ASSIGN_OR_RETURN(ahi::ImageSetVersion cur,
                          impl_->catalog->GetImageSet(r.datastore_id, r.image_set_id));
  if (cur.state == ahi::ImageSetState::kDeleted) {
    return NotFound("image set " + r.image_set_id + " was deleted");
  }
  if (cur.state == ahi::ImageSetState::kLocked) {
    return FailedPrecondition("image set " + r.image_set_id + " is locked by another operation");
  }
  if (r.latest_version != cur.version) {
    return Aborted("latestVersion " + std::to_string(r.latest_version) +
                   " is not the latest version (" + std::to_string(cur.version) + ")");
  }
  UpdateContext ctx{r.force, cur.is_primary, false};
  MetadataDocument doc("", "");
  if (r.revert_to_version) {
    if (*r.revert_to_version < 1 || *r.revert_to_version >= cur.version) {
      return InvalidArgument("revertToVersionId must name an earlier version");
    }
    OPENHI_ASSIGN_OR_RETURN(doc, impl_->LoadDocument(r.image_set_id, *r.revert_to_version));
  } else {
    OPENHI_ASSIGN_OR_RETURN(doc, impl_->LoadDocument(r.image_set_id, cur.version));
    if (!r.updatable_attributes.empty()) {
      OPENHI_ASSIGN_OR_RETURN(Json upd, ParsePartial(r.updatable_attributes));
      OPENHI_RETURN_IF_ERROR(ApplyPartial(doc, upd, ctx, /*remove=*/false));
    }
    if (!r.removable_attributes.empty()) {
      OPENHI_ASSIGN_OR_RETURN(Json rem, ParsePartial(r.removable_attributes));
      OPENHI_RETURN_IF_ERROR(ApplyPartial(doc, rem, ctx, /*remove=*/true));
    }
    if (doc.InstanceCount() == 0) {
      return InvalidArgument("an update cannot remove every instance; delete the image set");
    }
  }
  VersionWrite w;
  w.version = cur;
  w.version.version = cur.version + 1;
  w.version.state = ahi::ImageSetState::kActive;
  w.version.workflow = ahi::ImageSetWorkflowStatus::kUpdated;
  w.version.forced = ctx.forced_used;
  w.version.message.clear();
  w.version.updated_at = NowEpochSeconds();
  w.keys = KeysFromDocument(doc);
  OPENHI_ASSIGN_OR_RETURN(w.metadata_key,
                          impl_->SaveDocument(r.datastore_id, doc, w.version.version));
  OPENHI_RETURN_IF_ERROR(impl_->blobs->Sync());
  OPENHI_RETURN_IF_ERROR(impl_->catalog->Publish({w}));
  LogInfo("imageset.updated id=" + r.image_set_id + " version=" +
          std::to_string(w.version.version));
  // The response describes the (instantly finished) asynchronous update as AHI reports it.
  ahi::ImageSetVersion out = w.version;
  out.state = ahi::ImageSetState::kLocked;
  out.workflow = ahi::ImageSetWorkflowStatus::kUpdating;
  return out;
}

}  // namespace openhi::store
