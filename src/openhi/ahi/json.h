#pragma once
// JSON codec of the AHI wire model (restJson1 member names). The only place where AWS wire
// names are spelled. Thread-safe (pure functions).
#include <nlohmann/json.hpp>

#include "openhi/ahi/model.h"
#include "openhi/core/status.h"

namespace openhi::ahi {

using Json = nlohmann::json;

// Shapes as returned by the operations named in each comment.
Json DatastorePropertiesJson(const Datastore& d);  // GetDatastore.datastoreProperties
Json DatastoreSummaryJson(const Datastore& d);     // ListDatastores.datastoreSummaries[]
Json JobPropertiesJson(const ImportJob& j);        // GetDICOMImportJob.jobProperties
Json JobSummaryJson(const ImportJob& j);           // ListDICOMImportJobs.jobSummaries[]
Json GetImageSetJson(const ImageSetVersion& v);    // GetImageSet response
Json ImageSetPropertiesJson(const ImageSetVersion& v);  // ListImageSetVersions entries
Json ImageSetSummaryJson(const ImageSetSummary& s);     // SearchImageSets summaries[]

// Operation responses (the body of a 200).
Json CreateDatastoreResponseJson(const Datastore& d);
Json DeleteDatastoreResponseJson(const Datastore& d);
Json StartImportResponseJson(const ImportJob& j);
Json UpdateImageSetMetadataResponseJson(const ImageSetVersion& v);
Json CopyImageSetResponseJson(const ImageSetVersion& source, const ImageSetVersion& destination);
Json DeleteImageSetResponseJson(const ImageSetVersion& v);

// UpdateImageSetMetadata's `updateImageSetMetadataUpdates` union: exactly one of DICOMUpdates
// (each attribute document base64 on the wire; raw JSON text is accepted too, as the CLI's
// raw-in-base64-out sends) or revertToVersionId.
struct MetadataUpdates {
  std::string updatable_attributes;  // decoded JSON text, may be empty
  std::string removable_attributes;
  std::optional<int64_t> revert_to_version;
};
Result<MetadataUpdates> ParseMetadataUpdates(const Json& body);

// CopyImageSet's `copyImageSetInformation` body.
struct CopyImageSetInformation {
  int64_t source_latest_version = 0;
  std::string copiable_attributes;  // JSON text; empty copies everything
  std::optional<std::string> destination_image_set_id;
  int64_t destination_latest_version = 0;
};
Result<CopyImageSetInformation> ParseCopyImageSetInformation(const Json& body);

// A version ID: decimal digits, starting at 1. kInvalidArgument otherwise.
Result<int64_t> ParseVersionId(std::string_view text);

// Parses a SearchImageSets body ({"filters":[...],"sort":{...}}), enforcing ahi-api.md §9:
// 0..2 filters, EQUAL with one value, BETWEEN with two values of the same field, BETWEEN only
// on createdAt/updatedAt/DICOMStudyDateAndTime, each value exactly one member. kInvalidArgument
// otherwise. An empty or null body means no filters.
Result<SearchCriteria> ParseSearchCriteria(const Json& body);
Json SortJson(const SearchCriteria& c);

// Parses text as JSON; kInvalidArgument with the parser's position on failure. Never throws.
Result<Json> ParseJson(std::string_view text);

}  // namespace openhi::ahi
