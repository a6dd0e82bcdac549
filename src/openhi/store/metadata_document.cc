#include "openhi/store/metadata_document.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/p10_rebuild.h"
#include "openhi/store/normalization_levels.h"

namespace openhi::store {
namespace {

const std::unordered_map<std::string, Level>& LevelByKey() {
  static const auto* kMap = [] {
    auto* m = new std::unordered_map<std::string, Level>();
    auto add = [&](const std::vector<uint32_t>& tags, Level level) {
      for (uint32_t t : tags) {
        std::string kw = dicom::KeywordForTag(t);
        (*m)[kw.empty() ? dicom::TagKey(t) : kw] = level;
      }
    };
    add(PatientLevelTags(), Level::kPatient);
    add(StudyLevelTags(), Level::kStudy);
    add(SeriesLevelTags(), Level::kSeries);
    return m;
  }();
  return *kMap;
}

Json& LevelObject(Json& doc, Level level, const std::string& series_uid) {
  switch (level) {
    case Level::kPatient: return doc["Patient"]["DICOM"];
    case Level::kStudy: return doc["Study"]["DICOM"];
    default: return doc["Study"]["Series"][series_uid]["DICOM"];
  }
}

}  // namespace

Level LevelOfKey(const std::string& key) {
  const auto& m = LevelByKey();
  auto it = m.find(key);
  return it == m.end() ? Level::kInstance : it->second;
}

MetadataDocument::MetadataDocument(const std::string& datastore_id,
                                   const std::string& image_set_id) {
  doc_ = Json{{"SchemaVersion", "1.1"},
              {"DatastoreID", datastore_id},
              {"ImageSetID", image_set_id},
              {"Patient", {{"DICOM", Json::object()}}},
              {"Study", {{"DICOM", Json::object()}, {"Series", Json::object()}}}};
}

Result<MetadataDocument> MetadataDocument::FromJson(Json doc) {
  if (!doc.is_object() || !doc.contains("Patient") || !doc.contains("Study") ||
      !doc["Study"].is_object() || !doc["Study"].contains("Series") ||
      !doc["Study"]["Series"].is_object()) {
    return InvalidArgument("not an AHI metadata document");
  }
  return MetadataDocument(std::move(doc));
}

void MetadataDocument::AddInstance(const std::string& series_uid, const std::string& sop_uid,
                                   Json instance) {
  Json& series_map = doc_["Study"]["Series"];
  const bool new_series = !series_map.contains(series_uid);
  const bool new_study = doc_["Study"]["DICOM"].empty() && SeriesCount() == 0;
  if (new_series) {
    series_map[series_uid] = Json{{"DICOM", Json::object()}, {"Instances", Json::object()}};
  }
  Json& dicom = instance["DICOM"];
  // Level attributes this instance lacks (the levels it does not create): recorded so that
  // merging the levels does not give the rebuilt instance an attribute its original lacked.
  Json absent = Json::array();
  auto note_absent = [&](const Json& level) {
    for (auto it = level.begin(); it != level.end(); ++it) {
      if (!dicom.contains(it.key())) absent.push_back(it.key());
    }
  };
  if (!new_study) {
    note_absent(doc_["Patient"]["DICOM"]);
    note_absent(doc_["Study"]["DICOM"]);
  }
  if (!new_series) note_absent(series_map[series_uid]["DICOM"]);
  instance.erase(dicom::kAbsentLevelAttributesMember);
  if (!absent.empty()) instance[dicom::kAbsentLevelAttributesMember] = std::move(absent);
  for (auto it = dicom.begin(); it != dicom.end();) {
    Level level = LevelOfKey(it.key());
    bool creates_level = (level == Level::kSeries && new_series) ||
                         ((level == Level::kPatient || level == Level::kStudy) && new_study);
    if (level == Level::kInstance) {
      ++it;
      continue;
    }
    Json& target = LevelObject(doc_, level, series_uid);
    if (creates_level) {
      target[it.key()] = std::move(it.value());
      it = dicom.erase(it);
    } else if (target.contains(it.key()) && target[it.key()] == it.value()) {
      it = dicom.erase(it);  // same as the level: stored once
    } else {
      ++it;  // differs from (or is absent at) the level: the instance keeps its own value
    }
  }
  series_map[series_uid]["Instances"][sop_uid] = std::move(instance);
}

bool MetadataDocument::HasInstance(const std::string& series_uid,
                                   const std::string& sop_uid) const {
  const Json& s = doc_["Study"]["Series"];
  return s.contains(series_uid) && s[series_uid]["Instances"].contains(sop_uid);
}

Json MetadataDocument::MergedInstance(const std::string& series_uid,
                                      const std::string& sop_uid) const {
  const Json& series = doc_["Study"]["Series"][series_uid];
  Json merged = series["Instances"][sop_uid];
  Json& dicom = merged["DICOM"];
  Json absent = Json::array();
  if (auto it = merged.find(dicom::kAbsentLevelAttributesMember); it != merged.end()) {
    absent = std::move(*it);
    merged.erase(it);
  }
  auto is_absent = [&](const std::string& key) {
    return std::find(absent.begin(), absent.end(), key) != absent.end();
  };
  for (const Json* level :
       {&series["DICOM"], &doc_["Study"]["DICOM"], &doc_["Patient"]["DICOM"]}) {
    for (auto it = level->begin(); it != level->end(); ++it) {
      if (!dicom.contains(it.key()) && !is_absent(it.key())) dicom[it.key()] = it.value();
    }
  }
  return merged;
}

bool MetadataDocument::RemoveInstance(const std::string& series_uid, const std::string& sop_uid) {
  if (!HasInstance(series_uid, sop_uid)) return false;
  Json& series_map = doc_["Study"]["Series"];
  series_map[series_uid]["Instances"].erase(sop_uid);
  if (series_map[series_uid]["Instances"].empty()) series_map.erase(series_uid);
  return true;
}

size_t MetadataDocument::InstanceCount() const {
  size_t n = 0;
  for (const auto& [_, s] : doc_["Study"]["Series"].items()) {
    if (s.contains("Instances")) n += s["Instances"].size();
  }
  return n;
}

size_t MetadataDocument::SeriesCount() const { return doc_["Study"]["Series"].size(); }

std::vector<std::string> MetadataDocument::FrameIds() const {
  std::vector<std::string> ids;
  for (const auto& [_, s] : doc_["Study"]["Series"].items()) {
    if (!s.contains("Instances")) continue;
    for (const auto& [__, inst] : s["Instances"].items()) {
      if (!inst.contains("ImageFrames")) continue;
      for (const auto& f : inst["ImageFrames"]) {
        if (f.contains("ID") && f["ID"].is_string()) ids.push_back(f["ID"].get<std::string>());
      }
    }
  }
  return ids;
}

}  // namespace openhi::store
