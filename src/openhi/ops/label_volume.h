#pragma once
// LabelVolume: what a segmentation operator emits (MONAI's "pred" / "seg_image" port): a label
// volume on exactly the grid of the SeriesVolume it was computed from, plus that series'
// per-slice source references, so that writers (DICOM SEG, STL, NIfTI) need no other input.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "openhi/app/port_type.h"
#include "openhi/ops/series_volume.h"
#include "openhi/volume/geometry.h"

namespace openhi::ops {

struct LabelVolume {
  // Labels on the source grid (LPS, volume/geometry.h): 0 background, 1.. the classes.
  volume::Mask labels;
  // Copied from the source SeriesVolume: slices[k] is the instance of label slice k.
  std::vector<SliceSource> slices;
  std::string study_instance_uid;
  std::string series_instance_uid;
  nlohmann::json first_slice_attributes;  // see SeriesVolume::first_slice_attributes
};

// A LabelVolume on `source`'s grid and references, with `labels` (same geometry).
inline LabelVolume MakeLabelVolume(const SeriesVolume& source, volume::Mask labels) {
  LabelVolume out;
  out.labels = std::move(labels);
  out.slices = source.slices;
  out.study_instance_uid = source.study_instance_uid;
  out.series_instance_uid = source.series_instance_uid;
  out.first_slice_attributes = source.first_slice_attributes;
  return out;
}

}  // namespace openhi::ops

template <>
struct openhi::app::PortTypeName<openhi::ops::LabelVolume> {
  static std::string Get() { return "openhi::ops::LabelVolume"; }
};
