#include "openhi/store/import_grouping.h"

#include <algorithm>

#include "openhi/core/clock.h"
#include "openhi/core/ids.h"
#include "openhi/store/internal/store_impl.h"

namespace openhi::store {
namespace {

using Json = nlohmann::json;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \0", 0, 2);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \0", std::string::npos, 2);
  return s.substr(b, e - b + 1);
}

// The grouping values of a file, in a fixed order, trimmed.
std::string GroupingKey(const IngestedInstance& i) {
  std::string k = i.study_uid + "|" + i.series_uid;
  for (const char* name : {"StudyDate", "AccessionNumber", "PatientID", "StudyID", "SeriesNumber"}) {
    auto it = i.grouping.find(name);
    k += "|" + Trim(it == i.grouping.end() ? "" : it->second);
  }
  return k;
}

std::string GroupingKey(const ImageSetKeys& k) {
  const auto& t = k.tags;
  return t.study_instance_uid + "|" + t.series_instance_uid + "|" + Trim(t.study_date) + "|" +
         Trim(t.accession_number) + "|" + Trim(t.patient_id) + "|" + Trim(t.study_id) + "|" +
         (t.series_number ? std::to_string(*t.series_number) : "");
}

// Instance content without frame IDs: what "identical duplicate" compares.
Json ContentOf(Json instance) {
  if (instance.contains("ImageFrames")) {
    for (auto& f : instance["ImageFrames"]) f.erase("ID");
  }
  return instance;
}

struct Target {
  std::string image_set_id;
  bool is_primary = true;
  bool create = true;
  int64_t version = 1;
  double created_at = 0;
  std::vector<FrameRow> new_frames;
  size_t matched = 0;
  std::map<std::string, Json> added;  // SOP UID -> content added by this job
};

}  // namespace

Result<ImportPlan> GroupIntoImageSets(Store::Impl& s, const ahi::ImportJob& job,
                                      std::vector<FileResult> files) {
  ImportPlan plan;
  plan.outcome.scanned = files.size();
  const double now = NowEpochSeconds();
  std::sort(files.begin(), files.end(),
            [](const FileResult& a, const FileResult& b) { return a.input_key < b.input_key; });

  std::map<std::string, Target> targets;                // by image set ID
  std::map<std::string, std::string> by_group;          // grouping key -> image set ID
  std::map<std::string, std::string> conflict_by_group;  // grouping key -> conflict set ID
  std::map<std::string, std::string> primary_in_job;     // "study|series" -> new primary set

  auto new_target = [&](bool primary) -> Target& {
    Target t;
    t.image_set_id = NewId();
    t.is_primary = primary;
    t.created_at = now;
    plan.documents.emplace(t.image_set_id, MetadataDocument(job.datastore_id, t.image_set_id));
    return targets[t.image_set_id] = std::move(t);
  };

  for (auto& f : files) {
    if (!f.result.ok()) {
      IngestError e = ToIngestError(f.result.status());
      (e.exception_type == "ValidationException" ? plan.outcome.customer_errors
                                                 : plan.outcome.server_errors)++;
      plan.outcome.failure_lines.push_back(
          {{"inputFile", f.input_key},
           {"exception", {{"exceptionType", e.exception_type}, {"message", e.message}}}});
      continue;
    }
    IngestedInstance& inst = *f.result;
    const std::string group = GroupingKey(inst);
    Target* target = nullptr;
    if (auto it = by_group.find(group); it != by_group.end()) {
      target = &targets.at(it->second);
    } else {
      OPENHI_ASSIGN_OR_RETURN(auto primary_id, s.catalog->FindPrimary(job.datastore_id,
                                                                      inst.study_uid,
                                                                      inst.series_uid));
      const std::string series_key = inst.study_uid + "|" + inst.series_uid;
      if (primary_id && targets.count(*primary_id) == 0) {
        OPENHI_ASSIGN_OR_RETURN(ImageSetKeys keys, s.catalog->GetKeys(*primary_id));
        if (GroupingKey(keys) == group) {
          OPENHI_ASSIGN_OR_RETURN(ahi::ImageSetVersion latest,
                                  s.catalog->GetImageSet(job.datastore_id, *primary_id));
          OPENHI_ASSIGN_OR_RETURN(MetadataDocument doc,
                                  s.LoadDocument(*primary_id, latest.version));
          Target t;
          t.image_set_id = *primary_id;
          t.create = false;
          t.version = latest.version + 1;
          t.created_at = latest.created_at;
          plan.documents.emplace(t.image_set_id, std::move(doc));
          target = &(targets[t.image_set_id] = std::move(t));
        }
      }
      if (!target) {
        bool primary = !primary_id && primary_in_job.count(series_key) == 0;
        target = &new_target(primary);
        if (primary) primary_in_job[series_key] = target->image_set_id;
      }
      by_group[group] = target->image_set_id;
    }

    // Duplicate SOP Instance UIDs within this job.
    Json content = ContentOf(inst.instance);
    if (auto dup = target->added.find(inst.sop_uid); dup != target->added.end()) {
      if (dup->second == content) {
        for (const auto& fr : inst.frames) s.blobs->Delete(fr.blob_key).IgnoreError();
        plan.outcome.success_lines.push_back(
            {{"inputFile", f.input_key},
             {"importResponse",
              {{"imageSetId", target->image_set_id}, {"isPrimary", target->is_primary}}}});
        continue;
      }
      std::string& cid = conflict_by_group[group];
      if (cid.empty()) cid = new_target(false).image_set_id;
      target = &targets.at(cid);
      if (target->added.count(inst.sop_uid)) {
        // A third distinct version of the same instance: one more conflict set.
        cid = new_target(false).image_set_id;
        target = &targets.at(cid);
      }
    }
    target->added[inst.sop_uid] = std::move(content);
    target->matched++;
    for (auto& fr : inst.frames) target->new_frames.push_back(std::move(fr));
    plan.documents.at(target->image_set_id)
        .AddInstance(inst.series_uid, inst.sop_uid, std::move(inst.instance));
    plan.outcome.success_lines.push_back(
        {{"inputFile", f.input_key},
         {"importResponse",
          {{"imageSetId", target->image_set_id}, {"isPrimary", target->is_primary}}}});
  }

  for (auto& [id, t] : targets) {
    VersionWrite w;
    w.create_image_set = t.create;
    w.version.image_set_id = id;
    w.version.datastore_id = job.datastore_id;
    w.version.version = t.version;
    w.version.state = ahi::ImageSetState::kActive;
    w.version.workflow = ahi::ImageSetWorkflowStatus::kImported;
    w.version.is_primary = t.is_primary;
    w.version.created_at = t.created_at;
    w.version.updated_at = now;
    w.keys = KeysFromDocument(plan.documents.at(id));
    w.new_frames = std::move(t.new_frames);
    plan.outcome.image_sets.push_back({{"imageSetId", id},
                                       {"imageSetVersion", t.version},
                                       {"isPrimary", t.is_primary},
                                       {"numberOfMatchedSOPInstances", t.matched}});
    plan.writes.push_back(std::move(w));
  }
  return plan;
}

}  // namespace openhi::store
