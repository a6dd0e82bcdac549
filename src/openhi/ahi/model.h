#pragma once
// The AHI wire model (service medical-imaging, API 2023-07-19) as C++ values, shared by the store
// engine, the HTTP API and the connector: one source of truth for shapes, enums and IDs.
// AWS wire names appear only in json.cc. Timestamps are seconds since the Unix epoch (UTC).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace openhi::ahi {

enum class DatastoreStatus { kCreating, kCreateFailed, kActive, kDeleting, kDeleted };
enum class JobStatus { kSubmitted, kInProgress, kCompleted, kFailed };
enum class ImageSetState { kActive, kLocked, kDeleted };
enum class ImageSetWorkflowStatus {
  kCreated, kCopied, kCopying, kCopyingWithReadOnlyAccess, kCopyFailed, kUpdating,
  kUpdatingForStudyConsistency, kUpdated, kUpdateFailed, kDeleting, kDeleted, kImporting,
  kImported, kImportFailed,
};
enum class LosslessStorageFormat { kHtj2k, kJpeg2000Lossless };

std::string ToString(DatastoreStatus v);
std::string ToString(JobStatus v);
std::string ToString(ImageSetState v);
std::string ToString(ImageSetWorkflowStatus v);
std::string ToString(LosslessStorageFormat v);
// Parse the wire spelling; nullopt for anything else.
std::optional<DatastoreStatus> ParseDatastoreStatus(const std::string& s);
std::optional<JobStatus> ParseJobStatus(const std::string& s);
std::optional<ImageSetState> ParseImageSetState(const std::string& s);
std::optional<ImageSetWorkflowStatus> ParseImageSetWorkflowStatus(const std::string& s);
std::optional<LosslessStorageFormat> ParseLosslessStorageFormat(const std::string& s);

using Tags = std::map<std::string, std::string>;

struct Datastore {
  std::string id;
  std::string name;
  DatastoreStatus status = DatastoreStatus::kCreating;
  std::string arn;
  std::string kms_key_arn;
  std::string lambda_authorizer_arn;
  LosslessStorageFormat lossless_format = LosslessStorageFormat::kHtj2k;
  double created_at = 0;
  double updated_at = 0;
};

struct ImportJob {
  std::string id;
  std::string name;
  JobStatus status = JobStatus::kSubmitted;
  std::string datastore_id;
  std::string data_access_role_arn;
  std::string client_token;
  std::string input_uri;
  std::string output_uri;
  std::string input_owner_account_id;
  double submitted_at = 0;
  std::optional<double> ended_at;
  std::string message;
};

struct ImageSetVersion {
  std::string image_set_id;
  std::string datastore_id;
  int64_t version = 1;
  ImageSetState state = ImageSetState::kActive;
  ImageSetWorkflowStatus workflow = ImageSetWorkflowStatus::kImported;
  bool is_primary = true;
  bool forced = false;
  std::string arn;
  std::string message;
  double created_at = 0;
  double updated_at = 0;
  std::optional<double> deleted_at;
};

// The DICOMTags of an ImageSetsMetadataSummary (search results).
struct DicomTags {
  std::string patient_id, patient_name, patient_birth_date, patient_sex;
  std::string study_instance_uid, study_id, study_description, accession_number;
  std::string study_date, study_time;
  std::string series_instance_uid, series_modality, series_body_part;
  std::optional<int64_t> series_number;
  int64_t number_of_study_related_series = 0;
  int64_t number_of_study_related_instances = 0;
};

struct ImageSetSummary {
  std::string image_set_id;
  int64_t version = 1;
  double created_at = 0;
  double updated_at = 0;
  bool is_primary = true;
  DicomTags tags;
};

// SearchImageSets criteria (ahi-api.md §9).
enum class SearchField {
  kPatientId, kAccessionNumber, kStudyId, kStudyInstanceUid, kSeriesInstanceUid, kCreatedAt,
  kUpdatedAt, kStudyDateAndTime, kIsPrimary,
};
struct SearchValue {
  SearchField field = SearchField::kPatientId;
  std::string text;    // ids; for kStudyDateAndTime "YYYYMMDDHHMMSS.FFFFFF" normalised
  double number = 0;   // createdAt/updatedAt epoch seconds
  bool flag = false;   // isPrimary
};
struct SearchFilter {
  bool between = false;  // false: EQUAL (1 value); true: BETWEEN (2 values, inclusive)
  std::vector<SearchValue> values;
};
struct SearchCriteria {
  std::vector<SearchFilter> filters;  // 0..2, ANDed
  SearchField sort_field = SearchField::kUpdatedAt;
  bool sort_ascending = false;
  bool has_sort = false;  // echo "sort" in the response only when the request had one
};

// ARNs: arn:aws:medical-imaging:<region>:<account>:datastore/<d>[/imageset/<i>].
std::string DatastoreArn(const std::string& datastore_id);
std::string ImageSetArn(const std::string& datastore_id, const std::string& image_set_id);
// Splits a datastore or image set ARN. nullopt when it is not one of ours.
struct ParsedArn {
  std::string datastore_id;
  std::string image_set_id;  // empty for a datastore ARN
};
std::optional<ParsedArn> ParseArn(const std::string& arn);

// The region and account id that ARNs carry. Defaults: us-east-1, 000000000000; overridable with
// OPENHI_REGION / OPENHI_ACCOUNT_ID.
const std::string& Region();
const std::string& AccountId();

}  // namespace openhi::ahi
