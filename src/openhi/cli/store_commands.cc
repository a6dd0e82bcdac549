#include "openhi/cli/store_commands.h"

#include <fstream>
#include <memory>

#include "openhi/ahi/json.h"
#include "openhi/cli/cli_output.h"
#include "openhi/cli/progress.h"
#include "openhi/cli/serve_command.h"
#include "openhi/core/file_util.h"
#include "openhi/core/ids.h"
#include "openhi/store/store.h"

namespace openhi::cli {
namespace {

using Json = nlohmann::json;

struct Common {
  std::string data_dir = "openhi-data";
  size_t threads = 0;
};

Result<std::unique_ptr<store::Store>> OpenStore(const Common& c) {
  return store::Store::Open({c.data_dir, c.threads});
}

// Runs `fn` against an opened store and turns its Result<Json> into output and an exit code.
template <typename Fn>
int Run(const Common& c, const std::string& operation, Fn fn) {
  auto s = OpenStore(c);
  if (!s.ok()) return PrintError(operation, s.status());
  Result<Json> r = fn(**s);
  if (!r.ok()) return PrintError(operation, r.status());
  return PrintJson(*r);
}

Result<Json> ParseJsonArg(const std::string& name, const std::string& text) {
  auto j = ahi::ParseJson(text);
  if (!j.ok()) return InvalidArgument(name + " is not valid JSON");
  return j;
}

// Tags as the AWS CLI takes them: JSON {"k":"v"} or k=v,k2=v2.
Result<ahi::Tags> ParseTags(const std::string& text) {
  ahi::Tags tags;
  if (text.empty()) return tags;
  if (text.front() == '{') {
    OPENHI_ASSIGN_OR_RETURN(Json j, ParseJsonArg("--tags", text));
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it->is_string()) return InvalidArgument("tag values must be strings");
      tags[it.key()] = it->get<std::string>();
    }
    return tags;
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string kv = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = kv.find('=');
    if (eq == std::string::npos) return InvalidArgument("--tags expects k=v pairs or JSON");
    tags[kv.substr(0, eq)] = kv.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return tags;
}

Status WriteOutfile(const std::string& path, ByteView bytes) {
  return WriteFileAtomic(path, bytes, /*fsync_file=*/false);
}

}  // namespace

