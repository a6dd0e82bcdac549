#include "openhi/ahi/model.h"

#include <array>
#include <cstdlib>
#include <utility>

#include "openhi/core/ids.h"

namespace openhi::ahi {
namespace {

template <typename E, size_t N>
std::string Name(const std::array<std::pair<E, const char*>, N>& table, E v) {
  for (auto& [e, n] : table)
    if (e == v) return n;
  return "";
}
template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, const char*>, N>& table,
                       const std::string& s) {
  for (auto& [e, n] : table)
    if (s == n) return e;
  return std::nullopt;
}

using DS = DatastoreStatus;
constexpr std::array<std::pair<DS, const char*>, 5> kDatastoreStatus{{
    {DS::kCreating, "CREATING"}, {DS::kCreateFailed, "CREATE_FAILED"}, {DS::kActive, "ACTIVE"},
    {DS::kDeleting, "DELETING"}, {DS::kDeleted, "DELETED"}}};
using JS = JobStatus;
constexpr std::array<std::pair<JS, const char*>, 4> kJobStatus{{{JS::kSubmitted, "SUBMITTED"},
                                                                {JS::kInProgress, "IN_PROGRESS"},
                                                                {JS::kCompleted, "COMPLETED"},
                                                                {JS::kFailed, "FAILED"}}};
using IS = ImageSetState;
constexpr std::array<std::pair<IS, const char*>, 3> kImageSetState{
    {{IS::kActive, "ACTIVE"}, {IS::kLocked, "LOCKED"}, {IS::kDeleted, "DELETED"}}};
using WS = ImageSetWorkflowStatus;
constexpr std::array<std::pair<WS, const char*>, 14> kWorkflow{{
    {WS::kCreated, "CREATED"},
    {WS::kCopied, "COPIED"},
    {WS::kCopying, "COPYING"},
    {WS::kCopyingWithReadOnlyAccess, "COPYING_WITH_READ_ONLY_ACCESS"},
    {WS::kCopyFailed, "COPY_FAILED"},
    {WS::kUpdating, "UPDATING"},
    {WS::kUpdatingForStudyConsistency, "UPDATING_FOR_STUDY_CONSISTENCY"},
    {WS::kUpdated, "UPDATED"},
    {WS::kUpdateFailed, "UPDATE_FAILED"},
    {WS::kDeleting, "DELETING"},
    {WS::kDeleted, "DELETED"},
    {WS::kImporting, "IMPORTING"},
    {WS::kImported, "IMPORTED"},
    {WS::kImportFailed, "IMPORT_FAILED"},
}};
using LF = LosslessStorageFormat;
constexpr std::array<std::pair<LF, const char*>, 2> kLossless{
    {{LF::kHtj2k, "HTJ2K"}, {LF::kJpeg2000Lossless, "JPEG_2000_LOSSLESS"}}};

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : fallback;
}

}  // namespace

std::string ToString(DatastoreStatus v) { return Name(kDatastoreStatus, v); }
std::string ToString(JobStatus v) { return Name(kJobStatus, v); }
std::string ToString(ImageSetState v) { return Name(kImageSetState, v); }
std::string ToString(ImageSetWorkflowStatus v) { return Name(kWorkflow, v); }
std::string ToString(LosslessStorageFormat v) { return Name(kLossless, v); }
std::optional<DatastoreStatus> ParseDatastoreStatus(const std::string& s) {
  return Parse(kDatastoreStatus, s);
}
std::optional<JobStatus> ParseJobStatus(const std::string& s) { return Parse(kJobStatus, s); }
std::optional<ImageSetState> ParseImageSetState(const std::string& s) {
  return Parse(kImageSetState, s);
}
std::optional<ImageSetWorkflowStatus> ParseImageSetWorkflowStatus(const std::string& s) {
  return Parse(kWorkflow, s);
}
std::optional<LosslessStorageFormat> ParseLosslessStorageFormat(const std::string& s) {
  return Parse(kLossless, s);
}

const std::string& Region() {
  static const std::string r = EnvOr("OPENHI_REGION", "us-east-1");
  return r;
}
const std::string& AccountId() {
  static const std::string a = EnvOr("OPENHI_ACCOUNT_ID", "000000000000");
  return a;
}

std::string DatastoreArn(const std::string& d) {
  return "arn:aws:medical-imaging:" + Region() + ":" + AccountId() + ":datastore/" + d;
}
std::string ImageSetArn(const std::string& d, const std::string& i) {
  return DatastoreArn(d) + "/imageset/" + i;
}

std::optional<ParsedArn> ParseArn(const std::string& arn) {
  // arn:<partition>:medical-imaging:<region>:<account>:datastore/<d>[/imageset/<i>]
  size_t colons = 0, pos = 0;
  for (; pos < arn.size() && colons < 5; ++pos)
    if (arn[pos] == ':') ++colons;
  if (colons != 5 || arn.rfind("arn:", 0) != 0) return std::nullopt;
  if (arn.find(":medical-imaging:") == std::string::npos) return std::nullopt;
  std::string res = arn.substr(pos);
  static constexpr std::string_view kDs = "datastore/";
  if (res.rfind(kDs, 0) != 0) return std::nullopt;
  ParsedArn out;
  out.datastore_id = res.substr(kDs.size(), 32);
  if (!IsValidId(out.datastore_id)) return std::nullopt;
  std::string rest = res.substr(kDs.size() + 32);
  if (rest.empty()) return out;
  static constexpr std::string_view kIs = "/imageset/";
  if (rest.rfind(kIs, 0) != 0) return std::nullopt;
  out.image_set_id = rest.substr(kIs.size());
  if (!IsValidId(out.image_set_id)) return std::nullopt;
  return out;
}

}  // namespace openhi::ahi
