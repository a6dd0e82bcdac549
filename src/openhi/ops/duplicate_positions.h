#pragma once
// The duplicate-position rule shared by the DICOM loaders (folder and image set), as MONAI
// Deploy's DICOMDataLoaderOperator applies it since PR #535 ("Duplicate Input DICOM Spatial
// Coordinates", spec §3.3): among the instances of one series with the same
// ImagePositionPatient (all three values equal), only the one with the higher
// AcquisitionNumber is kept (a missing one counts as -1); on a tie the first one in load order
// is kept. The kept instance takes the place of the first one in the series order. Instances
// without a valid ImagePositionPatient are never deduplicated.
// Pure function; thread-safe.
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/ops/dicom_series.h"

namespace openhi::ops {

// Returns the indices into `instances` (one series, in load order) to keep, in series order.
// Every removal appends one warning to `warnings` (when not null), naming the position, the
// series and both instances through `describe(index)` (a file path, a SOP Instance UID, ...).
std::vector<size_t> DeduplicatePositions(std::span<const DicomInstanceRef* const> instances,
                                         std::string_view series_instance_uid,
                                         const std::function<std::string(size_t)>& describe,
                                         std::vector<std::string>* warnings);

}  // namespace openhi::ops
