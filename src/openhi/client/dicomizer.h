#pragma once
// DICOMize an image set: every instance of every series (or of one series) rebuilt as a DICOM
// P10 file from its metadata and its frames (dicom/p10_rebuild.h has the rules;
// docs/formats/dicomize.md what a rebuilt file may differ in). Frames come through the
// retrieval pipeline (retriever.h): fetched in parallel, checksum-verified, decoded on a pool;
// each instance is rebuilt and written as soon as its last frame is in, so memory holds only
// the instances still in flight.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "openhi/client/ahi_client.h"
#include "openhi/client/cancellation.h"
#include "openhi/client/image_set_metadata.h"
#include "openhi/client/retriever.h"
#include "openhi/core/status.h"

namespace openhi::client {

struct DicomizeOptions {
  RetrieveOptions retrieve;             // pass_through_undecodable is forced on
  std::optional<size_t> series_index;   // nullopt = every series of the image set
};

struct DicomizeSummary {
  size_t series = 0;
  size_t instances = 0;
  size_t frames = 0;
  uint64_t bytes_written = 0;
  std::vector<std::filesystem::path> files;  // in document order
};

// BulkDataURI values (binary attributes AHI keeps out of line) are fetched with SigV4-signed
// GETs, through `client` when on its endpoint, else from the URI's origin with the same
// credentials and region.
// Writes <out_dir>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm for each instance (atomic writes;
// existing files are replaced). UIDs that are not plain DICOM UIDs ([0-9.]) are rejected with
// kInvalidArgument, so a hostile document cannot write outside `out_dir`. Errors: the retrieval
// pipeline's, RebuildP10's (naming the instance), file system errors.
Result<DicomizeSummary> DicomizeImageSet(AhiClient& client, const ImageSetMetadata& metadata,
                                         const std::filesystem::path& out_dir,
                                         const DicomizeOptions& options = {},
                                         const CancellationToken* cancel = nullptr);

}  // namespace openhi::client
