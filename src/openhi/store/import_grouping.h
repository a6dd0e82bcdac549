#pragma once
// Grouping of an import job's ingested files into image sets (ahi-api.md §6), and the job's
// per-file outcome lines.
//
// Rules (docs/formats/import-rules.md):
// - One primary image set per Study/Series UID pair in a datastore. Files whose grouping keys
//   (StudyDate, AccessionNumber, PatientID, StudyID, SeriesNumber) equal the primary set's are
//   added to it, creating a new version; otherwise they go to a non-primary set of this job.
// - Duplicate SOPInstanceUIDs: an instance already in the primary set from an earlier version is
//   replaced and the version bumps (the old version stays readable). Within one job, a second
//   file with the same SOPInstanceUID and identical content (attributes and pixel checksums) is
//   a duplicate that adds nothing; with different content it goes to a non-primary conflict set.
//   Nothing is ever silently overwritten.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/store/catalog.h"
#include "openhi/store/instance_ingest.h"
#include "openhi/store/metadata_document.h"
#include "openhi/store/store.h"

namespace openhi::store {

struct FileResult {
  std::string input_key;  // relative to the input location
  Result<IngestedInstance> result;
};

struct ImportOutcome {
  size_t scanned = 0;
  size_t customer_errors = 0;
  size_t server_errors = 0;
  std::vector<nlohmann::json> success_lines;  // SUCCESS/success.ndjson
  std::vector<nlohmann::json> failure_lines;  // FAILURE/failure.ndjson
  nlohmann::json image_sets = nlohmann::json::array();  // manifest imageSetsSummary
};

struct ImportPlan {
  std::vector<VersionWrite> writes;  // metadata_key filled in by the caller after saving
  std::map<std::string, MetadataDocument> documents;  // by image set ID
  ImportOutcome outcome;
};

// Caller holds Store::Impl::write_mu. Reads existing primary sets from the catalog.
Result<ImportPlan> GroupIntoImageSets(Store::Impl& store, const ahi::ImportJob& job,
                                      std::vector<FileResult> files);

}  // namespace openhi::store
