#pragma once
// SeriesVolume: what series-to-volume emits (MONAI's "image" port, spec §3.5): the scalar
// volume in DICOM LPS plus, for every slice k, the source instance it came from, which the
// DICOM SEG writer references frame by frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/app/port_type.h"
#include "openhi/volume/geometry.h"
#include "openhi/volume/volume_plan.h"

namespace openhi::ops {

struct SliceSource {
  std::string sop_class_uid;     // empty for a placeholder slice (a filled gap)
  std::string sop_instance_uid;  // empty for a placeholder slice
  uint32_t frame_index = 0;      // 0-based frame within the instance
  size_t instance_index = 0;     // index into the selected DicomSeries::instances
};

struct SeriesVolume {
  // Values in modality units (CT: Hounsfield units): stored value * RescaleSlope +
  // RescaleIntercept of each slice. Geometry and voxel order: volume/geometry.h.
  volume::Volume volume;
  std::vector<SliceSource> slices;  // slices[k] for k in [0, volume.geometry.size[2])
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string selection_name;
  // Attributes (AHI JSON, all levels merged) of the instance at slice 0: patient, study and
  // series modules for writers.
  nlohmann::json first_slice_attributes;
  std::vector<volume::GeometryIssue> issues;  // tolerated irregularities (PlanVolume)
};

}  // namespace openhi::ops

template <>
struct openhi::app::PortTypeName<openhi::ops::SeriesVolume> {
  static std::string Get() { return "openhi::ops::SeriesVolume"; }
};
