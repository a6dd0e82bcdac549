#pragma once
// MetadataDocument: an image set's AHI metadata document (ahi-api.md §7, SchemaVersion 1.1) and
// the normalisation that builds it from instances.
//
//   {"SchemaVersion":"1.1","DatastoreID","ImageSetID",
//    "Patient":{"DICOM":{...}},
//    "Study":{"DICOM":{...},"Series":{"<SeriesUID>":{"DICOM":{...},
//             "Instances":{"<SOPUID>":{"DICOM":{...},"DICOMVRs":{...},
//                                      "StoredTransferSyntaxUID":"...","ImageFrames":[...]}}}}}}
//
// Level rule (documented in docs/formats/metadata-document.md): an attribute whose tag is a
// Patient/Study/Series-level tag is placed at that level by the first instance that creates the
// level. A later instance whose value differs (e.g. the per-slice FrameOfReferenceUID of the LIDC
// series) keeps its own value in its instance DICOM object, so merging levels with "the instance
// wins" rebuilds every original exactly. Not thread-safe; a value type.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/core/status.h"

namespace openhi::store {

using Json = nlohmann::json;

enum class Level { kPatient, kStudy, kSeries, kInstance };

// The level of a DICOM-object key (a keyword or an 8-hex tag).
Level LevelOfKey(const std::string& key);

class MetadataDocument {
 public:
  MetadataDocument(const std::string& datastore_id, const std::string& image_set_id);
  // Wraps an existing document (e.g. a stored version). kInvalidArgument if it lacks the shape.
  static Result<MetadataDocument> FromJson(Json doc);

  // Adds (or replaces) one instance. `instance` is {"DICOM":{...},"DICOMVRs":{...}} as produced
  // by dicom::DicomFile::ToAhiJson, with StoredTransferSyntaxUID and ImageFrames already set.
  // Level attributes are split off per the level rule above.
  void AddInstance(const std::string& series_uid, const std::string& sop_uid, Json instance);

  bool HasInstance(const std::string& series_uid, const std::string& sop_uid) const;
  // The instance merged with its levels (instance wins): what the original file carried.
  Json MergedInstance(const std::string& series_uid, const std::string& sop_uid) const;
  // Removes an instance; removes its series when it was the last one. Returns false if absent.
  bool RemoveInstance(const std::string& series_uid, const std::string& sop_uid);

  size_t InstanceCount() const;
  size_t SeriesCount() const;
  // Every frame ID referenced by ImageFrames.
  std::vector<std::string> FrameIds() const;

  void SetImageSetId(const std::string& id) { doc_["ImageSetID"] = id; }
  const Json& json() const { return doc_; }
  Json& mutable_json() { return doc_; }

 private:
  explicit MetadataDocument(Json doc) : doc_(std::move(doc)) {}
  Json doc_;
};

}  // namespace openhi::store
