#include <algorithm>

#include "openhi/core/gzip.h"
#include "openhi/core/ids.h"
#include "openhi/store/internal/store_impl.h"

namespace openhi::store {
namespace {

std::string TextOf(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return "";
  const Json& v = obj[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty() && v[0].is_string()) return v[0].get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  size_t b = s.find_first_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b);
}

}  // namespace

std::string FrameBlobPrefix(const std::string& datastore_id, const std::string& job_id) {
  return "frames/" + datastore_id + "/" + job_id + "/";
}

std::string FrameBlobKey(const std::string& blob_prefix, const std::string& frame_id) {
  return blob_prefix + frame_id;
}

std::string MetadataBlobKey(const std::string& datastore_id, const std::string& image_set_id,
                            int64_t version) {
  return "metadata/" + datastore_id + "/" + image_set_id + "/" + std::to_string(version) +
         ".json.gz";
}

Status ValidateIdArg(const std::string& what, const std::string& id) {
  // The service model's pattern. Our own IDs are hex, so a well-formed ID with g-z letters is
  // simply not found; either way only [0-9a-z] ever reaches SQL or a path.
  bool ok = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
            });
  if (!ok) return InvalidArgument(what + " must match [0-9a-z]{32}");
  return Status::Ok();
}

ImageSetKeys KeysFromDocument(const MetadataDocument& doc) {
  const Json& j = doc.json();
  const Json& patient = j["Patient"]["DICOM"];
  const Json& study = j["Study"]["DICOM"];
  ImageSetKeys k;
  auto& t = k.tags;
  t.patient_id = TextOf(patient, "PatientID");
  t.patient_name = TextOf(patient, "PatientName");
  t.patient_birth_date = TextOf(patient, "PatientBirthDate");
  t.patient_sex = TextOf(patient, "PatientSex");
  t.study_instance_uid = TextOf(study, "StudyInstanceUID");
  t.study_id = TextOf(study, "StudyID");
  t.study_description = TextOf(study, "StudyDescription");
  t.accession_number = TextOf(study, "AccessionNumber");
  t.study_date = TextOf(study, "StudyDate");
  t.study_time = TextOf(study, "StudyTime");
  const Json& series_map = j["Study"]["Series"];
  if (!series_map.empty()) {
    const Json& series = series_map.begin().value()["DICOM"];
    t.series_instance_uid = series_map.begin().key();
    t.series_modality = TextOf(series, "Modality");
    t.series_body_part = TextOf(series, "BodyPartExamined");
    std::string number = Trim(TextOf(series, "SeriesNumber"));
    if (!number.empty()) {
      char* end = nullptr;
      long long v = std::strtoll(number.c_str(), &end, 10);
      if (end && *end == '\0') t.series_number = v;
    }
  }
  t.number_of_study_related_series = static_cast<int64_t>(doc.SeriesCount());
  t.number_of_study_related_instances = static_cast<int64_t>(doc.InstanceCount());
  // Sortable study date-time: "YYYYMMDDHHMMSS.FFFFFF" (missing time: midnight).
  std::string date = Trim(t.study_date);
  if (date.size() == 8) {
    std::string time = Trim(t.study_time);
    std::string hhmmss = time.substr(0, std::min<size_t>(6, time.size()));
    hhmmss.resize(6, '0');
    std::string frac = time.size() > 7 ? time.substr(7) : "";
    frac.resize(6, '0');
    k.study_date_time = date + hhmmss + "." + frac;
  }
  return k;
}

Result<MetadataDocument> Store::Impl::LoadDocument(const std::string& image_set_id,
                                                   int64_t version) {
  OPENHI_ASSIGN_OR_RETURN(std::string key, catalog->GetMetadataKey(image_set_id, version));
  OPENHI_ASSIGN_OR_RETURN(Bytes gz, blobs->Get(key));
  auto raw = GzipDecompress(gz);
  if (!raw.ok()) return DataLoss("stored metadata document is corrupt: " + key);
  Json doc = Json::parse(AsStringView(*raw), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return DataLoss("stored metadata document is not JSON: " + key);
  return MetadataDocument::FromJson(std::move(doc));
}

Result<std::string> Store::Impl::SaveDocument(const std::string& datastore_id,
                                              const MetadataDocument& doc, int64_t version) {
  std::string key =
      MetadataBlobKey(datastore_id, doc.json()["ImageSetID"].get<std::string>(), version);
  std::string text = doc.json().dump(-1, ' ', false, Json::error_handler_t::replace);
  OPENHI_ASSIGN_OR_RETURN(Bytes gz, GzipCompress(AsBytes(text)));
  OPENHI_RETURN_IF_ERROR(blobs->Put(key, gz));
  return key;
}

Result<ahi::Datastore> Store::Impl::ActiveDatastore(const std::string& datastore_id) {
  OPENHI_RETURN_IF_ERROR(ValidateIdArg("datastoreId", datastore_id));
  OPENHI_ASSIGN_OR_RETURN(ahi::Datastore d, catalog->GetDatastore(datastore_id));
  if (d.status != ahi::DatastoreStatus::kActive) {
    return FailedPrecondition("datastore " + datastore_id + " is " + ahi::ToString(d.status));
  }
  return d;
}

}  // namespace openhi::store