void AddStoreCommands(CLI::App& app, int* exit_code) {
  auto common = std::make_shared<Common>();
  CLI::App* st = app.add_subcommand("store", "Image store (AHI-compatible) operations");
  st->require_subcommand(1);
  auto add = [&](const char* name, const char* help) {
    CLI::App* c = st->add_subcommand(name, help);
    c->add_option("--data-dir", common->data_dir, "Data directory (catalog + blobs)")
        ->capture_default_str();
    return c;
  };

  {  // create-datastore
    auto o = std::make_shared<store::CreateDatastoreRequest>();
    auto tags = std::make_shared<std::string>();
    CLI::App* c = add("create-datastore", "Create a datastore");
    c->add_option("--datastore-name", o->name);
    c->add_option("--client-token", o->client_token, "Idempotency token (default: random)");
    c->add_option("--tags", *tags, "JSON map or k=v,k=v");
    c->add_option("--kms-key-arn", o->kms_key_arn);
    c->add_option("--lossless-storage-format", o->lossless_format);
    c->callback([=] {
      *exit_code = Run(*common, "CreateDatastore", [&](store::Store& s) -> Result<Json> {
        if (o->client_token.empty()) o->client_token = NewId();
        OPENHI_ASSIGN_OR_RETURN(o->tags, ParseTags(*tags));
        OPENHI_ASSIGN_OR_RETURN(auto d, s.CreateDatastore(*o));
        return ahi::CreateDatastoreResponseJson(d);
      });
    });
  }
  {  // get-datastore / delete-datastore
    auto id = std::make_shared<std::string>();
    CLI::App* g = add("get-datastore", "Describe a datastore");
    g->add_option("--datastore-id", *id)->required();
    g->callback([=] {
      *exit_code = Run(*common, "GetDatastore", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto d, s.GetDatastore(*id));
        return Json{{"datastoreProperties", ahi::DatastorePropertiesJson(d)}};
      });
    });
    CLI::App* d = add("delete-datastore", "Delete an empty datastore");
    d->add_option("--datastore-id", *id)->required();
    d->callback([=] {
      *exit_code = Run(*common, "DeleteDatastore", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto ds, s.DeleteDatastore(*id));
        return ahi::DeleteDatastoreResponseJson(ds);
      });
    });
  }
  {  // list-datastores
    auto status = std::make_shared<std::string>();
    CLI::App* c = add("list-datastores", "List datastores");
    c->add_option("--datastore-status", *status);
    c->callback([=] {
      *exit_code = Run(*common, "ListDatastores", [&](store::Store& s) -> Result<Json> {
        std::optional<ahi::DatastoreStatus> filter;
        if (!status->empty()) {
          filter = ahi::ParseDatastoreStatus(*status);
          if (!filter) return InvalidArgument("unknown datastore status " + *status);
        }
        OPENHI_ASSIGN_OR_RETURN(auto all, s.ListDatastores(filter));
        Json list = Json::array();
        for (const auto& d : all) list.push_back(ahi::DatastoreSummaryJson(d));
        return Json{{"datastoreSummaries", list}};
      });
    });
  }
  {  // start-dicom-import-job
    auto o = std::make_shared<store::StartImportRequest>();
    auto no_wait = std::make_shared<bool>(false);
    CLI::App* c = add("start-dicom-import-job",
                      "Import DICOM P10 files; runs the job in this process unless --no-wait");
    c->add_option("--datastore-id", o->datastore_id)->required();
    c->add_option("--input-s3-uri", o->input_uri, "file:// URI or folder of P10 files")->required();
    c->add_option("--output-s3-uri", o->output_uri, "file:// URI or folder for results")->required();
    c->add_option("--data-access-role-arn", o->data_access_role_arn)
        ->default_val("arn:aws:iam::000000000000:role/openhi-local");
    c->add_option("--job-name", o->job_name);
    c->add_option("--client-token", o->client_token);
    c->add_option("--input-owner-account-id", o->input_owner_account_id);
    c->add_flag("--no-wait", *no_wait, "Only queue the job (a server or resume-jobs runs it)");
    c->callback([=] {
      if (o->client_token.empty()) o->client_token = NewId();
      auto s = OpenStore(*common);
      if (!s.ok()) {
        *exit_code = PrintError("StartDICOMImportJob", s.status());
        return;
      }
      auto job = (*s)->StartImport(*o);
      if (!job.ok()) {
        *exit_code = PrintError("StartDICOMImportJob", job.status());
        return;
      }
      *exit_code = PrintJson(ahi::StartImportResponseJson(*job));
      if (*no_wait) return;
      ProgressLine line;
      Status run = (*s)->RunImport(job->id, [&](const store::ImportProgress& p) { line.Update(p); });
      if (!run.ok()) *exit_code = PrintError("StartDICOMImportJob", run);
    });
  }
  {  // resume-jobs (openhi)
    CLI::App* c = add("resume-jobs", "Run every queued or interrupted import job to completion");
    c->callback([=] {
      *exit_code = Run(*common, "ResumeJobs", [&](store::Store& s) -> Result<Json> {
        ProgressLine line;
        OPENHI_RETURN_IF_ERROR(
            s.RunPendingImports([&](const store::ImportProgress& p) { line.Update(p); }));
        return Json::object();
      });
    });
  }
  {  // get-dicom-import-job / list-dicom-import-jobs
    auto ds = std::make_shared<std::string>();
    auto job = std::make_shared<std::string>();
    auto status = std::make_shared<std::string>();
    CLI::App* g = add("get-dicom-import-job", "Describe an import job");
    g->add_option("--datastore-id", *ds)->required();
    g->add_option("--job-id", *job)->required();
    g->callback([=] {
      *exit_code = Run(*common, "GetDICOMImportJob", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto j, s.GetImportJob(*ds, *job));
        return Json{{"jobProperties", ahi::JobPropertiesJson(j)}};
      });
    });
    CLI::App* l = add("list-dicom-import-jobs", "List import jobs of a datastore");
    l->add_option("--datastore-id", *ds)->required();
    l->add_option("--job-status", *status);
    l->callback([=] {
      *exit_code = Run(*common, "ListDICOMImportJobs", [&](store::Store& s) -> Result<Json> {
        std::optional<ahi::JobStatus> filter;
        if (!status->empty()) {
          filter = ahi::ParseJobStatus(*status);
          if (!filter) return InvalidArgument("unknown job status " + *status);
        }
        OPENHI_ASSIGN_OR_RETURN(auto jobs, s.ListImportJobs(*ds, filter));
        Json list = Json::array();
        for (const auto& j : jobs) list.push_back(ahi::JobSummaryJson(j));
        return Json{{"jobSummaries", list}};
      });
    });
  }
  {  // image set reads
    auto ds = std::make_shared<std::string>();
    auto set = std::make_shared<std::string>();
    auto version = std::make_shared<std::string>();
    auto outfile = std::make_shared<std::string>();
    auto frame_info = std::make_shared<std::string>();
    auto parse_version = [=]() -> Result<std::optional<int64_t>> {
      if (version->empty()) return std::optional<int64_t>();
      OPENHI_ASSIGN_OR_RETURN(int64_t v, ahi::ParseVersionId(*version));
      return std::optional<int64_t>(v);
    };
    CLI::App* g = add("get-image-set", "Describe an image set version");
    g->add_option("--datastore-id", *ds)->required();
    g->add_option("--image-set-id", *set)->required();
    g->add_option("--version-id", *version);
    g->callback([=] {
      *exit_code = Run(*common, "GetImageSet", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto v, parse_version());
        OPENHI_ASSIGN_OR_RETURN(auto set_v, s.GetImageSet(*ds, *set, v));
        return ahi::GetImageSetJson(set_v);
      });
    });
    CLI::App* m = add("get-image-set-metadata", "Write the gzip JSON metadata to OUTFILE");
    m->add_option("--datastore-id", *ds)->required();
    m->add_option("--image-set-id", *set)->required();
    m->add_option("--version-id", *version);
    m->add_option("outfile", *outfile)->required();
    m->callback([=] {
      *exit_code = Run(*common, "GetImageSetMetadata", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto v, parse_version());
        OPENHI_ASSIGN_OR_RETURN(Bytes gz, s.GetImageSetMetadata(*ds, *set, v));
        OPENHI_RETURN_IF_ERROR(WriteOutfile(*outfile, gz));
        return Json{{"contentType", "application/json"}, {"contentEncoding", "gzip"}};
      });
    });
    CLI::App* f = add("get-image-frame", "Write one stored frame codestream to OUTFILE");
    f->add_option("--datastore-id", *ds)->required();
    f->add_option("--image-set-id", *set)->required();
    f->add_option("--image-frame-information", *frame_info,
                  "imageFrameId=ID or {\"imageFrameId\":\"ID\"}")->required();
    f->add_option("outfile", *outfile)->required();
    f->callback([=] {
      *exit_code = Run(*common, "GetImageFrame", [&](store::Store& s) -> Result<Json> {
        std::string id;
        if (!frame_info->empty() && frame_info->front() == '{') {
          OPENHI_ASSIGN_OR_RETURN(Json j, ParseJsonArg("--image-frame-information", *frame_info));
          if (!j.contains("imageFrameId") || !j["imageFrameId"].is_string()) {
            return InvalidArgument("--image-frame-information needs imageFrameId");
          }
          id = j["imageFrameId"].get<std::string>();
        } else if (frame_info->rfind("imageFrameId=", 0) == 0) {
          id = frame_info->substr(13);
        } else {
          return InvalidArgument("--image-frame-information expects imageFrameId=ID");
        }
        OPENHI_ASSIGN_OR_RETURN(auto frame, s.GetImageFrame(*ds, *set, id));
        OPENHI_RETURN_IF_ERROR(WriteOutfile(*outfile, *frame.bytes));
        return Json{{"contentType", frame.content_type}};
      });
    });
    CLI::App* lv = add("list-image-set-versions", "List the versions of an image set");
    lv->add_option("--datastore-id", *ds)->required();
    lv->add_option("--image-set-id", *set)->required();
    lv->callback([=] {
      *exit_code = Run(*common, "ListImageSetVersions", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto versions, s.ListImageSetVersions(*ds, *set));
        Json list = Json::array();
        for (const auto& v : versions) list.push_back(ahi::ImageSetPropertiesJson(v));
        return Json{{"imageSetPropertiesList", list}};
      });
    });
    CLI::App* del = add("delete-image-set", "Delete an image set");
    del->add_option("--datastore-id", *ds)->required();
    del->add_option("--image-set-id", *set)->required();
    del->callback([=] {
      *exit_code = Run(*common, "DeleteImageSet", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto v, s.DeleteImageSet(*ds, *set));
        return ahi::DeleteImageSetResponseJson(v);
      });
    });
  }
  {  // search-image-sets
    auto ds = std::make_shared<std::string>();
    auto criteria = std::make_shared<std::string>();
    auto max_results = std::make_shared<int>(50);
    auto token = std::make_shared<std::string>();
    CLI::App* c = add("search-image-sets", "Search image sets (filters and sort of the AHI API)");
    c->add_option("--datastore-id", *ds)->required();
    c->add_option("--search-criteria", *criteria, "JSON SearchCriteria");
    c->add_option("--max-results", *max_results);
    c->add_option("--next-token", *token);
    c->callback([=] {
      *exit_code = Run(*common, "SearchImageSets", [&](store::Store& s) -> Result<Json> {
        Json body;
        if (!criteria->empty()) {
          OPENHI_ASSIGN_OR_RETURN(body, ParseJsonArg("--search-criteria", *criteria));
        }
        OPENHI_ASSIGN_OR_RETURN(auto c, ahi::ParseSearchCriteria(body));
        OPENHI_ASSIGN_OR_RETURN(auto page, s.SearchImageSets(*ds, c, *max_results, *token));
        Json list = Json::array();
        for (const auto& sum : page.summaries) list.push_back(ahi::ImageSetSummaryJson(sum));
        Json out{{"imageSetsMetadataSummaries", list}};
        if (c.has_sort) out["sort"] = ahi::SortJson(c);
        if (!page.next_token.empty()) out["nextToken"] = page.next_token;
        return out;
      });
    });
  }
  {  // update-image-set-metadata
    auto ds = std::make_shared<std::string>();
    auto set = std::make_shared<std::string>();
    auto latest = std::make_shared<std::string>();
    auto updates = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    CLI::App* c = add("update-image-set-metadata", "Update, remove or revert metadata");
    c->add_option("--datastore-id", *ds)->required();
    c->add_option("--image-set-id", *set)->required();
    c->add_option("--latest-version-id", *latest)->required();
    c->add_option("--update-image-set-metadata-updates", *updates,
                  "JSON: {\"DICOMUpdates\":{...}} or {\"revertToVersionId\":\"N\"}")
        ->required();
    c->add_flag("--force", *force);
    c->callback([=] {
      *exit_code = Run(*common, "UpdateImageSetMetadata", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(Json body, ParseJsonArg("--update-image-set-metadata-updates",
                                                        *updates));
        OPENHI_ASSIGN_OR_RETURN(auto u, ahi::ParseMetadataUpdates(body));
        OPENHI_ASSIGN_OR_RETURN(int64_t v, ahi::ParseVersionId(*latest));
        store::UpdateRequest r{*ds, *set, v, *force, u.updatable_attributes,
                               u.removable_attributes, u.revert_to_version};
        OPENHI_ASSIGN_OR_RETURN(auto out, s.UpdateImageSetMetadata(r));
        return ahi::UpdateImageSetMetadataResponseJson(out);
      });
    });
  }
  {  // copy-image-set
    auto ds = std::make_shared<std::string>();
    auto src = std::make_shared<std::string>();
    auto info = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto promote = std::make_shared<bool>(false);
    CLI::App* c = add("copy-image-set", "Copy instances into a new or an existing image set");
    c->add_option("--datastore-id", *ds)->required();
    c->add_option("--source-image-set-id", *src)->required();
    c->add_option("--copy-image-set-information", *info, "JSON CopyImageSetInformation")
        ->required();
    c->add_flag("--force", *force);
    c->add_flag("--promote-to-primary", *promote);
    c->callback([=] {
      *exit_code = Run(*common, "CopyImageSet", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(Json j, ParseJsonArg("--copy-image-set-information", *info));
        store::CopyRequest r;
        r.datastore_id = *ds;
        r.source_image_set_id = *src;
        r.force = *force;
        r.promote_to_primary = *promote;
        OPENHI_ASSIGN_OR_RETURN(auto info, ahi::ParseCopyImageSetInformation(j));
        r.source_latest_version = info.source_latest_version;
        r.copiable_attributes = std::move(info.copiable_attributes);
        r.destination_image_set_id = std::move(info.destination_image_set_id);
        r.destination_latest_version = info.destination_latest_version;
        OPENHI_ASSIGN_OR_RETURN(auto out, s.CopyImageSet(r));
        return ahi::CopyImageSetResponseJson(out.source, out.destination);
      });
    });
  }
  {  // tags
    auto arn = std::make_shared<std::string>();
    auto tags = std::make_shared<std::string>();
    auto keys = std::make_shared<std::vector<std::string>>();
    CLI::App* t = add("tag-resource", "Add tags to a datastore or image set ARN");
    t->add_option("--resource-arn", *arn)->required();
    t->add_option("--tags", *tags)->required();
    t->callback([=] {
      *exit_code = Run(*common, "TagResource", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto parsed, ParseTags(*tags));
        OPENHI_RETURN_IF_ERROR(s.TagResource(*arn, parsed));
        return Json::object();
      });
    });
    CLI::App* u = add("untag-resource", "Remove tags");
    u->add_option("--resource-arn", *arn)->required();
    u->add_option("--tag-keys", *keys)->required();
    u->callback([=] {
      *exit_code = Run(*common, "UntagResource", [&](store::Store& s) -> Result<Json> {
        OPENHI_RETURN_IF_ERROR(s.UntagResource(*arn, *keys));
        return Json::object();
      });
    });
    CLI::App* l = add("list-tags-for-resource", "List tags");
    l->add_option("--resource-arn", *arn)->required();
    l->callback([=] {
      *exit_code = Run(*common, "ListTagsForResource", [&](store::Store& s) -> Result<Json> {
        OPENHI_ASSIGN_OR_RETURN(auto t, s.ListTagsForResource(*arn));
        return Json{{"tags", t}};
      });
    });
  }
  for (CLI::App* sub : st->get_subcommands({})) {
    sub->add_option("--import-threads", common->threads, "Import worker threads (0: all cores)");
  }
  AddServeCommand(*st, exit_code);  // after the loop: serve has its own flags
}

}  // namespace openhi::cli
