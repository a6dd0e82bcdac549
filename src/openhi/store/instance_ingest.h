#pragma once
// IngestInstance: one DICOM P10 file -> one AHI instance entry plus its stored frames.
//
// Per frame: decode the source pixels, encode HTJ2K lossless (1.2.840.10008.1.2.4.202), decode
// the result again at every resolution level, compare the full-resolution pixels bit for bit
// with the source, record per-level CRC-32s, min/max and the decoded size, and write the
// codestream blob. Lossy sources (.4.50, .4.91, .4.203, JPEG XL, video) keep their encoding.
// A mismatch or any decode error fails the whole file; nothing is ever stored for it (blobs
// already written are deleted, and are unreferenced anyway).
//
// Thread-safe: distinct files may be ingested concurrently.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/objstore/object_store.h"
#include "openhi/store/catalog.h"

namespace openhi::store {

struct IngestedInstance {
  std::string study_uid;
  std::string series_uid;
  std::string sop_uid;
  // Grouping keys (ahi-api.md §6): StudyDate, AccessionNumber, PatientID, StudyID, SeriesNumber.
  std::map<std::string, std::string> grouping;
  nlohmann::json instance;  // {"DICOM","DICOMVRs","StoredTransferSyntaxUID","ImageFrames"}
  std::vector<FrameRow> frames;
  uint64_t pixel_bytes = 0;  // decoded pixel bytes of all frames
};

// The failure of a file, as written to FAILURE/failure.ndjson.
struct IngestError {
  std::string exception_type;  // "ValidationException" (customer) or "InternalServerException"
  std::string message;
};

// Frame blobs are written under `blob_prefix` (see FrameBlobPrefix) in `blobs`, not synced.
Result<IngestedInstance> IngestInstance(ByteView p10, const std::string& blob_prefix,
                                        objstore::ObjectStore& blobs);

// Maps an ingest Status to the AHI exception shape of failure.ndjson.
IngestError ToIngestError(const Status& s);

// The content type GetImageFrame answers for a stored transfer syntax (ahi-api.md §11).
std::string FrameContentType(const std::string& transfer_syntax_uid);

}  // namespace openhi::store
