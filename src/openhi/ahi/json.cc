#include "openhi/ahi/json.h"

#include <regex>

#include "openhi/core/base64.h"

namespace openhi::ahi {
namespace {

void PutIfNotEmpty(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}


const char* SortFieldName(SearchField f) {
  switch (f) {
    case SearchField::kCreatedAt: return "createdAt";
    case SearchField::kStudyDateAndTime: return "DICOMStudyDateAndTime";
    default: return "updatedAt";
  }
}

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<SearchValue> ParseSearchValue(const Json& v) {
  if (!v.is_object() || v.size() != 1) {
    return InvalidArgument("each search value must have exactly one member");
  }
  const auto& [key, val] = *v.items().begin();
  SearchValue out;
  auto text = [&](SearchField f, size_t max_len) -> Result<SearchValue> {
    if (!val.is_string()) return InvalidArgument(key + " must be a string");
    std::string s = val.get<std::string>();
    if (s.empty() || s.size() > max_len) return InvalidArgument(key + " has an invalid length");
    out.field = f;
    out.text = s;
    return out;
  };
  if (key == "DICOMPatientId") return text(SearchField::kPatientId, 64);
  if (key == "DICOMAccessionNumber") return text(SearchField::kAccessionNumber, 64);
  if (key == "DICOMStudyId") return text(SearchField::kStudyId, 16);
  if (key == "DICOMStudyInstanceUID") return text(SearchField::kStudyInstanceUid, 64);
  if (key == "DICOMSeriesInstanceUID") return text(SearchField::kSeriesInstanceUid, 64);
  if (key == "createdAt" || key == "updatedAt") {
    if (!val.is_number()) return InvalidArgument(key + " must be a timestamp (epoch seconds)");
    out.field = key == "createdAt" ? SearchField::kCreatedAt : SearchField::kUpdatedAt;
    out.number = val.get<double>();
    return out;
  }
  if (key == "isPrimary") {
    if (!val.is_boolean()) return InvalidArgument("isPrimary must be a boolean");
    out.field = SearchField::kIsPrimary;
    out.flag = val.get<bool>();
    return out;
  }
  if (key == "DICOMStudyDateAndTime") {
    if (!val.is_object() || !val.contains("DICOMStudyDate") ||
        !val["DICOMStudyDate"].is_string()) {
      return InvalidArgument("DICOMStudyDateAndTime requires DICOMStudyDate");
    }
    std::string date = val["DICOMStudyDate"].get<std::string>();
    if (date.size() != 8 || !IsDigits(date)) {
      return InvalidArgument("DICOMStudyDate must be YYYYMMDD");
    }
    std::string time = "000000";
    if (val.contains("DICOMStudyTime")) {
      if (!val["DICOMStudyTime"].is_string()) return InvalidArgument("DICOMStudyTime must be text");
      time = val["DICOMStudyTime"].get<std::string>();
      static const std::regex kTime(R"(^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$)");
      if (!std::regex_match(time, kTime)) {
        return InvalidArgument("DICOMStudyTime must be HHMMSS[.FFFFFF]");
      }
    }
    // Normalise to a sortable "YYYYMMDDHHMMSS.FFFFFF".
    std::string hhmmss = time.substr(0, std::min<size_t>(6, time.size()));
    hhmmss.resize(6, '0');
    std::string frac = time.size() > 7 ? time.substr(7) : "";
    frac.resize(6, '0');
    out.field = SearchField::kStudyDateAndTime;
    out.text = date + hhmmss + "." + frac;
    return out;
  }
  return InvalidArgument("unknown search attribute '" + key + "'");
}

}  // namespace

Json DatastorePropertiesJson(const Datastore& d) {
  Json j = DatastoreSummaryJson(d);
  PutIfNotEmpty(j, "kmsKeyArn", d.kms_key_arn);
  PutIfNotEmpty(j, "lambdaAuthorizerArn", d.lambda_authorizer_arn);
  j["losslessStorageFormat"] = ToString(d.lossless_format);
  return j;
}

Json DatastoreSummaryJson(const Datastore& d) {
  return Json{{"datastoreId", d.id},         {"datastoreName", d.name},
              {"datastoreStatus", ToString(d.status)}, {"datastoreArn", d.arn},
              {"createdAt", d.created_at},   {"updatedAt", d.updated_at}};
}

Json JobSummaryJson(const ImportJob& j) {
  Json out{{"jobId", j.id},
           {"jobName", j.name},
           {"jobStatus", ToString(j.status)},
           {"datastoreId", j.datastore_id},
           {"dataAccessRoleArn", j.data_access_role_arn},
           {"submittedAt", j.submitted_at}};
  if (j.ended_at) out["endedAt"] = *j.ended_at;
  PutIfNotEmpty(out, "message", j.message);
  return out;
}

Json JobPropertiesJson(const ImportJob& j) {
  Json out = JobSummaryJson(j);
  out["inputS3Uri"] = j.input_uri;
  out["outputS3Uri"] = j.output_uri;
  return out;
}

Json GetImageSetJson(const ImageSetVersion& v) {
  Json j{{"datastoreId", v.datastore_id},
         {"imageSetId", v.image_set_id},
         {"versionId", std::to_string(v.version)},
         {"imageSetState", ToString(v.state)},
         {"imageSetWorkflowStatus", ToString(v.workflow)},
         {"createdAt", v.created_at},
         {"updatedAt", v.updated_at},
         {"imageSetArn", v.arn},
         {"isPrimary", v.is_primary}};
  if (v.deleted_at) j["deletedAt"] = *v.deleted_at;
  PutIfNotEmpty(j, "message", v.message);
  if (v.forced) j["overrides"] = Json{{"forced", true}};
  return j;
}

Json ImageSetPropertiesJson(const ImageSetVersion& v) {
  Json j{{"imageSetId", v.image_set_id},
         {"versionId", std::to_string(v.version)},
         {"imageSetState", ToString(v.state)},
         // Capital I: a quirk of the service model, which the SDKs expect.
         {"ImageSetWorkflowStatus", ToString(v.workflow)},
         {"createdAt", v.created_at},
         {"updatedAt", v.updated_at},
         {"isPrimary", v.is_primary}};
  if (v.deleted_at) j["deletedAt"] = *v.deleted_at;
  PutIfNotEmpty(j, "message", v.message);
  if (v.forced) j["overrides"] = Json{{"forced", true}};
  return j;
}

Json ImageSetSummaryJson(const ImageSetSummary& s) {
  const DicomTags& t = s.tags;
  Json tags = Json::object();
  PutIfNotEmpty(tags, "DICOMPatientId", t.patient_id);
  PutIfNotEmpty(tags, "DICOMPatientName", t.patient_name);
  PutIfNotEmpty(tags, "DICOMPatientBirthDate", t.patient_birth_date);
  PutIfNotEmpty(tags, "DICOMPatientSex", t.patient_sex);
  PutIfNotEmpty(tags, "DICOMStudyInstanceUID", t.study_instance_uid);
  PutIfNotEmpty(tags, "DICOMStudyId", t.study_id);
  PutIfNotEmpty(tags, "DICOMStudyDescription", t.study_description);
  tags["DICOMNumberOfStudyRelatedSeries"] = t.number_of_study_related_series;
  tags["DICOMNumberOfStudyRelatedInstances"] = t.number_of_study_related_instances;
  PutIfNotEmpty(tags, "DICOMAccessionNumber", t.accession_number);
  PutIfNotEmpty(tags, "DICOMSeriesInstanceUID", t.series_instance_uid);
  PutIfNotEmpty(tags, "DICOMSeriesModality", t.series_modality);
  PutIfNotEmpty(tags, "DICOMSeriesBodyPart", t.series_body_part);
  if (t.series_number) tags["DICOMSeriesNumber"] = *t.series_number;
  PutIfNotEmpty(tags, "DICOMStudyDate", t.study_date);
  PutIfNotEmpty(tags, "DICOMStudyTime", t.study_time);
  return Json{{"imageSetId", s.image_set_id}, {"version", s.version},
              {"createdAt", s.created_at},    {"updatedAt", s.updated_at},
              {"isPrimary", s.is_primary},    {"DICOMTags", tags}};
}

Result<SearchCriteria> ParseSearchCriteria(const Json& body) {
  SearchCriteria c;
  if (body.is_null()) return c;
  if (!body.is_object()) return InvalidArgument("search criteria must be a JSON object");
  for (const auto& [key, _] : body.items()) {
    if (key != "filters" && key != "sort") {
      return InvalidArgument("unknown search criteria member '" + key + "'");
    }
  }
  if (body.contains("filters")) {
    const Json& fs = body["filters"];
    if (!fs.is_array() || fs.empty() || fs.size() > 2) {
      return InvalidArgument("filters must be a list of 1 to 2 filters");
    }
    for (const Json& f : fs) {
      if (!f.is_object() || !f.contains("operator") || !f.contains("values") ||
          !f["operator"].is_string() || !f["values"].is_array()) {
        return InvalidArgument("each filter needs 'operator' and 'values'");
      }
      SearchFilter filter;
      std::string op = f["operator"].get<std::string>();
      if (op == "BETWEEN") filter.between = true;
      else if (op != "EQUAL") return InvalidArgument("operator must be EQUAL or BETWEEN");
      for (const Json& v : f["values"]) {
        OPENHI_ASSIGN_OR_RETURN(SearchValue sv, ParseSearchValue(v));
        filter.values.push_back(std::move(sv));
      }
      if (!filter.between && filter.values.size() != 1) {
        return InvalidArgument("EQUAL takes exactly one value");
      }
      if (filter.between) {
        if (filter.values.size() != 2 || filter.values[0].field != filter.values[1].field) {
          return InvalidArgument("BETWEEN takes two values of the same attribute");
        }
        SearchField f0 = filter.values[0].field;
        if (f0 != SearchField::kCreatedAt && f0 != SearchField::kUpdatedAt &&
            f0 != SearchField::kStudyDateAndTime) {
          return InvalidArgument(
              "BETWEEN is supported only for createdAt, updatedAt and DICOMStudyDateAndTime");
        }
      }
      c.filters.push_back(std::move(filter));
    }
  }
  if (body.contains("sort")) {
    const Json& s = body["sort"];
    if (!s.is_object() || !s.contains("sortField") || !s.contains("sortOrder") ||
        !s["sortField"].is_string() || !s["sortOrder"].is_string()) {
      return InvalidArgument("sort needs sortField and sortOrder");
    }
    std::string field = s["sortField"].get<std::string>();
    std::string order = s["sortOrder"].get<std::string>();
    if (field == "updatedAt") c.sort_field = SearchField::kUpdatedAt;
    else if (field == "createdAt") c.sort_field = SearchField::kCreatedAt;
    else if (field == "DICOMStudyDateAndTime") c.sort_field = SearchField::kStudyDateAndTime;
    else return InvalidArgument("sortField must be updatedAt, createdAt or DICOMStudyDateAndTime");
    if (order == "ASC") c.sort_ascending = true;
    else if (order == "DESC") c.sort_ascending = false;
    else return InvalidArgument("sortOrder must be ASC or DESC");
    c.has_sort = true;
  }
  return c;
}

Json SortJson(const SearchCriteria& c) {
  return Json{{"sortField", SortFieldName(c.sort_field)},
              {"sortOrder", c.sort_ascending ? "ASC" : "DESC"}};
}

Json CreateDatastoreResponseJson(const Datastore& d) {
  return Json{{"datastoreId", d.id}, {"datastoreStatus", ToString(d.status)}};
}

Json DeleteDatastoreResponseJson(const Datastore& d) { return CreateDatastoreResponseJson(d); }

Json StartImportResponseJson(const ImportJob& j) {
  return Json{{"datastoreId", j.datastore_id},
              {"jobId", j.id},
              {"jobStatus", ToString(j.status)},
              {"submittedAt", j.submitted_at}};
}

Json UpdateImageSetMetadataResponseJson(const ImageSetVersion& v) {
  Json j{{"datastoreId", v.datastore_id},
         {"imageSetId", v.image_set_id},
         {"latestVersionId", std::to_string(v.version)},
         {"imageSetState", ToString(v.state)},
         {"imageSetWorkflowStatus", ToString(v.workflow)},
         {"createdAt", v.created_at},
         {"updatedAt", v.updated_at}};
  PutIfNotEmpty(j, "message", v.message);
  return j;
}

Json CopyImageSetResponseJson(const ImageSetVersion& source, const ImageSetVersion& destination) {
  auto props = [](const ImageSetVersion& v) {
    return Json{{"imageSetId", v.image_set_id},
                {"latestVersionId", std::to_string(v.version)},
                {"imageSetState", ToString(v.state)},
                {"imageSetWorkflowStatus", ToString(v.workflow)},
                {"createdAt", v.created_at},
                {"updatedAt", v.updated_at},
                {"imageSetArn", v.arn}};
  };
  return Json{{"datastoreId", source.datastore_id},
              {"sourceImageSetProperties", props(source)},
              {"destinationImageSetProperties", props(destination)}};
}

Json DeleteImageSetResponseJson(const ImageSetVersion& v) {
  return Json{{"datastoreId", v.datastore_id},
              {"imageSetId", v.image_set_id},
              {"imageSetState", ToString(v.state)},
              {"imageSetWorkflowStatus", ToString(v.workflow)}};
}

Result<int64_t> ParseVersionId(std::string_view text) {
  if (text.empty() || text.size() > 18) return InvalidArgument("version IDs are decimal numbers");
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return InvalidArgument("version IDs are decimal numbers");
    v = v * 10 + (c - '0');
  }
  if (v < 1) return InvalidArgument("version IDs start at 1");
  return v;
}

