#include "openhi/api/operations.h"

#include <regex>

#include "openhi/ahi/json.h"

namespace openhi::api {
namespace {

using Json = nlohmann::json;
using Query = std::multimap<std::string, std::string>;

struct Call {
  const RouteMatch& route;
  const http::Request& req;
  Query query;

  const std::string& Param(const char* name) const { return route.params.at(name); }

  std::optional<std::string> QueryValue(const char* name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }

  // The JSON body; an empty body is an empty object.
  Result<Json> Body() const {
    if (req.body.empty()) return Json::object();
    OPENHI_ASSIGN_OR_RETURN(Json j, ahi::ParseJson(req.body));
    if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
    return j;
  }
};

http::Response Ok(const Json& body) {
  http::Response r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Status MatchPattern(const std::string& field, const std::string& value, const std::regex& re,
                    size_t min_len, size_t max_len) {
  if (value.size() < min_len || value.size() > max_len || !std::regex_match(value, re)) {
    return InvalidArgument("1 validation error detected: Value at '" + field +
                           "' failed to satisfy constraint");
  }
  return Status::Ok();
}

Result<std::string> OptionalString(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::string();
  if (!body[key].is_string()) return InvalidArgument(std::string(key) + " must be a string");
  return body[key].get<std::string>();
}

Result<bool> BoolQuery(const Call& c, const char* name) {
  auto v = c.QueryValue(name);
  if (!v) return false;
  if (*v == "true") return true;
  if (*v == "false") return false;
  return InvalidArgument(std::string(name) + " must be true or false");
}

Result<int> MaxResults(const Call& c, int fallback) {
  auto v = c.QueryValue("maxResults");
  if (!v) return fallback;
  if (v->empty() || v->size() > 3 ||
      !std::all_of(v->begin(), v->end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return InvalidArgument("maxResults must be an integer");
  }
  int n = std::stoi(*v);
  if (n < 1 || n > 50) return InvalidArgument("maxResults must be between 1 and 50");
  return n;
}

// Offset pagination over a fully materialised list (lists are small: datastores, jobs,
// versions). The token is the decimal offset.
template <typename T, typename F>
Result<Json> Paginate(const Call& c, const std::vector<T>& all, int max_results, const char* key,
                      F to_json) {
  size_t offset = 0;
  if (auto t = c.QueryValue("nextToken")) {
    if (t->empty() || t->size() > 12 ||
        !std::all_of(t->begin(), t->end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      return InvalidArgument("nextToken is invalid");
    }
    offset = std::stoull(*t);
  }
  Json list = Json::array();
  size_t i = offset;
  for (; i < all.size() && list.size() < size_t(max_results); ++i) list.push_back(to_json(all[i]));
  Json out{{key, list}};
  if (i < all.size()) out["nextToken"] = std::to_string(i);
  return out;
}

Result<ahi::Tags> ParseTagsMember(const Json& v) {
  ahi::Tags tags;
  if (v.is_null()) return tags;
  if (!v.is_object()) return InvalidArgument("tags must be a map");
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it->is_string()) return InvalidArgument("tag values must be strings");
    tags[it.key()] = it->get<std::string>();
  }
  return tags;
}

// --- control plane -----------------------------------------------------------------------

Result<http::Response> CreateDatastore(store::Store& s, const Call& c) {
  OPENHI_ASSIGN_OR_RETURN(Json b, c.Body());
  store::CreateDatastoreRequest r;
  OPENHI_ASSIGN_OR_RETURN(r.name, OptionalString(b, "datastoreName"));
  OPENHI_ASSIGN_OR_RETURN(r.client_token, OptionalString(b, "clientToken"));
  OPENHI_ASSIGN_OR_RETURN(r.kms_key_arn, OptionalString(b, "kmsKeyArn"));
  OPENHI_ASSIGN_OR_RETURN(r.lambda_authorizer_arn, OptionalString(b, "lambdaAuthorizerArn"));
  OPENHI_ASSIGN_OR_RETURN(r.lossless_format, OptionalString(b, "losslessStorageFormat"));
  if (b.contains("tags")) {
    OPENHI_ASSIGN_OR_RETURN(r.tags, ParseTagsMember(b["tags"]));
  }
  static const std::regex kToken("[A-Za-z0-9._-]+");
  OPENHI_RETURN_IF_ERROR(MatchPattern("clientToken", r.client_token, kToken, 1, 64));
  if (!r.name.empty()) {
    static const std::regex kName("[A-Za-z0-9._/#-]+");
    OPENHI_RETURN_IF_ERROR(MatchPattern("datastoreName", r.name, kName, 1, 256));
  }
  OPENHI_ASSIGN_OR_RETURN(auto d, s.CreateDatastore(r));
  return Ok(ahi::CreateDatastoreResponseJson(d));
}

Result<http::Response> StartImport(store::Store& s, const Call& c) {
  OPENHI_ASSIGN_OR_RETURN(Json b, c.Body());
  store::StartImportRequest r;
  r.datastore_id = c.Param("datastoreId");
  OPENHI_ASSIGN_OR_RETURN(r.job_name, OptionalString(b, "jobName"));
  OPENHI_ASSIGN_OR_RETURN(r.data_access_role_arn, OptionalString(b, "dataAccessRoleArn"));
  OPENHI_ASSIGN_OR_RETURN(r.client_token, OptionalString(b, "clientToken"));
  OPENHI_ASSIGN_OR_RETURN(r.input_uri, OptionalString(b, "inputS3Uri"));
  OPENHI_ASSIGN_OR_RETURN(r.output_uri, OptionalString(b, "outputS3Uri"));
  OPENHI_ASSIGN_OR_RETURN(r.input_owner_account_id, OptionalString(b, "inputOwnerAccountId"));
  static const std::regex kRole(R"(arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+)");
  static const std::regex kToken("[A-Za-z0-9._-]+");
  static const std::regex kJobName("[A-Za-z0-9._/#-]+");
  // s3:// per the model; file:// too, for the embedded default without an object store.
  static const std::regex kUri(R"((s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?)|(file:///.*))");
  static const std::regex kAccount("[0-9]{12}");
  OPENHI_RETURN_IF_ERROR(MatchPattern("dataAccessRoleArn", r.data_access_role_arn, kRole, 20, 2048));
  OPENHI_RETURN_IF_ERROR(MatchPattern("clientToken", r.client_token, kToken, 1, 64));
  if (!r.job_name.empty()) {
    OPENHI_RETURN_IF_ERROR(MatchPattern("jobName", r.job_name, kJobName, 1, 64));
  }
  OPENHI_RETURN_IF_ERROR(MatchPattern("inputS3Uri", r.input_uri, kUri, 1, 1024));
  OPENHI_RETURN_IF_ERROR(MatchPattern("outputS3Uri", r.output_uri, kUri, 1, 1024));
  if (!r.input_owner_account_id.empty()) {
    OPENHI_RETURN_IF_ERROR(
        MatchPattern("inputOwnerAccountId", r.input_owner_account_id, kAccount, 12, 12));
  }
  OPENHI_ASSIGN_OR_RETURN(auto job, s.StartImport(r));
  return Ok(ahi::StartImportResponseJson(job));
}

Result<http::Response> GetJob(store::Store& s, const Call& c) {
  static const std::regex kJob("[0-9a-z]+");
  OPENHI_RETURN_IF_ERROR(MatchPattern("jobId", c.Param("jobId"), kJob, 1, 32));
  OPENHI_ASSIGN_OR_RETURN(auto j, s.GetImportJob(c.Param("datastoreId"), c.Param("jobId")));
  return Ok(Json{{"jobProperties", ahi::JobPropertiesJson(j)}});
}

Result<http::Response> ListJobs(store::Store& s, const Call& c) {
  std::optional<ahi::JobStatus> filter;
  if (auto v = c.QueryValue("jobStatus")) {
    filter = ahi::ParseJobStatus(*v);
    if (!filter) return InvalidArgument("jobStatus must be one of SUBMITTED, IN_PROGRESS, ...");
  }
  OPENHI_ASSIGN_OR_RETURN(int max, MaxResults(c, 50));
  OPENHI_ASSIGN_OR_RETURN(auto jobs, s.ListImportJobs(c.Param("datastoreId"), filter));
  OPENHI_ASSIGN_OR_RETURN(Json out, Paginate(c, jobs, max, "jobSummaries", ahi::JobSummaryJson));
  return Ok(out);
}

Result<http::Response> ListDatastores(store::Store& s, const Call& c) {
  std::optional<ahi::DatastoreStatus> filter;
  if (auto v = c.QueryValue("datastoreStatus")) {
    filter = ahi::ParseDatastoreStatus(*v);
    if (!filter) return InvalidArgument("datastoreStatus is not a datastore status");
  }
  OPENHI_ASSIGN_OR_RETURN(int max, MaxResults(c, 50));
  OPENHI_ASSIGN_OR_RETURN(auto all, s.ListDatastores(filter));
  OPENHI_ASSIGN_OR_RETURN(Json out,
                          Paginate(c, all, max, "datastoreSummaries", ahi::DatastoreSummaryJson));
  return Ok(out);
}

Result<http::Response> Tags(store::Store& s, const Call& c) {
  const std::string& arn = c.Param("resourceArn");
  switch (c.route.op) {
    case Operation::kTagResource: {
      OPENHI_ASSIGN_OR_RETURN(Json b, c.Body());
      if (!b.contains("tags")) return InvalidArgument("tags is required");
      OPENHI_ASSIGN_OR_RETURN(auto tags, ParseTagsMember(b["tags"]));
      OPENHI_RETURN_IF_ERROR(s.TagResource(arn, tags));
      return Ok(Json::object());
    }
    case Operation::kUntagResource: {
      std::vector<std::string> keys;
      for (auto [it, end] = c.query.equal_range("tagKeys"); it != end; ++it) {
        keys.push_back(it->second);
      }
      if (keys.empty() && c.query.count("tagKeys") == 0) return InvalidArgument("tagKeys is required");
      OPENHI_RETURN_IF_ERROR(s.UntagResource(arn, keys));
      return Ok(Json::object());
    }
    default: {
      OPENHI_ASSIGN_OR_RETURN(auto tags, s.ListTagsForResource(arn));
      return Ok(Json{{"tags", tags}});
    }
  }
}

// --- data plane ----------------------------------------------------------------------------

Result<std::optional<int64_t>> VersionQuery(const Call& c) {
  auto v = c.QueryValue("version");
  if (!v) return std::optional<int64_t>();
  OPENHI_ASSIGN_OR_RETURN(int64_t n, ahi::ParseVersionId(*v));
  return std::optional<int64_t>(n);
}

Result<http::Response> Search(store::Store& s, const Call& c) {
  OPENHI_ASSIGN_OR_RETURN(Json b, c.Body());
  OPENHI_ASSIGN_OR_RETURN(auto criteria, ahi::ParseSearchCriteria(b));
  OPENHI_ASSIGN_OR_RETURN(int max, MaxResults(c, 50));
  std::string token = c.QueryValue("nextToken").value_or("");
  OPENHI_ASSIGN_OR_RETURN(auto page, s.SearchImageSets(c.Param("datastoreId"), criteria, max, token));
  Json list = Json::array();
  for (const auto& sum : page.summaries) list.push_back(ahi::ImageSetSummaryJson(sum));
  Json out{{"imageSetsMetadataSummaries", list}};
  if (criteria.has_sort) out["sort"] = ahi::SortJson(criteria);
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return Ok(out);
}

Result<http::Response> GetMetadata(store::Store& s, const Call& c) {
  OPENHI_ASSIGN_OR_RETURN(auto version, VersionQuery(c));
  OPENHI_ASSIGN_OR_RETURN(Bytes gz, s.GetImageSetMetadata(c.Param("datastoreId"),
                                                           c.Param("imageSetId"), version));
  http::Response r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Content-Encoding", "gzip");
  r.shared_body = std::make_shared<const Bytes>(std::move(gz));
  return r;
}

Result<http::Response> GetFrame(store::Store& s, const Call& c) {
  OPENHI_ASSIGN_OR_RETURN(Json b, c.Body());
  if (!b.contains("imageFrameId") || !b["imageFrameId"].is_string()) {
    return InvalidArgument("imageFrameInformation.imageFrameId is required");
  }
  OPENHI_ASSIGN_OR_RETURN(auto frame, s.GetImageFrame(c.Param("datastoreId"), c.Param("imageSetId"),
                                                      b["imageFrameId"].get<std::string>()));
  http::Response r;
  r.headers.emplace_back("Content-Type", frame.content_type);
  r.shared_body = std::move(frame.bytes);
  return r;
}

Result<http::Response> Update(store::Store& s, const Call& c) {
  auto latest = c.QueryValue("latestVersion");
  if (!latest) return InvalidArgument("latestVersion is required");
  OPENHI_ASSIGN_OR_RETURN(int64_t v, ahi::ParseVersionId(*latest));
  OPENHI_ASSIGN_OR_RETURN(bool force, BoolQuery(c, "force"));
  OPENHI_ASSIGN_OR_RETURN(bool study_wide, BoolQuery(c, "includeStudyImageSets"));
  if (study_wide) {
    return InvalidArgument("includeStudyImageSets is not supported by openhi yet");
  }
  OPENHI_ASSIGN_OR_RETURN(Json b, c.Body());
  OPENHI_ASSIGN_OR_RETURN(auto u, ahi::ParseMetadataUpdates(b));
  store::UpdateRequest r{c.Param("datastoreId"), c.Param("imageSetId"), v, force,
                         u.updatable_attributes, u.removable_attributes, u.revert_to_version};
  OPENHI_ASSIGN_OR_RETURN(auto out, s.UpdateImageSetMetadata(r));
  return Ok(ahi::UpdateImageSetMetadataResponseJson(out));
}

Result<http::Response> Copy(store::Store& s, const Call& c) {
  OPENHI_ASSIGN_OR_RETURN(Json j, c.Body());
  store::CopyRequest r;
  r.datastore_id = c.Param("datastoreId");
  r.source_image_set_id = c.Param("sourceImageSetId");
  OPENHI_ASSIGN_OR_RETURN(r.force, BoolQuery(c, "force"));
  OPENHI_ASSIGN_OR_RETURN(r.promote_to_primary, BoolQuery(c, "promoteToPrimary"));
  OPENHI_ASSIGN_OR_RETURN(auto info, ahi::ParseCopyImageSetInformation(j));
  r.source_latest_version = info.source_latest_version;
  r.copiable_attributes = std::move(info.copiable_attributes);
  r.destination_image_set_id = std::move(info.destination_image_set_id);
  r.destination_latest_version = info.destination_latest_version;
  OPENHI_ASSIGN_OR_RETURN(auto out, s.CopyImageSet(r));
  return Ok(ahi::CopyImageSetResponseJson(out.source, out.destination));
}

}  // namespace

Result<http::Response> Dispatch(store::Store& s, const RouteMatch& route,
                                const http::Request& req) {
  OPENHI_ASSIGN_OR_RETURN(Query q, ParseQuery(req.raw_query));
  Call c{route, req, std::move(q)};
  switch (route.op) {
    case Operation::kCreateDatastore: return CreateDatastore(s, c);
    case Operation::kGetDatastore: {
      OPENHI_ASSIGN_OR_RETURN(auto d, s.GetDatastore(c.Param("datastoreId")));
      return Ok(Json{{"datastoreProperties", ahi::DatastorePropertiesJson(d)}});
    }
    case Operation::kListDatastores: return ListDatastores(s, c);
    case Operation::kDeleteDatastore: {
      OPENHI_ASSIGN_OR_RETURN(auto d, s.DeleteDatastore(c.Param("datastoreId")));
      return Ok(ahi::DeleteDatastoreResponseJson(d));
    }
    case Operation::kStartDICOMImportJob: return StartImport(s, c);
    case Operation::kGetDICOMImportJob: return GetJob(s, c);
    case Operation::kListDICOMImportJobs: return ListJobs(s, c);
    case Operation::kTagResource:
    case Operation::kListTagsForResource:
    case Operation::kUntagResource: return Tags(s, c);
    case Operation::kSearchImageSets: return Search(s, c);
    case Operation::kGetImageSet: {
      OPENHI_ASSIGN_OR_RETURN(auto version, VersionQuery(c));
      OPENHI_ASSIGN_OR_RETURN(auto v, s.GetImageSet(c.Param("datastoreId"), c.Param("imageSetId"),
                                                    version));
      return Ok(ahi::GetImageSetJson(v));
    }
    case Operation::kGetImageSetMetadata: return GetMetadata(s, c);
    case Operation::kGetImageFrame: return GetFrame(s, c);
    case Operation::kListImageSetVersions: {
      OPENHI_ASSIGN_OR_RETURN(int max, MaxResults(c, 50));
      OPENHI_ASSIGN_OR_RETURN(auto versions, s.ListImageSetVersions(c.Param("datastoreId"),
                                                                    c.Param("imageSetId")));
      OPENHI_ASSIGN_OR_RETURN(Json out, Paginate(c, versions, max, "imageSetPropertiesList",
                                                 ahi::ImageSetPropertiesJson));
      return Ok(out);
    }
    case Operation::kUpdateImageSetMetadata: return Update(s, c);
    case Operation::kCopyImageSet: return Copy(s, c);
    case Operation::kDeleteImageSet: {
      OPENHI_ASSIGN_OR_RETURN(auto v, s.DeleteImageSet(c.Param("datastoreId"),
                                                       c.Param("imageSetId")));
      return Ok(ahi::DeleteImageSetResponseJson(v));
    }
    case Operation::kHealth:
    case Operation::kMetrics: break;
  }
  return Internal("unroutable operation");
}

std::string ImportJobGauges(store::Store& s) {
  std::map<std::string, int64_t> counts{
      {"SUBMITTED", 0}, {"IN_PROGRESS", 0}, {"COMPLETED", 0}, {"FAILED", 0}};
  auto ds = s.ListDatastores(std::nullopt);
  if (ds.ok()) {
    for (const auto& d : *ds) {
      auto jobs = s.ListImportJobs(d.id, std::nullopt);
      if (!jobs.ok()) continue;
      for (const auto& j : *jobs) counts[ahi::ToString(j.status)]++;
    }
  }
  std::string out = "# HELP openhi_import_jobs Import jobs by status.\n# TYPE openhi_import_jobs gauge\n";
  for (const auto& [k, v] : counts) {
    out += "openhi_import_jobs{status=\"" + k + "\"} " + std::to_string(v) + "\n";
  }
  return out;
}

}  // namespace openhi::api