namespace {
// An attribute document: base64 of JSON (the wire form) or, leniently, raw JSON text.
Result<std::string> DecodeAttributeDocument(const Json& v, const char* name) {
  if (!v.is_string()) return InvalidArgument(std::string(name) + " must be a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (!s.empty() && s.front() == '{') return s;
  auto raw = Base64Decode(s);
  if (!raw.ok()) return InvalidArgument(std::string(name) + " is neither base64 nor JSON");
  return std::string(AsStringView(*raw));
}
}  // namespace

Result<CopyImageSetInformation> ParseCopyImageSetInformation(const Json& j) {
  CopyImageSetInformation out;
  if (!j.is_object() || !j.contains("sourceImageSet") || !j["sourceImageSet"].is_object() ||
      !j["sourceImageSet"].contains("latestVersionId") ||
      !j["sourceImageSet"]["latestVersionId"].is_string()) {
    return InvalidArgument("sourceImageSet.latestVersionId is required");
  }
  const Json& sj = j["sourceImageSet"];
  OPENHI_ASSIGN_OR_RETURN(out.source_latest_version,
                          ParseVersionId(sj["latestVersionId"].get<std::string>()));
  if (sj.contains("DICOMCopies")) {
    const Json& dc = sj["DICOMCopies"];
    if (!dc.is_object() || !dc.contains("copiableAttributes") ||
        !dc["copiableAttributes"].is_string()) {
      return InvalidArgument("DICOMCopies.copiableAttributes must be a string");
    }
    out.copiable_attributes = dc["copiableAttributes"].get<std::string>();
    if (out.copiable_attributes.empty() || out.copiable_attributes.size() > 260000) {
      return InvalidArgument("copiableAttributes must be 1 to 260000 characters");
    }
  }
  if (j.contains("destinationImageSet")) {
    const Json& dj = j["destinationImageSet"];
    if (!dj.is_object() || !dj.contains("imageSetId") || !dj["imageSetId"].is_string() ||
        !dj.contains("latestVersionId") || !dj["latestVersionId"].is_string()) {
      return InvalidArgument("destinationImageSet needs imageSetId and latestVersionId");
    }
    out.destination_image_set_id = dj["imageSetId"].get<std::string>();
    OPENHI_ASSIGN_OR_RETURN(out.destination_latest_version,
                            ParseVersionId(dj["latestVersionId"].get<std::string>()));
  }
  return out;
}

Result<MetadataUpdates> ParseMetadataUpdates(const Json& body) {
  if (!body.is_object()) return InvalidArgument("updateImageSetMetadataUpdates must be an object");
  MetadataUpdates out;
  const bool has_updates = body.contains("DICOMUpdates");
  const bool has_revert = body.contains("revertToVersionId");
  if (has_updates == has_revert) {
    return InvalidArgument("give exactly one of DICOMUpdates or revertToVersionId");
  }
  if (has_revert) {
    const Json& r = body["revertToVersionId"];
    if (!r.is_string()) return InvalidArgument("revertToVersionId must be a string");
    OPENHI_ASSIGN_OR_RETURN(int64_t v, ParseVersionId(r.get<std::string>()));
    out.revert_to_version = v;
    return out;
  }
  const Json& u = body["DICOMUpdates"];
  if (!u.is_object()) return InvalidArgument("DICOMUpdates must be an object");
  if (u.contains("updatableAttributes")) {
    OPENHI_ASSIGN_OR_RETURN(out.updatable_attributes,
                            DecodeAttributeDocument(u["updatableAttributes"], "updatableAttributes"));
  }
  if (u.contains("removableAttributes")) {
    OPENHI_ASSIGN_OR_RETURN(out.removable_attributes,
                            DecodeAttributeDocument(u["removableAttributes"], "removableAttributes"));
  }
  if (out.updatable_attributes.empty() && out.removable_attributes.empty()) {
    return InvalidArgument("DICOMUpdates needs updatableAttributes or removableAttributes");
  }
  return out;
}

Result<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  return j;
}

}  // namespace openhi::ahi
